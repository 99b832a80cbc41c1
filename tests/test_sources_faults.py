"""Fault tolerance against a REAL HTTP server on 127.0.0.1 (stdlib ``http.server`` in a thread).

The server plays PubMed E-utilities, Europe PMC and OpenAlex, and answers 30% of requests with a
fault: 429 (with Retry-After in seconds, as an HTTP date, or without), 500-504, a connection
reset before or in the middle of the body, a read timeout, or an HTML page with status 200.
A resource that has just failed four times in a row is served, so that every request can finish
within the default budget of 5 attempts (a separate test checks that a source which keeps failing
gives up after exactly 5). Backoff and rate-limit waits go to a fake clock, so only the read
timeouts cost real time.
"""

from __future__ import annotations

import email.utils
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from evidentia.config import SourcesSettings
from evidentia.models import QueryAnalysis
from evidentia.sources import fetch_live

FAULT_RATE = 0.3
CLIENT_TIMEOUT_S = 0.25
STALL_S = 0.75  # a "read timeout" fault stalls this long, well past the client's timeout
FAULTS = ("429-seconds", "429-date", "429", "500", "501", "502", "503", "504", "reset",
          "reset-mid-body", "timeout", "html")
QUERY = QueryAnalysis(question="Does exercise improve sleep?", terms=["exercise", "sleep"],
                      intervention=["exercise"], outcome=["sleep"])


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


# --------------------------------------------------------------------------- the server


class FaultyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *, seed: int, records: int) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.records = records
        self.streak: Counter[str] = Counter()  # consecutive faults per resource
        self.faults: Counter[str] = Counter()
        self.delivered: Counter[str] = Counter()  # good responses per resource
        self.requests = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def pick_fault(self, resource: str) -> str | None:
        with self.lock:
            self.requests += 1
            if self.streak[resource] < 4 and self.rng.random() < FAULT_RATE:
                self.streak[resource] += 1
                fault = self.rng.choice(FAULTS)
                self.faults[fault] += 1
                return fault
            self.streak[resource] = 0
            return None

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and stalls end connections on purpose; no tracebacks on stderr


class Handler(BaseHTTPRequestHandler):
    server: FaultyServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        page = params.get("retstart") or params.get("cursorMark") or params.get("cursor") or ""
        resource = f"{url.path}?{page}"
        body, content_type = route(url.path, params, self.server.records)
        fault = self.server.pick_fault(resource)
        if fault:
            self.fault(fault, body)
            return
        self.send(200, body, content_type)
        with self.server.lock:
            self.server.delivered[resource] += 1

    def send(self, status: int, body: bytes, content_type: str,
             headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def fault(self, fault: str, body: bytes) -> None:
        if fault.startswith("429"):
            headers = {"429-seconds": {"Retry-After": "2"},
                       "429-date": {"Retry-After": email.utils.formatdate(time.time() + 3, usegmt=True)},
                       }.get(fault, {})
            self.send(429, b"Too Many Requests", "text/plain", headers)
        elif fault.isdigit():
            self.send(int(fault), f"error {fault}".encode(), "text/plain")
        elif fault == "html":
            self.send(200, b"<!DOCTYPE html><html><body>Service busy</body></html>", "text/html")
        elif fault == "timeout":
            time.sleep(STALL_S)
            self.reset()
        elif fault == "reset-mid-body":
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.reset()
        else:
            self.reset()

    def reset(self) -> None:
        """Close with RST (SO_LINGER 0), as a crashed proxy or overloaded server does."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()
        self.connection.close()
        self.close_connection = True


def route(path: str, params: dict[str, str], records: int) -> tuple[bytes, str]:
    if path.endswith("/esearch.fcgi"):
        return esearch(records), "text/xml"
    if path.endswith("/efetch.fcgi"):
        start, size = int(params["retstart"]), int(params["retmax"])
        return efetch(range(start, min(start + size, records))), "text/xml"
    if path.endswith("/search"):
        return europepmc_page(params["cursorMark"], int(params["pageSize"]), records), "application/json"
    if path.endswith("/works"):
        return openalex_page(params["cursor"], int(params["per-page"]), records), "application/json"
    return b"not found", "text/plain"


def pmid(index: int) -> int:
    return 30_000_000 + index


def esearch(count: int) -> bytes:
    return (f"<?xml version='1.0'?><eSearchResult><Count>{count}</Count><RetMax>0</RetMax>"
            "<RetStart>0</RetStart><QueryKey>1</QueryKey><WebEnv>MCID_local</WebEnv><IdList/>"
            "</eSearchResult>").encode()


def efetch(indexes: range) -> bytes:
    articles = "".join(
        f"<PubmedArticle><MedlineCitation Status='MEDLINE'><PMID Version='1'>{pmid(i)}</PMID>"
        f"<Article><ArticleTitle>Exercise and sleep, trial {i}.</ArticleTitle><Abstract>"
        f"<AbstractText>Record {i} of the local server: exercise improved sleep quality.</AbstractText>"
        "</Abstract></Article></MedlineCitation></PubmedArticle>" for i in indexes)
    return f"<?xml version='1.0'?><PubmedArticleSet>{articles}</PubmedArticleSet>".encode()


def europepmc_page(cursor: str, size: int, records: int) -> bytes:
    start = 0 if cursor == "*" else int(cursor.removeprefix("c"))
    stop = min(start + size, records)
    results = [{"id": str(pmid(i)), "source": "MED", "pmid": str(pmid(i)), "doi": f"10.5555/ex.{i}",
                "title": f"Exercise and sleep, trial {i}.",
                "abstractText": f"<h4>Results</h4>Sleep improved (p < 0.05) in record {i}."}
               for i in range(start, stop)]
    next_cursor = f"c{stop}" if stop < records else cursor  # the last page echoes its cursor
    return json.dumps({"version": "6.9", "hitCount": records, "nextCursorMark": next_cursor,
                       "resultList": {"result": results}}).encode()


def openalex_page(cursor: str, size: int, records: int) -> bytes:
    start = 0 if cursor == "*" else int(cursor.removeprefix("o"))
    stop = min(start + size, records)
    results = [{"id": f"https://openalex.org/W{i}", "doi": f"https://doi.org/10.5555/oa.{i}",
                "title": f"Sleep after exercise, cohort {i}", "publication_year": 2020,
                "abstract_inverted_index": {"Sleep": [0], "improved": [1], f"#{i}.": [2]}}
               for i in range(start, stop)]
    meta = {"count": records, "per_page": size, "next_cursor": f"o{stop}" if stop < records else None}
    return json.dumps({"meta": meta, "results": results}).encode()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[FaultyServer]:
    seed, records = request.param
    instance = FaultyServer(seed=seed, records=records)
    thread = threading.Thread(target=instance.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield instance
    finally:
        instance.shutdown()
        instance.server_close()
        thread.join(timeout=5)


def local_settings(server: FaultyServer, **overrides: Any) -> SourcesSettings:
    data: dict[str, Any] = {
        "pubmed": {"base_url": f"{server.base}/eutils"},
        "europepmc": {"base_url": f"{server.base}/epmc"},
        "openalex": {"base_url": f"{server.base}/openalex"},
        "timeout_s": CLIENT_TIMEOUT_S, "backoff_base_s": 1.0, "backoff_max_s": 30.0,
    }
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) else value
    return SourcesSettings.model_validate(data)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("server", [(20240601, 1000)], indirect=True)
def test_thousand_request_job_fetches_every_record_exactly_once(server: FaultyServer) -> None:
    clock = FakeClock()
    config = local_settings(server, pubmed={"max_results": 1000, "batch_size": 1},
                            europepmc={"enabled": False}, openalex={"enabled": False})
    started = time.monotonic()
    result = fetch_live(QUERY, config, sleep=clock.sleep, clock=clock, rand=random.Random(7).random)
    elapsed = time.monotonic() - started

    [status] = result.statuses
    assert status.ok, status.error
    assert (status.retrieved, status.total, status.note) == (1000, 1000, None)
    pmids = Counter(paper.pmid for paper in result.papers)
    assert pmids == Counter(str(pmid(i)) for i in range(1000))  # each record once, none missing
    efetches = {r: n for r, n in server.delivered.items() if r.startswith("/eutils/efetch")}
    assert len(efetches) == 1000 and set(efetches.values()) == {1}  # served in full once each
    assert server.requests >= 1001 and status.requests == server.requests
    fault_share = sum(server.faults.values()) / server.requests
    assert 0.25 < fault_share < 0.35, server.faults
    assert set(server.faults) == set(FAULTS)  # every kind of fault was met and survived
    assert clock.now > 0  # waits happened, on the fake clock
    assert elapsed < 30


@pytest.mark.parametrize("server", [(99, 60)], indirect=True)
def test_all_three_sources_under_faults_merge_by_pmid_and_doi(server: FaultyServer) -> None:
    clock = FakeClock()
    config = local_settings(server, pubmed={"max_results": 60, "batch_size": 10},
                            europepmc={"max_results": 60, "page_size": 10},
                            openalex={"max_results": 60, "page_size": 10})
    result = fetch_live(QUERY, config, sleep=clock.sleep, clock=clock, rand=random.Random(3).random)

    assert all(status.ok for status in result.statuses), [s.error for s in result.statuses]
    assert [s.retrieved for s in result.statuses] == [60, 60, 60]
    assert sum(server.faults.values()) > 0
    # PubMed and Europe PMC share PMIDs: 60 merged records (PubMed's, with Europe PMC's DOI),
    # plus 60 OpenAlex works with DOIs of their own.
    assert len(result.papers) == 120
    merged = next(p for p in result.papers if p.pmid == str(pmid(7)))
    assert merged.source == "pubmed" and merged.doi == "10.5555/ex.7"
    assert merged.abstract == "Record 7 of the local server: exercise improved sleep quality."


@pytest.mark.parametrize("server", [(1, 10)], indirect=True)
def test_a_source_that_keeps_failing_gives_up_after_five_attempts(server: FaultyServer) -> None:
    clock = FakeClock()
    config = local_settings(server, europepmc={"base_url": f"{server.base}/down"},
                            pubmed={"enabled": False}, openalex={"enabled": False})
    server.pick_fault = lambda resource: "503"  # type: ignore[method-assign]
    result = fetch_live(QUERY, config, sleep=clock.sleep, clock=clock, rand=lambda: 1.0)
    [status] = result.statuses
    assert (status.ok, status.error, status.requests) == (False, "HTTP 503 after 5 attempts", 5)
    assert clock.now == pytest.approx(1 + 2 + 4 + 8)


def test_nothing_listening_is_offline_in_well_under_a_second() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # three loopback hosts, so that no source waits for another's rate-limit slot
    config = SourcesSettings.model_validate({
        name: {"base_url": f"http://127.0.0.{n}:{port}"}
        for n, name in enumerate(("pubmed", "europepmc", "openalex"), start=1)})
    started = time.monotonic()
    result = fetch_live(QUERY, config)
    assert result.offline and time.monotonic() - started < 1.0
    assert all(status.error_kind == "connect" for status in result.statuses)
