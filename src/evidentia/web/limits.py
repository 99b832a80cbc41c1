"""Admission control: a bounded number of running calls per kind, and a bounded queue before them.

A request that finds every slot busy waits in a queue of at most ``max_waiting`` requests; a
request that finds the queue full is refused at once (429), and one that waited longer than
``timeout_s`` gives up (503). Both carry ``Retry-After``. Refusing early keeps latency bounded for
the requests that are admitted and keeps the process alive under overload.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class Overloaded(Exception):
    """The server is busy; ``status`` is 429 (queue full) or 503 (waited too long)."""

    def __init__(self, status: int, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after_s = retry_after_s


class Limiter:
    """At most ``concurrency`` holders at a time, at most ``max_waiting`` waiting for a turn."""

    def __init__(
        self, name: str, concurrency: int, max_waiting: int, timeout_s: float, retry_after_s: int
    ) -> None:
        self.name = name
        self.concurrency = concurrency
        self.max_waiting = max_waiting
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._semaphore = asyncio.Semaphore(concurrency)
        self.running = 0
        self.waiting = 0
        self.refused = 0

    def queue_full(self) -> bool:
        return self.running >= self.concurrency and self.waiting >= self.max_waiting

    def check_room(self) -> None:
        """Raise 429 now when a new request could not even queue."""
        if self.queue_full():
            self.refused += 1
            raise Overloaded(
                429, f"too many {self.name} requests are waiting; try again shortly",
                self.retry_after_s,
            )

    @asynccontextmanager
    async def slot(self, *, wait_forever: bool = False) -> AsyncIterator[None]:
        """Hold one slot for the block; background jobs wait as long as it takes."""
        self.check_room()
        await self._acquire(None if wait_forever else self.timeout_s)
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._semaphore.release()

    async def _acquire(self, timeout_s: float | None) -> None:
        self.waiting += 1
        try:
            async with asyncio.timeout(timeout_s):
                await self._semaphore.acquire()
        except TimeoutError:
            self.refused += 1
            raise Overloaded(
                503, f"the server is busy with other {self.name} requests; try again shortly",
                self.retry_after_s,
            ) from None
        finally:
            self.waiting -= 1

    def snapshot(self) -> dict[str, int]:
        return {
            "running": self.running, "waiting": self.waiting, "refused": self.refused,
            "concurrency": self.concurrency, "max_waiting": self.max_waiting,
        }
