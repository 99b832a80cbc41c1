"""Politeness: one token bucket per host, shared by every request to that host.

A bucket holds at most ``burst`` tokens and gains ``rate`` tokens a second; a request takes one.
When none is left, the caller reserves the next token and sleeps until it is due, so concurrent
callers queue up in order instead of racing. ``clock`` and ``sleep`` are injected: tests drive a
fake clock and assert the rate without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]
Sleep = Callable[[float], None]

NCBI_RATE_WITHOUT_KEY = 3.0  # requests per second, NCBI E-utilities usage policy
NCBI_RATE_WITH_KEY = 10.0


class TokenBucket:
    """``acquire()`` returns once a request may go out at ``rate`` per second."""

    def __init__(self, rate: float, *, burst: float = 1.0, clock: Clock = time.monotonic,
                 sleep: Sleep = time.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take a token, sleeping until it is due; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1  # may go negative: a reservation for a future slot
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait


class HostLimiter:
    """The buckets of one process (or one test): a host's first caller sets its rate."""

    def __init__(self, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self._clock, self._sleep = clock, sleep
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def bucket(self, host: str, rate: float) -> TokenBucket:
        with self._lock:
            found = self._buckets.get(host)
            if found is None:
                found = TokenBucket(rate, clock=self._clock, sleep=self._sleep)
                self._buckets[host] = found
            elif rate < found.rate:
                found.rate = rate  # the strictest rate asked for a host wins
            return found


_PROCESS_LIMITER = HostLimiter()


def limiter_for(clock: Clock, sleep: Sleep) -> HostLimiter:
    """The process-wide limiter for the real clock, so that concurrent questions share the
    buckets; a fresh one for injected clocks (tests)."""
    if clock is time.monotonic and sleep is time.sleep:
        return _PROCESS_LIMITER
    return HostLimiter(clock=clock, sleep=sleep)
