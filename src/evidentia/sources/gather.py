"""Live sources into the library, with a cache: what ``ask`` calls before it retrieves.

:func:`gather` turns a question into each source's query, and

* with ``offline`` (the argument or ``sources.offline``) makes no request at all;
* within ``sources.cache_ttl_s`` of an earlier fetch of the same query, returns the paper ids
  that fetch stored, without touching the network (``refresh=True`` skips this);
* otherwise fetches every enabled source, writes the merged papers to the library (each with
  ``fetched_at``) and records the fetch under the cache key. A fetch in which a source failed
  is not recorded, so the next ask tries again.

The cache key is a hash of the queries sent to each enabled source (so two phrasings that
analyse alike share it), each source's ``max_results`` and ``sources.require_abstract``.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ..config import Settings, SourcesSettings
from ..models import Paper, QueryAnalysis
from ..store.library import Library
from .live import SourceStatus, enabled_sources, fetch_live, status_line
from .ratelimit import Clock, Sleep
from .translate import europepmc_queries, openalex_searches, pubmed_queries

KEY_VERSION = "live-v1"
OFFLINE_NOTICE = "offline: answered from the local library"


class GatherResult(BaseModel):
    """What the live step did, for ``ask`` and for the report's notices."""

    model_config = ConfigDict(extra="forbid")

    paper_ids: list[str] = Field(default_factory=list)  # stored ids, source rank order
    statuses: list[SourceStatus] = Field(default_factory=list)
    from_cache: bool = False
    offline: bool = False
    notices: list[str] = Field(default_factory=list)  # one line each, for the report


def gather(
    question_or_query: str | QueryAnalysis, library: Library, settings: Settings, *,
    refresh: bool = False, offline: bool = False, transport: httpx.BaseTransport | None = None,
    now: float | None = None, sleep: Sleep = time.sleep, clock: Clock = time.monotonic,
    rand: Callable[[], float] = random.random,
) -> GatherResult:
    """Make sure the library holds the live sources' answer to a question; see the module doc."""
    query = as_query(question_or_query)
    sources = settings.sources
    if offline or sources.offline:
        return GatherResult(offline=True, notices=[OFFLINE_NOTICE])
    if not enabled_sources(sources):
        return GatherResult(notices=["no live source is enabled; answered from the local library"])
    now = time.time() if now is None else now
    key = cache_key(query, sources)
    cached = None if refresh else library.recent_fetch(key, sources.cache_ttl_s, now)
    if cached is not None:
        return GatherResult(paper_ids=cached, from_cache=True, notices=[_cache_notice(len(cached))])
    live = fetch_live(query, sources, transport=transport, sleep=sleep, clock=clock, rand=rand)
    if live.offline:
        return GatherResult(statuses=live.statuses, offline=True, notices=[_offline_notice(live.statuses)])
    paper_ids = store_papers(library, stamp(live.papers, now), settings.ingest.batch_size)
    if all(status.ok for status in live.statuses):
        library.record_fetch(key, paper_ids, now)
    return GatherResult(paper_ids=paper_ids, statuses=live.statuses,
                        notices=[status_line(status) for status in live.statuses])


def as_query(question_or_query: str | QueryAnalysis) -> QueryAnalysis:
    """A ``QueryAnalysis`` as given; a bare question becomes one whose words are its terms
    (sources come before retrieve, so the full analysis is the caller's to pass)."""
    if isinstance(question_or_query, QueryAnalysis):
        return question_or_query
    return QueryAnalysis(question=str(question_or_query))


def cache_key(query: QueryAnalysis, settings: SourcesSettings) -> str:
    """A stable key for "this query, to these sources, this many results"."""
    asked = {}
    for name in enabled_sources(settings):
        source = getattr(settings, name)
        asked[name] = {"queries": _queries(name, query, settings), "max_results": source.max_results}
    payload = json.dumps({"v": KEY_VERSION, "asked": asked, "abstract": settings.require_abstract},
                         sort_keys=True)
    return f"{KEY_VERSION}:{hashlib.sha256(payload.encode('utf-8')).hexdigest()[:40]}"


def _queries(name: str, query: QueryAnalysis, settings: SourcesSettings) -> list[str]:
    if name == "pubmed":
        return pubmed_queries(query, require_abstract=settings.require_abstract)
    if name == "europepmc":
        return europepmc_queries(query, require_abstract=settings.require_abstract)
    return openalex_searches(query)


def stamp(papers: list[Paper], now: float) -> list[Paper]:
    """Each paper with ``fetched_at`` set to ``now`` (ISO, UTC)."""
    when = datetime.fromtimestamp(now, UTC).isoformat(timespec="seconds")
    return [paper.model_copy(update={"fetched_at": when}) for paper in papers]


def store_papers(library: Library, papers: list[Paper], batch_size: int) -> list[str]:
    """Write papers in batches; their ids as stored (a record already in the library under
    another id keeps that id), in the order given, without repeats."""
    for start in range(0, len(papers), batch_size):
        library.write_batch(papers[start:start + batch_size])
    return [paper.id for paper in library.stored_papers(papers)]


def _cache_notice(count: int) -> str:
    return (f"live sources: {count:,} records from an earlier fetch of this question"
            " (within sources.cache_ttl_s; refresh to fetch again)")


def _offline_notice(statuses: list[SourceStatus]) -> str:
    reason = statuses[0].error if statuses else "no network"
    return f"offline: no live source could be reached ({reason}); answered from the local library"
