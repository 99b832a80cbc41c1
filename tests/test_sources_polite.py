"""Politeness and faults: what is retried, how long each wait is, and the per-host token bucket."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from evidentia.sources.polite import (
    BadBody, FetchFailure, PoliteClient, RetryPolicy, check_not_html, parse_retry_after,
)
from evidentia.sources.ratelimit import HostLimiter, TokenBucket

WALL_NOW = 1_700_000_000.0  # a fixed "now" for Retry-After dates


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def http_date(offset_s: float) -> str:
    return email.utils.formatdate(WALL_NOW + offset_s, usegmt=True)


def timeout() -> Exception:
    return httpx.ReadTimeout("timed out")


def reset() -> Exception:
    return httpx.RemoteProtocolError("Server disconnected without sending a response.")


def refused() -> Exception:
    return httpx.ConnectError("[Errno 111] Connection refused")


Step = httpx.Response | Callable[[], Exception]


def run(steps: list[Step], *, rand: float = 0.5, **policy: float) -> tuple[object, FakeClock, int]:
    """GET once through a PoliteClient whose server plays ``steps`` in order."""
    clock = FakeClock()
    queue = list(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        step = queue.pop(0)
        if isinstance(step, httpx.Response):
            return step
        exc = step()
        exc.request = request  # type: ignore[attr-defined]
        raise exc

    retry = RetryPolicy(random=lambda: rand, sleep=clock.sleep, wall_clock=lambda: WALL_NOW,
                        **policy)  # type: ignore[arg-type]
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        polite = PoliteClient(client, HostLimiter(clock=clock, sleep=lambda s: None), retry)
        try:
            outcome: object = polite.get("https://api.test/x", {}, rate=1000, decode=_decode_json)
        except FetchFailure as exc:
            outcome = exc
    return outcome, clock, polite.requests_made


def _decode_json(response: httpx.Response, body: bytes) -> object:
    check_not_html(response, body)
    if body.startswith(b'{"error"'):
        raise BadBody("error from the server")
    return body.decode()


OK = httpx.Response(200, text="data")

# (case, server steps, expected waits, expected requests)
RECOVERING = [
    ("429 with Retry-After seconds", [httpx.Response(429, headers={"Retry-After": "7"}), OK], [7.0], 2),
    ("429 with Retry-After date", [httpx.Response(429, headers={"Retry-After": http_date(12)}), OK],
     [12.0], 2),
    ("429 without Retry-After: jitter", [httpx.Response(429), OK], [0.5], 2),
    ("503 with Retry-After", [httpx.Response(503, headers={"Retry-After": "3"}), OK], [3.0], 2),
    ("500, 502, 503, 504: doubling", [httpx.Response(s) for s in (500, 502, 503, 504)] + [OK],
     [0.5, 1.0, 2.0, 4.0], 5),
    ("read timeout", [timeout, OK], [0.5], 2),
    ("connection reset", [reset, OK], [0.5], 2),
    ("read error", [lambda: httpx.ReadError("[Errno 104] Connection reset by peer"), OK], [0.5], 2),
    ("HTML page with 200", [httpx.Response(200, text="<!doctype html><html>busy</html>"), OK], [0.5], 2),
    ("error object with 200", [httpx.Response(200, text='{"error": "overloaded"}'), OK], [0.5], 2),
]


@pytest.mark.parametrize(("case", "steps", "waits", "requests"), RECOVERING, ids=[c[0] for c in RECOVERING])
def test_retried_faults_recover(case: str, steps: list[Step], waits: list[float], requests: int) -> None:
    outcome, clock, made = run(steps)
    assert outcome == "data"
    assert clock.sleeps == pytest.approx(waits)
    assert made == requests


FAILING = [
    ("404 is not retried", [httpx.Response(404, text="Not found")], "HTTP 404: Not found", "http", 1),
    ("400 keeps the server's message", [httpx.Response(400, json={"error": "bad search"})],
     'HTTP 400: {"error":"bad search"}', "http", 1),
    ("403 HTML page: no HTML in the message", [httpx.Response(403, text="<html><b>no</b></html>")],
     "HTTP 403", "http", 1),
    ("a failed connect is not retried", [refused],
     "cannot connect to api.test ([Errno 111] Connection refused)", "connect", 1),
    ("five 503s", [httpx.Response(503)] * 5, "HTTP 503 after 5 attempts", "http", 5),
    ("five timeouts", [timeout] * 5, "timed out after 5 attempts", "timeout", 5),
    ("five resets", [reset] * 5, "connection reset (RemoteProtocolError) after 5 attempts", "reset", 5),
    ("Retry-After beyond the limit", [httpx.Response(429, headers={"Retry-After": "3600"})],
     "HTTP 429: the server asked to wait 3600 s, more than sources.max_retry_after_s (120 s)", "limit", 1),
]


@pytest.mark.parametrize(("case", "steps", "message", "kind", "requests"), FAILING,
                         ids=[c[0] for c in FAILING])
def test_failures_say_why(case: str, steps: list[Step], message: str, kind: str, requests: int) -> None:
    outcome, _clock, made = run(steps)
    assert isinstance(outcome, FetchFailure)
    assert (str(outcome), outcome.kind, made) == (message, kind, requests)


def test_backoff_is_full_jitter_capped_at_the_maximum() -> None:
    _, clock, _ = run([httpx.Response(500)] * 6 + [OK], rand=1.0, max_attempts=7, backoff_max_s=5.0)
    assert clock.sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]
    _, clock, _ = run([httpx.Response(500)] * 2 + [OK], rand=0.0)
    assert clock.sleeps == [0.0, 0.0]


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    ("0", 0.0),
    (http_date(30), 30.0),
    (http_date(-30), 0.0),  # a date in the past: no wait
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ("soon", None),
    ("", None),
    (None, None),
    ("-5", None),
])
def test_retry_after_header(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, lambda: WALL_NOW) == seconds


# --------------------------------------------------------------------------- token bucket


def test_token_bucket_keeps_the_rate_with_a_fake_clock() -> None:
    clock = FakeClock()
    bucket = TokenBucket(3.0, clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(30):
        bucket.acquire()
        sent.append(clock.now)
    assert sent[-1] - sent[0] == pytest.approx(29 / 3)
    for start in sent:  # never more than 3 requests in any one-second window
        assert sum(1 for t in sent if start <= t < start + 1 - 1e-9) <= 3


def test_token_bucket_allows_a_burst_after_idle_time_but_never_more_than_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(10.0, burst=2, clock=clock, sleep=clock.sleep)
    clock.now += 60  # idle for a minute: the bucket refills to its burst, not to 600 tokens
    waits = [bucket.acquire() for _ in range(4)]  # each wait is slept, so the next is 0.1 s on
    assert waits == pytest.approx([0.0, 0.0, 0.1, 0.1])
    assert clock.now == pytest.approx(60.2)


def test_token_bucket_spaces_concurrent_callers() -> None:
    bucket = TokenBucket(200.0)
    started = time.monotonic()
    threads = [threading.Thread(target=lambda: [bucket.acquire() for _ in range(10)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert time.monotonic() - started >= 39 / 200 - 0.01


def test_one_bucket_per_host_and_the_strictest_rate_wins() -> None:
    limiter = HostLimiter()
    ncbi = limiter.bucket("eutils.ncbi.nlm.nih.gov", 10.0)
    assert limiter.bucket("eutils.ncbi.nlm.nih.gov", 3.0) is ncbi and ncbi.rate == 3.0
    assert limiter.bucket("api.openalex.org", 5.0) is not ncbi


def test_requests_to_one_host_wait_for_its_bucket() -> None:
    clock = FakeClock()
    limiter = HostLimiter(clock=clock, sleep=clock.sleep)
    seen: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(clock.now)
        return httpx.Response(200, text="ok")

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        polite = PoliteClient(client, limiter, RetryPolicy(sleep=clock.sleep))
        for _ in range(5):
            polite.get("https://eutils.test/esearch.fcgi", {}, rate=3.0, decode=lambda r, b: b)
    assert seen == pytest.approx([0.0, 1 / 3, 2 / 3, 1.0, 4 / 3])
