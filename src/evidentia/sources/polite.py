"""HTTP GET with politeness and fault handling; the only place evidentia sends a request.

Every request first takes a token from its host's bucket (``ratelimit``). What is retried:
HTTP 429 and 5xx, timeouts, connections reset or closed mid-response, and a 200 response whose
body is not data (an HTML page, NCBI's ``<ERROR>``, ``{"error": ...}``): the caller's ``decode``
raises :class:`BadBody` for those. What is not: other 4xx (the request itself is wrong) and a
failed connect (no route, DNS failure: the machine is offline, and retrying only delays saying
so). Waits use full-jitter exponential backoff (``uniform(0, min(max, base * 2**n))``) unless
the server sent ``Retry-After`` (seconds or an HTTP date), which is honoured up to a limit.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

import httpx

from .. import __version__
from ..errors import SourceError
from .ratelimit import Clock, HostLimiter, Sleep

log = logging.getLogger(__name__)

T = TypeVar("T")
FailureKind = Literal["connect", "reset", "timeout", "http", "body", "limit"]

MAX_RESPONSE_BYTES = 64 * 1024**2
USER_AGENT = f"evidentia/{__version__} (literature evidence reports)"
_RESET_ERRORS = (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError, httpx.CloseError)


class BadBody(Exception):
    """A response that arrived but does not hold the data asked for (retried)."""


class FetchFailure(SourceError):
    """A request that failed for good; ``kind`` says how, ``attempts`` how often it was tried."""

    def __init__(self, message: str, *, kind: FailureKind, attempts: int = 1) -> None:
        super().__init__(message)
        self.kind = kind
        self.attempts = attempts


@dataclass
class RetryPolicy:
    max_attempts: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    max_retry_after_s: float = 120.0
    random: Callable[[], float] = random.random
    sleep: Sleep = time.sleep
    wall_clock: Clock = time.time  # for Retry-After dates

    def backoff(self, attempt: int) -> float:
        """Full jitter: a uniform wait up to the exponential ceiling of try ``attempt`` (1-based)."""
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        return self.random() * ceiling


@dataclass
class _Attempt:
    """Why the last try failed, and how long the server asked us to wait."""

    reason: str
    kind: FailureKind
    retry_after: float | None = None


@dataclass
class PoliteClient:
    """GETs through one ``httpx.Client`` with per-host rate limits and retries."""

    client: httpx.Client
    limiter: HostLimiter
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    requests_made: int = 0

    def get(self, url: str, params: Mapping[str, str | int], *, rate: float,
            decode: Callable[[httpx.Response, bytes], T]) -> T:
        """``decode(response, body)`` of the first good response; raises ``FetchFailure``."""
        bucket = self.limiter.bucket(httpx.URL(url).host, rate)
        attempt = 0
        while True:
            attempt += 1
            bucket.acquire()
            outcome = self._try_once(url, params, decode)
            if not isinstance(outcome, _Attempt):
                return outcome
            log.info("GET %s failed (%s), try %d of %d", url, outcome.reason, attempt,
                     self.policy.max_attempts)
            if attempt >= self.policy.max_attempts:
                raise _gave_up(outcome, attempt)
            self.policy.sleep(self._delay(outcome, attempt))

    def _try_once(self, url: str, params: Mapping[str, str | int],
                  decode: Callable[[httpx.Response, bytes], T]) -> T | _Attempt:
        self.requests_made += 1
        try:
            with self.client.stream("GET", url, params=dict(params)) as response:
                body = _read_capped(response)
        except httpx.TimeoutException:
            return _Attempt("timed out", "timeout")
        except _RESET_ERRORS as exc:
            return _Attempt(f"connection reset ({type(exc).__name__})", "reset")
        except httpx.ConnectError as exc:
            raise FetchFailure(f"cannot connect to {httpx.URL(url).host} ({exc})",
                               kind="connect") from None
        except httpx.HTTPError as exc:
            raise FetchFailure(f"request failed ({type(exc).__name__}: {exc})", kind="http") from None
        return self._judge(response, body, decode)

    def _judge(self, response: httpx.Response, body: bytes,
               decode: Callable[[httpx.Response, bytes], T]) -> T | _Attempt:
        status = response.status_code
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(response.headers.get("Retry-After"), self.policy.wall_clock)
            return _Attempt(f"HTTP {status}", "http", retry_after)
        if status >= 400:
            raise FetchFailure(f"HTTP {status}{_snippet(body)}", kind="http")
        if status != 200:
            return _Attempt(f"unexpected HTTP {status}", "http")
        try:
            return decode(response, body)
        except BadBody as exc:
            return _Attempt(str(exc), "body")

    def _delay(self, outcome: _Attempt, attempt: int) -> float:
        if outcome.retry_after is None:
            return self.policy.backoff(attempt)
        if outcome.retry_after > self.policy.max_retry_after_s:
            raise FetchFailure(
                f"{outcome.reason}: the server asked to wait {outcome.retry_after:.0f} s, more than"
                f" sources.max_retry_after_s ({self.policy.max_retry_after_s:.0f} s)",
                kind="limit", attempts=attempt)
        return outcome.retry_after


def parse_retry_after(value: str | None, wall_clock: Clock = time.time) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: ``"120"`` or an HTTP date; None if absent
    or unreadable. A date in the past means no wait."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - wall_clock())


def _read_capped(response: httpx.Response) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise FetchFailure(f"response larger than {MAX_RESPONSE_BYTES:,} bytes", kind="body")
        chunks.append(chunk)
    return b"".join(chunks)


def _gave_up(outcome: _Attempt, attempts: int) -> FetchFailure:
    times = "attempt" if attempts == 1 else "attempts"
    return FetchFailure(f"{outcome.reason} after {attempts} {times}", kind=outcome.kind,
                        attempts=attempts)


def _snippet(body: bytes, limit: int = 160) -> str:
    """A short, printable piece of an error body for the status line ("" when it is HTML)."""
    text = body[:2000].decode("utf-8", errors="replace")
    if looks_like_html(text):
        return ""
    text = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return f": {text[:limit]}" if text else ""


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype html", "<html", "<head", "<body")) or "<html" in head


def check_not_html(response: httpx.Response, body: bytes) -> None:
    """Raise ``BadBody`` for an HTML page where data was expected (a proxy or error page)."""
    content_type = response.headers.get("content-type", "").lower()
    if "text/html" in content_type or looks_like_html(body[:400].decode("utf-8", errors="replace")):
        raise BadBody("an HTML page instead of data")


def make_http_client(timeout_s: float, transport: httpx.BaseTransport | None) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout_s), transport=transport, follow_redirects=True,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"},
    )
