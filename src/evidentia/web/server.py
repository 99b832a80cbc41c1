"""Run the app with uvicorn in a background thread on a free loopback port.

    with serve_in_thread(create_app(settings)) as base_url:
        httpx.get(f"{base_url}/api/library")

For browser tests and the load benchmark; ``evidentia serve`` runs uvicorn in the foreground.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


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
