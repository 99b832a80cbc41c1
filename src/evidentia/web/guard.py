"""ASGI middleware: security headers on every response, and size limits before any handler runs.

* ``Content-Security-Policy`` allows only the app's own scripts, styles and images (no inline
  script or style, no plugins, no framing, forms post only to the app);
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin`` (``no-referrer`` would
  make browsers send ``Origin: null`` on the app's own form posts, defeating the check below),
  ``X-Frame-Options: DENY``, ``Cross-Origin-Opener-Policy: same-origin``.
* A POST from another site (an ``Origin`` header that is not this host) gets 403, so a page
  elsewhere cannot make a visitor's browser upload records into their library.
* A request line longer than ``max_url_bytes`` gets 414; a body longer than its limit gets 413,
  whether it declares ``Content-Length`` or streams (uploads have their own, larger limit).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

UPLOAD_PATHS = ("/library/upload", "/api/library")


class BodyTooLarge(HTTPException):
    """Raised while reading a body past its limit; an HTTPException so every layer passes it on."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit), {"Connection": "close"})


class Guard:
    """Wraps the app: adds the headers, refuses over-long URLs and bodies."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int,
                 max_url_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        if len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") > self.max_url_bytes:
            await _refuse(send, 414, "uri_too_long",
                          f"the address is longer than {self.max_url_bytes} bytes; shorten the question")
            return
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and not _same_origin(scope):
            await _refuse(send, 403, "cross_site", "cross-site requests are refused; use the app's own pages")
            return
        limit = self._limit_for(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, 413, "too_large", too_large_message(limit))
            return
        await self._run_counting(scope, receive, send, limit)

    def _limit_for(self, path: str) -> int:
        return self.max_upload_bytes if path in UPLOAD_PATHS else self.max_body_bytes

    async def _run_counting(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(send, 413, "too_large", too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"the request body is larger than {_human_bytes(limit)}; send a smaller one"


def _human_bytes(size: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None


def _same_origin(scope: Scope) -> bool:
    """True without an ``Origin`` header (scripts, curl) or when it names this very host."""
    origin = _header(scope, b"origin")
    if origin is None:
        return True
    host = _header(scope, b"host") or b""
    scheme = str(scope.get("scheme") or "http").encode()
    return origin == scheme + b"://" + host


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
            message["headers"] = list(message.get("headers", [])) + extra
        await send(message)

    return wrapped


async def _refuse(send: Send, status: int, type_: str, message: str) -> None:
    body = json.dumps({"error": {"type": type_, "message": message}}).encode()
    await send({
        "type": "http.response.start", "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})
