# syncer as a long-running service: `syncer daemon` with its webhook endpoint on port 8080.
#
#   docker build -t syncer .
#   docker run -d --init --name syncer -p 127.0.0.1:8080:8080 --env-file syncer.env \
#     -v "$PWD/config:/config:ro" -v "$PWD/registers:/registers" -v syncer-state:/state syncer
#
# /config holds syncer.toml; /state the state database (SYNCER_STATE); the registers live where
# syncer.toml points (mount their folder writable). One cycle instead of the daemon:
#   docker run --rm ... syncer reconcile --config /config/syncer.toml
# See docs/deploy.md.

ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY constraints.txt pyproject.toml README.md ./
COPY syncer ./syncer
# Every dependency at the version pinned in constraints.txt (the versions the tests ran with).
RUN python -m venv /opt/syncer && /opt/syncer/bin/pip install -c constraints.txt .

FROM python:${PYTHON_VERSION}-slim
ENV PATH=/opt/syncer/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SYNCER_STATE=/state/syncer.sqlite \
    SYNCER_HTTP_HOST=0.0.0.0 \
    SYNCER_HTTP_PORT=8080 \
    SYNCER_LOG_FORMAT=json
# git (and ssh for git@ remotes): registers kept in a git repository (docs/git.md).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /state --no-create-home syncer \
    && mkdir /config /state /registers \
    && chown syncer:syncer /state /registers
COPY --from=build /opt/syncer /opt/syncer

# Numeric, so that orchestrators can check the image does not run as root.
USER 10001:10001
WORKDIR /state
VOLUME ["/config", "/state"]
EXPOSE 8080
STOPSIGNAL SIGTERM
# The slim image has no curl: the standard library asks /healthz (200 while the scheduler runs).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % (os.environ.get('SYNCER_HTTP_PORT') or '8080'), timeout=4)"]
ENTRYPOINT ["syncer"]
CMD ["daemon", "--config", "/config/syncer.toml"]
