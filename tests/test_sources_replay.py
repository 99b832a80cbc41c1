"""Live sources against real recorded responses (shared/data/formats), replayed through an
injected ``httpx.MockTransport``: no network.

Real bodies: ESearch (``biopython_esearch2.xml``: Count 42,249 with WebEnv/QueryKey), PubMed
records (the 30 ``PubmedArticle`` of the NLM baseline sample, served in EFetch batches), Europe
PMC ``resultType=core`` and ``lite`` search pages, OpenAlex works. Where a sample does not exist
(an OpenAlex cursor-paged list, a Europe PMC last page that echoes its cursor) the test builds one
from real records and says so.
"""

from __future__ import annotations

import gzip
import itertools
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from evidentia.config import SourcesSettings
from evidentia.models import QueryAnalysis
from evidentia.sources import fetch_live, status_line

pytestmark = pytest.mark.shared_data

QUERY = QueryAnalysis(
    question="Does psychological flexibility improve quality of life in cancer survivors?",
    terms=["psychological flexibility", "quality of life", "cancer survivors"],
    intervention=["psychological flexibility"], outcome=["quality of life"],
    population=["cancer survivors"],
)


class FakeClock:
    """Monotonic time that only moves when someone sleeps: rate limits and backoff cost nothing."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def settings(**sections: dict[str, Any]) -> SourcesSettings:
    base: dict[str, Any] = {
        "pubmed": {"base_url": "https://eutils.test/entrez/eutils", "api_key": "KEY123",
                   "email": "dev@example.org"},
        "europepmc": {"base_url": "https://epmc.test/rest"},
        "openalex": {"base_url": "https://openalex.test", "mailto": "dev@example.org",
                     "api_key": "OAKEY"},
    }
    for name, values in sections.items():
        if isinstance(values, dict) and name in base:
            base[name] = {**base[name], **values}
        else:
            base[name] = values
    return SourcesSettings.model_validate(base)


# --------------------------------------------------------------------------- fake servers


class Recorder:
    """Routes requests by host to handlers and keeps every request for assertions."""

    def __init__(self, routes: dict[str, Any]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.routes[request.url.host](request)

    def to(self, host: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.host == host]


class FakeEutils:
    """ESearch answers with the real esearch2 body; EFetch slices the real baseline records."""

    def __init__(self, formats: Path, *, count: int | None = None) -> None:
        self.esearch = (formats / "esearch_xml" / "biopython_esearch2.xml").read_bytes()
        if count is not None:
            self.esearch = self.esearch.replace(b"<Count>42249</Count>", f"<Count>{count}</Count>".encode())
        raw = gzip.decompress((formats / "pubmed_xml" / "baseline_style"
                               / "pmparser_baseline_pubmed26n1334_sample.xml.gz").read_bytes())
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        root = etree.fromstring(raw, parser)
        self.articles = [etree.tostring(a) for a in root.iter("PubmedArticle")]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        if request.url.path.endswith("/esearch.fcgi"):
            return httpx.Response(200, content=self.esearch, headers={"content-type": "text/xml"})
        assert params["WebEnv"] == "MCID_6927d6e7fee3e90f880ec190" and params["query_key"] == "1"
        start, size = int(params["retstart"]), int(params["retmax"])
        body = b"<?xml version='1.0'?>\n<PubmedArticleSet>" + b"".join(
            self.articles[start:start + size]) + b"</PubmedArticleSet>"
        return httpx.Response(200, content=body, headers={"content-type": "text/xml"})


def europepmc_pages(formats: Path) -> dict[str, bytes]:
    """cursor -> body: the real core page (next cursor AoII...), then the real lite page."""
    folder = formats / "europepmc_json"
    core = (folder / "pyeuropepmc_search_cancer_core.json").read_bytes()
    lite = (folder / "pyeuropepmc_search_cancer_sorted_cited.json").read_bytes()
    return {"*": core, json.loads(core)["nextCursorMark"]: lite}


def serve_pages(pages: dict[str, bytes], cursor_param: str):
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=pages[request.url.params[cursor_param]],
                              headers={"content-type": "application/json"})
    return handler


def openalex_list(formats: Path) -> bytes:
    name = "works_filter_title.search_Augmenting_large_language_models_with_chemistry.json"
    return (formats / "openalex_json" / name).read_bytes()


# --------------------------------------------------------------------------- PubMed


def test_pubmed_esearch_history_then_efetch_batches(formats: Path) -> None:
    clock = FakeClock()
    eutils = FakeEutils(formats)
    recorder = Recorder({"eutils.test": eutils})
    config = settings(pubmed={"max_results": 30, "batch_size": 12},
                      europepmc={"enabled": False}, openalex={"enabled": False})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(recorder),
                        sleep=clock.sleep, clock=clock)

    [status] = result.statuses
    assert (status.ok, status.total, status.retrieved, status.capped) == (True, 42249, 30, True)
    assert status_line(status) == "PubMed: 30 of 42,249 results"
    search, *fetches = recorder.requests
    assert search.url.path == "/entrez/eutils/esearch.fcgi"
    assert search.url.params["usehistory"] == "y" and search.url.params["retmax"] == "0"
    assert '"psychological flexibility"[tiab]' in search.url.params["term"]
    assert [(f.url.params["retstart"], f.url.params["retmax"]) for f in fetches] == [
        ("0", "12"), ("12", "12"), ("24", "6")]
    for request in recorder.requests:
        assert request.url.params["api_key"] == "KEY123"
        assert request.url.params["tool"] == "evidentia"
        assert request.url.params["email"] == "dev@example.org"
    assert len({p.id for p in result.papers}) == 30
    assert all(p.pmid and p.source == "pubmed" for p in result.papers)


def test_pubmed_reconciles_retrieved_with_reported(formats: Path) -> None:
    eutils = FakeEutils(formats, count=40)  # the server claims 40 hits but holds 30 records
    clock = FakeClock()
    config = settings(pubmed={"max_results": 100}, europepmc={"enabled": False},
                      openalex={"enabled": False})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(Recorder({"eutils.test": eutils})),
                        sleep=clock.sleep, clock=clock)
    [status] = result.statuses
    assert (status.ok, status.retrieved, status.expected, status.capped) == (True, 30, 40, False)
    assert status.note == "retrieved 30 of 40 reported"
    assert status_line(status) == "PubMed: 30 results (retrieved 30 of 40 reported)"


def test_pubmed_count_over_10000_is_capped_never_silently_truncated(formats: Path) -> None:
    eutils = FakeEutils(formats)  # Count 42,249: PubMed serves the first 10,000 only
    clock = FakeClock()
    config = settings(pubmed={"max_results": 10_000}, europepmc={"enabled": False},
                      openalex={"enabled": False})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(Recorder({"eutils.test": eutils})),
                        sleep=clock.sleep, clock=clock)
    [status] = result.statuses
    assert status.expected == 10_000 and status.capped and status.total == 42249
    assert "of 42,249 results" in status_line(status)


def test_pubmed_rate_is_three_per_second_without_key_and_ten_with(formats: Path) -> None:
    for key, rate in ((None, 3.0), ("KEY", 10.0)):
        clock = FakeClock()
        times: list[float] = []
        eutils = FakeEutils(formats)

        def handler(request: httpx.Request, times: list[float] = times,
                    clock: FakeClock = clock, eutils: FakeEutils = eutils) -> httpx.Response:
            times.append(clock.now)
            return eutils(request)

        config = settings(pubmed={"max_results": 30, "batch_size": 3, "api_key": key},
                          europepmc={"enabled": False}, openalex={"enabled": False})
        fetch_live(QUERY, config, transport=httpx.MockTransport(handler), sleep=clock.sleep, clock=clock)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert len(times) == 11
        assert min(gaps) == pytest.approx(1 / rate)


def test_pubmed_error_inside_a_200_response_is_a_failure() -> None:
    body = b"<?xml version='1.0'?><eSearchResult><ERROR>Invalid query syntax</ERROR></eSearchResult>"
    clock = FakeClock()
    config = settings(europepmc={"enabled": False}, openalex={"enabled": False})
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    result = fetch_live(QUERY, config, transport=transport, sleep=clock.sleep, clock=clock, rand=lambda: 0.5)
    [status] = result.statuses
    assert not status.ok and status.error_kind == "body"
    assert status.error == "NCBI error: Invalid query syntax after 5 attempts"
    assert status.requests == 5


def test_pubmed_moves_to_a_looser_query_only_when_nothing_is_found(formats: Path) -> None:
    zero = (formats / "esearch_xml" / "biopython_esearch8.xml").read_bytes()  # Count 0
    eutils = FakeEutils(formats)
    terms: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("esearch.fcgi"):
            terms.append(request.url.params["term"])
            if len(terms) == 1:
                return httpx.Response(200, content=zero)
        return eutils(request)

    clock = FakeClock()
    config = settings(pubmed={"max_results": 5}, europepmc={"enabled": False},
                      openalex={"enabled": False})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(handler), sleep=clock.sleep, clock=clock)
    assert len(terms) == 2 and '"psychological flexibility"[tiab]' in terms[0]
    assert '("psychological"[tiab] AND "flexibility"[tiab])' in terms[1]
    assert result.statuses[0].query == terms[1] and result.statuses[0].retrieved == 5


# --------------------------------------------------------------------------- Europe PMC


def test_europepmc_core_search_pages_by_cursor(formats: Path) -> None:
    recorder = Recorder({"epmc.test": serve_pages(europepmc_pages(formats), "cursorMark")})
    clock = FakeClock()
    config = settings(pubmed={"enabled": False}, openalex={"enabled": False},
                      europepmc={"max_results": 40, "page_size": 25})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(recorder),
                        sleep=clock.sleep, clock=clock)

    [status] = result.statuses
    assert (status.ok, status.retrieved, status.total, status.capped) == (True, 40, 5059039, True)
    first, second = recorder.requests
    assert first.url.path == "/rest/search"
    assert first.url.params["resultType"] == "core" and first.url.params["cursorMark"] == "*"
    assert first.url.params["format"] == "json"
    assert 'TITLE_ABS:"psychological flexibility"' in first.url.params["query"]
    assert second.url.params["cursorMark"] == "AoIIP4ZawSg1MzEyODI1MA=="
    structured = next(p for p in result.papers if p.pmid == "40468710")
    assert [s.label for s in structured.sections] == ["Objective", "Design", "Methods", "Results",
                                                      "Conclusions"]
    assert "(at p\u2009<\u2009.001)" in structured.abstract  # a raw "<" and thin spaces survive


def test_europepmc_stops_when_the_last_page_echoes_its_cursor(formats: Path) -> None:
    # Hand-made paging built from real core records: page 2 echoes its cursor, as the last
    # page of a Europe PMC cursor search does.
    core = json.loads((formats / "europepmc_json" / "pyeuropepmc_search_cancer_core.json").read_bytes())
    records = core["resultList"]["result"]
    page = lambda results, cursor: json.dumps(  # noqa: E731
        {"version": "6.9", "hitCount": 3, "nextCursorMark": cursor,
         "resultList": {"result": results}}).encode()
    pages = {"*": page(records[2:4], "AoNEXT"), "AoNEXT": page(records[4:5], "AoNEXT")}
    recorder = Recorder({"epmc.test": serve_pages(pages, "cursorMark")})
    clock = FakeClock()
    config = settings(pubmed={"enabled": False}, openalex={"enabled": False})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(recorder),
                        sleep=clock.sleep, clock=clock)
    assert len(recorder.requests) == 2
    assert result.statuses[0].retrieved == 3 and not result.statuses[0].capped
    assert status_line(result.statuses[0]) == "Europe PMC: 3 results"


def test_europepmc_zero_hits(formats: Path) -> None:
    body = (formats / "europepmc_json" / "pyeuropepmc_search_no_results.json").read_bytes()
    clock = FakeClock()
    config = settings(pubmed={"enabled": False}, openalex={"enabled": False})
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    result = fetch_live(QUERY, config, transport=transport, sleep=clock.sleep, clock=clock)
    [status] = result.statuses
    assert status.ok and status.retrieved == 0 and status_line(status) == "Europe PMC: no results"


# --------------------------------------------------------------------------- OpenAlex


def _cursor_pages(formats: Path) -> dict[str, bytes]:
    """HAND-MADE cursor paging (no real cursor-paged sample exists): three pages whose works are
    real single-work responses, with ``meta.next_cursor`` as OpenAlex sends it (null at the end)."""
    folder = formats / "openalex_json"
    works = [json.loads((folder / f"works_doi_{name}.json").read_bytes()) for name in (
        "10.1016_j.addr.2015.01.008", "10.1073_pnas.1414271111", "10.1016_j.xgen.2025.100814",
        "10.1023_a_1007154515475", "10.1007_s40278-023-41815-2")]
    meta = lambda cursor: {"count": 5, "db_response_time_ms": 12, "page": None,  # noqa: E731
                           "per_page": 2, "groups_count": None, "next_cursor": cursor}
    return {
        "*": json.dumps({"meta": meta("IlsxLjAsIDEwXSI="), "results": works[0:2]}).encode(),
        "IlsxLjAsIDEwXSI=": json.dumps({"meta": meta("IlswLjUsIDIwXSI="), "results": works[2:4]}).encode(),
        "IlswLjUsIDIwXSI=": json.dumps({"meta": meta(None), "results": works[4:5]}).encode(),
    }


def test_openalex_works_search_pages_by_cursor(formats: Path) -> None:
    recorder = Recorder({"openalex.test": serve_pages(_cursor_pages(formats), "cursor")})
    clock = FakeClock()
    config = settings(pubmed={"enabled": False}, europepmc={"enabled": False},
                      openalex={"page_size": 2})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(recorder),
                        sleep=clock.sleep, clock=clock)

    [status] = result.statuses
    assert (status.ok, status.retrieved, status.total) == (True, 5, 5)
    assert [r.url.params["cursor"] for r in recorder.requests] == [
        "*", "IlsxLjAsIDEwXSI=", "IlswLjUsIDIwXSI="]
    first = recorder.requests[0].url.params
    assert first["search"].startswith('"psychological flexibility"')
    assert first["filter"] == "has_abstract:true" and first["per-page"] == "2"
    assert first["mailto"] == "dev@example.org" and first["api_key"] == "OAKEY"
    pnas = next(p for p in result.papers if p.pmid == "25349395")
    assert pnas.abstract.startswith("Significance The inadequate mechanical properties")
    assert pnas.doi == "10.1073/pnas.1414271111" and "Collagen" in pnas.mesh_terms


def test_openalex_real_list_response_without_cursor(formats: Path) -> None:
    body = openalex_list(formats)
    clock = FakeClock()
    config = settings(pubmed={"enabled": False}, europepmc={"enabled": False})
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=body))
    result = fetch_live(QUERY, config, transport=transport, sleep=clock.sleep, clock=clock)
    assert result.statuses[0].retrieved == 2
    assert {p.id for p in result.papers} == {"pmid:38799228", "doi:10.48550/arxiv.2304.05376"}


def test_openalex_html_page_with_status_200_is_a_failure(formats: Path) -> None:
    name = "works_doi_10.1046_j.1365-2699.2003.00795_select_404.html"
    html = (formats / "openalex_json" / name).read_bytes()
    clock = FakeClock()
    config = settings(pubmed={"enabled": False}, europepmc={"enabled": False})
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=html))
    result = fetch_live(QUERY, config, transport=transport, sleep=clock.sleep, clock=clock, rand=lambda: 1.0)
    [status] = result.statuses
    assert status.error == "an HTML page instead of data after 5 attempts"
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]  # full jitter at its ceiling (rand = 1.0)


# --------------------------------------------------------------------------- all together


def test_all_sources_merge_and_one_failing_source_degrades(formats: Path) -> None:
    recorder = Recorder({
        "eutils.test": FakeEutils(formats),
        "epmc.test": lambda r: httpx.Response(503, text="Service Unavailable"),
        "openalex.test": lambda r: httpx.Response(200, content=openalex_list(formats)),
    })
    clock = FakeClock()
    config = settings(pubmed={"max_results": 10})
    result = fetch_live(QUERY, config, transport=httpx.MockTransport(recorder),
                        sleep=clock.sleep, clock=clock, rand=lambda: 0.0)
    by_name = {s.name: s for s in result.statuses}
    assert by_name["pubmed"].ok and by_name["openalex"].ok
    assert by_name["europepmc"].error == "HTTP 503 after 5 attempts"
    assert status_line(by_name["europepmc"]) == "Europe PMC failed: HTTP 503 after 5 attempts"
    assert len(recorder.to("epmc.test")) == 5
    assert len(result.papers) == 12 and not result.offline
    assert [p.source for p in result.papers[:10]] == ["pubmed"] * 10  # PubMed first


def test_no_network_at_all_is_reported_as_offline() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    clock = FakeClock()
    result = fetch_live(QUERY, settings(), transport=httpx.MockTransport(unreachable),
                        sleep=clock.sleep, clock=clock)
    assert result.offline and result.papers == []
    assert all(s.error_kind == "connect" and s.requests == 1 for s in result.statuses)
    assert clock.sleeps == []  # a failed connect is not retried


def test_offline_setting_makes_no_request() -> None:
    def forbidden(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be made offline")

    result = fetch_live(QUERY, settings(offline=True), transport=httpx.MockTransport(forbidden))
    assert result.offline and result.statuses == []
