"""OpenAlex ``works`` search (``search=`` over titles, abstracts and full text), paged by cursor.

The first page asks with ``cursor=*``; ``meta.next_cursor`` names the next and is null on the
last. ``filter=has_abstract:true`` keeps records without an abstract out when
``sources.require_abstract`` is on; ``select`` trims each work to the fields a ``Paper`` needs.
``api_key`` and ``mailto`` are sent when set. Abstracts are rebuilt from
``abstract_inverted_index`` by :mod:`evidentia.ingest.openalex_json`.
"""

from __future__ import annotations

import httpx

from ..config import OpenAlexSourceSettings
from ..ingest.openalex_json import papers_from_payload
from ..models import QueryAnalysis
from .base import (
    Page, SourceFetch, count_of, cursor_of, decode_json_object, fetch_by_cursor, first_with_hits,
    split_items,
)
from .polite import BadBody, PoliteClient
from .translate import openalex_searches

NAME, LABEL = "openalex", "OpenAlex"
SELECT = ",".join((
    "id", "doi", "title", "display_name", "publication_year", "ids", "language", "type",
    "primary_location", "authorships", "abstract_inverted_index", "mesh", "keywords",
    "is_retracted",
))


class OpenAlexClient:
    name, label = NAME, LABEL

    def __init__(self, http: PoliteClient, settings: OpenAlexSourceSettings, *,
                 require_abstract: bool = True) -> None:
        self.http, self.settings, self.require_abstract = http, settings, require_abstract
        self.rate = settings.requests_per_s

    def queries(self, query: QueryAnalysis) -> list[str]:
        return openalex_searches(query)

    def fetch(self, query: QueryAnalysis) -> SourceFetch:
        return first_with_hits(self.queries(query), self.fetch_search)

    def fetch_search(self, text: str) -> SourceFetch:
        return fetch_by_cursor(text, limit=self.settings.max_results,
                               page_size=self.settings.page_size, get_page=self.page)

    def page(self, text: str, cursor: str, size: int) -> Page:
        params: dict[str, str | int] = {"search": text, "per-page": size, "cursor": cursor,
                                        "select": SELECT}
        if self.require_abstract:
            params["filter"] = "has_abstract:true"
        if self.settings.mailto:
            params["mailto"] = self.settings.mailto
        if self.settings.api_key:
            params["api_key"] = self.settings.api_key
        url = f"{self.settings.base_url.rstrip('/')}/works"
        return self.http.get(url, params, rate=self.rate, decode=_decode_page)


def _decode_page(response: httpx.Response, body: bytes) -> Page:
    data = decode_json_object(response, body)
    meta, results = data.get("meta"), data.get("results")
    if not isinstance(meta, dict) or not isinstance(results, list):
        raise BadBody("OpenAlex response without meta and results")
    papers, skipped = split_items(papers_from_payload(data, source=NAME))
    return Page(count_of(meta.get("count")), papers, skipped, cursor_of(meta.get("next_cursor")))
