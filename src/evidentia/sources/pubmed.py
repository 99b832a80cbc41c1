"""PubMed through NCBI E-utilities: ESearch with the history server, then EFetch XML in batches.

ESearch (``usehistory=y``, ``retmax=0``, Best Match order) returns the hit count, a ``WebEnv``
and a ``query_key``; EFetch then pages through that stored result with ``retstart``/``retmax``
(at most 200 PMIDs a request), parsed by :mod:`evidentia.ingest.pubmed_xml`. PubMed serves only
the first 10,000 records of a search, so a larger count is reported as capped.

Every request carries ``tool`` and, when set, ``email`` and ``api_key``; the rate is 3 requests
a second without a key and 10 with one (NCBI's policy).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import httpx
from lxml import etree

from ..config import PubMedSourceSettings
from ..ingest.pubmed_xml import parse_pubmed_xml
from ..models import Paper, QueryAnalysis, Skipped
from .base import SourceFetch, add_unique, first_with_hits
from .polite import BadBody, PoliteClient, check_not_html
from .ratelimit import NCBI_RATE_WITH_KEY, NCBI_RATE_WITHOUT_KEY
from .translate import pubmed_queries

NAME, LABEL = "pubmed", "PubMed"
ESEARCH_CEILING = 10_000
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


@dataclass
class SearchHandle:
    total: int
    web_env: str
    query_key: str


class PubMedClient:
    name, label = NAME, LABEL

    def __init__(self, http: PoliteClient, settings: PubMedSourceSettings, *,
                 require_abstract: bool = True) -> None:
        self.http, self.settings, self.require_abstract = http, settings, require_abstract
        self.rate = NCBI_RATE_WITH_KEY if settings.api_key else NCBI_RATE_WITHOUT_KEY

    def queries(self, query: QueryAnalysis) -> list[str]:
        return pubmed_queries(query, require_abstract=self.require_abstract)

    def fetch(self, query: QueryAnalysis) -> SourceFetch:
        return first_with_hits(self.queries(query), self.fetch_term)

    def fetch_term(self, term: str) -> SourceFetch:
        handle = self.esearch(term)
        expected = min(handle.total, self.settings.max_results, ESEARCH_CEILING)
        result = SourceFetch(total=handle.total, expected=expected, query=term,
                             ceiling=ESEARCH_CEILING)
        seen: set[str] = set()
        for start in range(0, expected, self.settings.batch_size):
            size = min(self.settings.batch_size, expected - start)
            papers, skipped = self.efetch(handle, start, size)
            add_unique(result.papers, seen, papers, expected)
            result.skipped.extend(skipped)
        return result

    # ------------------------------------------------------------------ requests

    def esearch(self, term: str) -> SearchHandle:
        params = {"db": "pubmed", "term": term, "usehistory": "y", "retmax": 0,
                  "sort": "relevance", **self._identity()}
        return self.http.get(self._url("esearch.fcgi"), params, rate=self.rate, decode=_decode_esearch)

    def efetch(self, handle: SearchHandle, start: int, size: int) -> tuple[list[Paper], list[Skipped]]:
        params = {"db": "pubmed", "WebEnv": handle.web_env, "query_key": handle.query_key,
                  "retstart": start, "retmax": size, "retmode": "xml", **self._identity()}
        return self.http.get(self._url("efetch.fcgi"), params, rate=self.rate, decode=_decode_efetch)

    def _identity(self) -> dict[str, str]:
        params = {"tool": self.settings.tool}
        if self.settings.email:
            params["email"] = self.settings.email
        if self.settings.api_key:
            params["api_key"] = self.settings.api_key
        return params

    def _url(self, endpoint: str) -> str:
        return f"{self.settings.base_url.rstrip('/')}/{endpoint}"


# --------------------------------------------------------------------------- decoding


def _xml_root(response: httpx.Response, body: bytes) -> etree._Element:
    check_not_html(response, body)
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise BadBody(f"XML that does not parse ({exc})") from None
    error = root.findtext("ERROR") if root.tag != "ERROR" else root.text
    if error is not None:  # NCBI reports failures inside a 200 response
        raise BadBody(f"NCBI error: {' '.join(error.split())[:160]}")
    return root


def _decode_esearch(response: httpx.Response, body: bytes) -> SearchHandle:
    root = _xml_root(response, body)
    if root.tag != "eSearchResult":
        raise BadBody(f"expected <eSearchResult>, found <{root.tag}>")
    count = (root.findtext("Count") or "").strip()
    if not count.isdigit():
        raise BadBody("ESearch response without a result count")
    web_env, query_key = root.findtext("WebEnv"), root.findtext("QueryKey")
    if int(count) > 0 and not (web_env and query_key):
        raise BadBody("ESearch response without WebEnv/QueryKey (history not kept)")
    return SearchHandle(int(count), (web_env or "").strip(), (query_key or "").strip())


def _decode_efetch(response: httpx.Response, body: bytes) -> tuple[list[Paper], list[Skipped]]:
    root = _xml_root(response, body)
    if root.tag != "PubmedArticleSet":
        raise BadBody(f"expected <PubmedArticleSet>, found <{root.tag}>")
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    for item in parse_pubmed_xml(io.BytesIO(body), source=NAME):
        if isinstance(item, Paper):
            papers.append(item.model_copy(update={"source": NAME}))
        elif isinstance(item, Skipped):
            skipped.append(item)
    return papers, skipped
