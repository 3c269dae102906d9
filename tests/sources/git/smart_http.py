"""A git server over HTTP on 127.0.0.1 for tests: `git http-backend` behind Basic auth.

Only what the credential tests need: one token is accepted (as GitHub takes
`x-access-token:<token>`), anything else is answered 401 as a forge does, and every request's
Authorization header is kept so a test can see what git sent.
"""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test's output."""


class SmartHttp:
    """Serves the repositories under `root` at `url`/<name>."""

    def __init__(self, root: Path, token: str) -> None:
        self.root = root
        self.token = token
        self.seen: list[str] = []
        self._server: WSGIServer = make_server("127.0.0.1", 0, self._app, handler_class=_Quiet)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> SmartHttp:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self, environ: dict[str, Any], start: Any) -> Iterator[bytes]:
        header = environ.get("HTTP_AUTHORIZATION", "")
        self.seen.append(header)
        wanted = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        if header != f"Basic {wanted}":
            start("401 Unauthorized", [("WWW-Authenticate", 'Basic realm="git"')])
            return iter([b"Bad credentials\n"])
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        cgi = {
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REMOTE_USER": "x-access-token",
            "PATH_INFO": environ["PATH_INFO"],
            "REQUEST_METHOD": environ["REQUEST_METHOD"],
            "QUERY_STRING": environ.get("QUERY_STRING", ""),
            "CONTENT_TYPE": environ.get("CONTENT_TYPE", ""),
            "CONTENT_LENGTH": str(len(body)),
            "PATH": "/usr/bin:/bin:/usr/local/bin",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.root),
        }
        for key, value in environ.items():
            if key.startswith("HTTP_") and key != "HTTP_AUTHORIZATION":
                cgi[key] = value
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=cgi, capture_output=True, check=True
        )
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status = "200 OK"
        headers = []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(": ")
            if name.lower() == "status":
                status = value
            elif name:
                headers.append((name, value))
        start(status, headers)
        return iter([payload])
