"""Run the app with uvicorn: in the foreground (``evidentia serve``) or in a background thread.

    evidentia.serve(settings, port=8000)                        # blocks, like the CLI
    with serve_in_thread(create_app(settings)) as base_url:     # tests and the load benchmark
        httpx.get(f"{base_url}/api/library")
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from ..config import Settings

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int | None = None,
                    startup_timeout_s: float = 20.0, **options: Any) -> Iterator[str]:
    """Start the server, yield its base URL, stop it on exit."""
    config = uvicorn.Config(app, host=host, port=port or free_port(host), log_level="warning",
                            server_header=False, **options)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="evidentia-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the web server did not start on {host}:{config.port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve(settings: Settings | None = None, *, host: str | None = None, port: int | None = None) -> None:
    """Serve the web app and JSON API over the library until interrupted (``evidentia serve``)."""
    from . import create_app

    settings = settings or Settings()
    uvicorn.run(create_app(settings), host=host or settings.web.host,
                port=settings.web.port if port is None else port, log_level="warning",
                server_header=False, limit_concurrency=1000, timeout_keep_alive=5)
