"""Live literature sources: PubMed E-utilities, Europe PMC and OpenAlex (the only network code).

    fetch_live(query, settings.sources) -> LiveResult     papers merged across sources + statuses
    gather(question, library, settings) -> GatherResult  fetch (or reuse the cache) into the library

Modules: ``translate`` (question -> each source's query syntax), ``ratelimit`` (a token bucket
per host), ``polite`` (GET with retries, backoff and body checks), ``pubmed`` / ``europepmc`` /
``openalex`` (one client each), ``merge`` (dedup by PMID/DOI), ``live`` (run them all, statuses),
``gather`` (cache + library). See docs/sources.md.
"""

from __future__ import annotations

from .gather import GatherResult, cache_key, gather
from .live import LiveResult, SourceStatus, fetch_live, status_line

__all__ = [
    "GatherResult", "LiveResult", "SourceStatus", "cache_key", "fetch_live", "gather", "status_line",
]
