"""Serve a Starlette app with uvicorn on a background thread, on a socket bound up front.

Binding before starting turns "the port is taken" into an `OSError` the caller can report in
one line, instead of a uvicorn log and a thread that died. In a thread, uvicorn installs no
signal handlers: the owner decides what SIGTERM means (the daemon finishes its cycle first).
The daemon and the fake trackers both serve this way.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Self

import uvicorn
from starlette.types import ASGIApp

STARTUP_SECONDS = 10.0


class ServedApp:
    """`ServedApp(host, port)` binds (port 0 picks a free one); `.start(app)` … `.stop()`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY then (else ~40 ms per request).
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._sock.bind((host, port))
        except OSError:
            self._sock.close()
            raise
        self.host, self.port = self._sock.getsockname()[:2]
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=self._serve, name=f"http:{self.port}", daemon=True)

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def _serve(self) -> None:
        assert self._server is not None, "started by start()"
        self._server.run(sockets=[self._sock])

    def start(self, app: ASGIApp) -> Self:
        # log_config=None: uvicorn logs through the root handler (format, masking) like all.
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", log_config=None
        )
        self._server = server = uvicorn.Server(config)
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise OSError(f"the HTTP server on {self.base_url} did not start")
            time.sleep(0.005)
        return self

    def stop(self, *, finish_answers: bool = True) -> None:
        """Stop serving; with `finish_answers` False, answers still being worked on are dropped
        at once instead of waited for (up to `STARTUP_SECONDS`), as when a server dies."""
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = not finish_answers
        if self._thread.is_alive():
            self._thread.join(timeout=STARTUP_SECONDS)
        self._sock.close()
