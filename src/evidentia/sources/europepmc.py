"""Europe PMC REST ``search`` with ``resultType=core``, paged by ``cursorMark``.

The first page asks with ``cursorMark=*``; each response names the ``nextCursorMark``. The last
page echoes the cursor it was asked with (or names none), which ends the paging; so does an
empty page or reaching ``max_results``. Records are parsed by
:mod:`evidentia.ingest.europepmc_json`, which turns the abstracts' HTML into plain text.
"""

from __future__ import annotations

import httpx

from ..config import EuropePMCSourceSettings
from ..ingest.europepmc_json import papers_from_payload
from ..models import QueryAnalysis
from .base import (
    Page, SourceFetch, count_of, cursor_of, decode_json_object, fetch_by_cursor, first_with_hits,
    split_items,
)
from .polite import BadBody, PoliteClient
from .translate import europepmc_queries

NAME, LABEL = "europepmc", "Europe PMC"


class EuropePMCClient:
    name, label = NAME, LABEL

    def __init__(self, http: PoliteClient, settings: EuropePMCSourceSettings, *,
                 require_abstract: bool = True) -> None:
        self.http, self.settings, self.require_abstract = http, settings, require_abstract
        self.rate = settings.requests_per_s

    def queries(self, query: QueryAnalysis) -> list[str]:
        return europepmc_queries(query, require_abstract=self.require_abstract)

    def fetch(self, query: QueryAnalysis) -> SourceFetch:
        return first_with_hits(self.queries(query), self.fetch_query)

    def fetch_query(self, text: str) -> SourceFetch:
        return fetch_by_cursor(text, limit=self.settings.max_results,
                               page_size=self.settings.page_size, get_page=self.page)

    def page(self, text: str, cursor: str, size: int) -> Page:
        params = {"query": text, "resultType": "core", "format": "json", "pageSize": size,
                  "cursorMark": cursor}
        url = f"{self.settings.base_url.rstrip('/')}/search"
        return self.http.get(url, params, rate=self.rate, decode=_decode_page)


def _decode_page(response: httpx.Response, body: bytes) -> Page:
    data = decode_json_object(response, body)
    if "hitCount" not in data:
        raise BadBody("Europe PMC response without hitCount")
    papers, skipped = split_items(papers_from_payload(data, source=NAME))
    return Page(count_of(data.get("hitCount")), papers, skipped, cursor_of(data.get("nextCursorMark")))
