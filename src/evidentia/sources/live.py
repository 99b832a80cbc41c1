"""Ask every enabled live source at once, and say how each one fared.

:func:`fetch_live` runs the PubMed, Europe PMC and OpenAlex clients side by side (one thread
each, one shared per-host rate limiter), merges their papers across sources, and returns a
``SourceStatus`` per source. A source that fails never raises: its status says why. When every
source failed to connect at all, ``LiveResult.offline`` is True.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ..config import SourcesSettings
from ..models import Paper, QueryAnalysis
from .base import SourceFetch
from .europepmc import EuropePMCClient
from .merge import merge_sources
from .openalex import OpenAlexClient
from .polite import FetchFailure, PoliteClient, RetryPolicy, make_http_client
from .pubmed import PubMedClient
from .ratelimit import Clock, Sleep, limiter_for

log = logging.getLogger(__name__)

Client = PubMedClient | EuropePMCClient | OpenAlexClient


class SourceStatus(BaseModel):
    """How one source answered: what it reported, what arrived, or why it failed."""

    model_config = ConfigDict(extra="forbid")

    name: str  # pubmed | europepmc | openalex
    label: str = ""  # as a reader knows it: "PubMed"
    ok: bool
    retrieved: int = 0  # distinct records that arrived and parsed
    total: int = 0  # hits the source reported
    expected: int = 0  # what we set out to fetch: min(total, max_results, the source's ceiling)
    capped: bool = False  # more hits than fetched by design (top N, or PubMed's 10,000)
    error: str | None = None  # why it failed: "HTTP 503 after 5 attempts"
    error_kind: str | None = None  # connect | reset | timeout | http | body | limit | internal
    note: str | None = None  # e.g. "retrieved 95 of 100 reported"
    query: str = ""  # the query that was sent
    skipped: int = 0  # records that arrived but could not be read
    requests: int = 0  # HTTP requests made, retries included
    elapsed_s: float = 0.0


class LiveResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    papers: list[Paper] = Field(default_factory=list)  # merged across sources, deduplicated
    statuses: list[SourceStatus] = Field(default_factory=list)
    offline: bool = False  # no source could be reached (or offline was asked for)


def fetch_live(
    query: QueryAnalysis, settings: SourcesSettings, *, transport: httpx.BaseTransport | None = None,
    sleep: Sleep = time.sleep, clock: Clock = time.monotonic,
    rand: Callable[[], float] = random.random,
) -> LiveResult:
    """Papers for ``query`` from every enabled source; never raises for a source's failure."""
    if settings.offline:
        return LiveResult(offline=True)
    limiter = limiter_for(clock, sleep)
    names = enabled_sources(settings)
    if not names:
        return LiveResult()
    policy = retry_policy(settings, rand=rand, sleep=sleep)
    # One client (one connection pool) shared by the source threads.
    with make_http_client(settings.timeout_s, transport) as client, ThreadPoolExecutor(
        max_workers=len(names), thread_name_prefix="evidentia-source"
    ) as pool:
        futures = [pool.submit(_run_source, name, query, settings,
                               PoliteClient(client, limiter, policy), clock) for name in names]
        outcomes = [future.result() for future in futures]
    papers = merge_sources({status.name: found for status, found in outcomes if status.ok})
    statuses = [status for status, _ in outcomes]
    offline = all(status.error_kind == "connect" for status in statuses)
    return LiveResult(papers=papers, statuses=statuses, offline=offline)


def retry_policy(settings: SourcesSettings, *, rand: Callable[[], float], sleep: Sleep) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.max_attempts, backoff_base_s=settings.backoff_base_s,
        backoff_max_s=settings.backoff_max_s, max_retry_after_s=settings.max_retry_after_s,
        random=rand, sleep=sleep,
    )


def enabled_sources(settings: SourcesSettings) -> list[str]:
    return [name for name in ("pubmed", "europepmc", "openalex") if getattr(settings, name).enabled]


def _run_source(name: str, query: QueryAnalysis, settings: SourcesSettings, http: PoliteClient,
                clock: Clock) -> tuple[SourceStatus, list[Paper]]:
    started = clock()
    source = _client(name, http, settings)
    status = SourceStatus(name=name, label=source.label, ok=False)
    found = _fetch_into(status, source, query)
    status.requests = http.requests_made
    status.elapsed_s = round(max(0.0, clock() - started), 3)
    return status, found


def _client(name: str, http: PoliteClient, settings: SourcesSettings) -> Client:
    require = settings.require_abstract
    if name == "pubmed":
        return PubMedClient(http, settings.pubmed, require_abstract=require)
    if name == "europepmc":
        return EuropePMCClient(http, settings.europepmc, require_abstract=require)
    return OpenAlexClient(http, settings.openalex, require_abstract=require)


def _fetch_into(status: SourceStatus, source: Client, query: QueryAnalysis) -> list[Paper]:
    """Run one source, filling ``status``; the boundary where a source's failure stops."""
    if not source.queries(query):
        status.error, status.error_kind = "nothing to search for in the question", "internal"
        return []
    try:
        fetched = source.fetch(query)
    except FetchFailure as exc:
        status.error, status.error_kind = str(exc), exc.kind
        return []
    except Exception as exc:  # a bug or an unforeseen response must not sink the answer
        log.exception("%s failed unexpectedly", source.label)
        status.error, status.error_kind = f"unexpected error ({type(exc).__name__}: {exc})", "internal"
        return []
    _fill(status, fetched)
    return fetched.papers


def _fill(status: SourceStatus, fetched: SourceFetch) -> None:
    status.ok = True
    status.retrieved, status.total, status.expected = len(fetched.papers), fetched.total, fetched.expected
    status.capped, status.query, status.skipped = fetched.capped, fetched.query, len(fetched.skipped)
    if status.retrieved < status.expected:
        status.note = f"retrieved {status.retrieved:,} of {status.expected:,} reported"
        if status.skipped:
            status.note += f"; {status.skipped:,} could not be read"


def status_line(status: SourceStatus) -> str:
    """One line for the report: "PubMed: 100 of 2,345 results", "Europe PMC failed: ..."."""
    label = status.label or status.name
    if not status.ok:
        return f"{label} failed: {status.error}"
    if status.retrieved == 0 and status.total == 0:
        line = f"{label}: no results"
    elif status.capped:
        line = f"{label}: {status.retrieved:,} of {status.total:,} results"
    else:
        line = f"{label}: {status.retrieved:,} result{'s' if status.retrieved != 1 else ''}"
    return f"{line} ({status.note})" if status.note else line
