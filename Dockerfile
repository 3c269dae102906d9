# syncer in a container: `docker run -v $PWD:/work -e GITHUB_TOKEN syncer reconcile`.
# The working directory holds syncer.toml, the register(s) and the state database.
FROM python:3.11-slim

RUN useradd --create-home --uid 10001 syncer
WORKDIR /app
COPY pyproject.toml README.md ./
COPY syncer ./syncer
RUN pip install --no-cache-dir . && rm -rf /root/.cache

USER syncer
WORKDIR /work
ENTRYPOINT ["syncer"]
CMD ["reconcile"]
