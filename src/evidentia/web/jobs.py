"""Background jobs: a long ask, an upload or an index build runs as a job a page can poll.

A job is created by a request, runs as an asyncio task (its blocking work in a thread), and is
remembered until ``ttl_s`` after it finished. The registry is bounded: when ``max_jobs`` jobs are
still unfinished a new one is refused with 429, and finished ones are evicted oldest first. An
exclusive kind (the index build) runs one at a time: a second start is refused with 409.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .limits import Overloaded
from .problems import Problem, problem_for

JobStatus = Literal["queued", "running", "done", "failed"]
JobKind = Literal["ask", "add", "index"]


@dataclass
class Job:
    id: str
    kind: JobKind
    title: str
    status: JobStatus = "queued"
    stage: str = "waiting for a free slot"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    done_units: int = 0  # records read (uploads), papers checked (index builds)
    total_units: int | None = None  # known for index builds: the library's papers
    result_url: str | None = None
    summary: dict[str, Any] | None = None
    error: dict[str, str] | None = None

    @property
    def finished_or_failed(self) -> bool:
        return self.status in ("done", "failed")

    def elapsed_s(self) -> float:
        end = self.finished or time.time()
        return round(end - (self.started or self.created), 1)

    def public(self) -> dict[str, Any]:
        """What ``GET /api/jobs/{id}`` returns."""
        return {
            "id": self.id, "kind": self.kind, "title": self.title, "status": self.status,
            "stage": self.stage, "elapsed_s": self.elapsed_s(), "done_units": self.done_units,
            "total_units": self.total_units,
            "result_url": self.result_url, "summary": self.summary, "error": self.error,
            "status_url": f"/api/jobs/{self.id}", "page_url": f"/jobs/{self.id}",
        }


class JobRegistry:
    """Jobs by id, bounded in number and lifetime."""

    def __init__(self, max_jobs: int, ttl_s: float, retry_after_s: int) -> None:
        self.max_jobs = max_jobs
        self.ttl_s = ttl_s
        self.retry_after_s = retry_after_s
        self._jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def get(self, job_id: str) -> Job | None:
        self._evict()
        return self._jobs.get(job_id)

    def unfinished(self, kind: JobKind) -> Job | None:
        """An unfinished job of this kind, if there is one."""
        return next((job for job in self._jobs.values() if job.kind == kind and not job.finished_or_failed), None)

    def start(self, kind: JobKind, title: str, work: Callable[[Job], Awaitable[None]], *,
              exclusive: bool = False) -> Job:
        """Create a job and run ``work(job)`` in the background; 429 when too many are unfinished,
        409 when ``exclusive`` and a job of the same kind is still unfinished."""
        self._evict()
        if exclusive and (running := self.unfinished(kind)) is not None:
            raise Problem(409, "conflict",
                          f"another {kind} job is still running; wait for it (/jobs/{running.id}) and try again")
        if sum(not job.finished_or_failed for job in self._jobs.values()) >= self.max_jobs:
            raise Overloaded(429, "too many jobs are running; try again shortly", self.retry_after_s)
        job = Job(id=secrets.token_urlsafe(12), kind=kind, title=title[:200])
        self._jobs[job.id] = job
        task = asyncio.get_running_loop().create_task(self._run(job, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: Job, work: Callable[[Job], Awaitable[None]]) -> None:
        try:
            await work(job)
        except Exception as exc:  # noqa: BLE001 - the job reports any failure; the server goes on
            problem = problem_for(exc)
            job.status, job.stage = "failed", "failed"
            job.error = {"type": problem.type, "message": problem.message}
        else:
            job.status, job.stage = "done", "done"
        job.finished = time.time()

    def _evict(self) -> None:
        now = time.time()
        expired = [
            job_id for job_id, job in self._jobs.items()
            if job.finished is not None and now - job.finished > self.ttl_s
        ]
        for job_id in expired:
            del self._jobs[job_id]
        finished = [job for job in self._jobs.values() if job.finished_or_failed]
        for job in sorted(finished, key=lambda job: job.finished or 0)[: max(0, len(self._jobs) - self.max_jobs)]:
            del self._jobs[job.id]
