"""`evidentia ask` against live sources replayed by a real HTTP server on 127.0.0.1.

The server answers with real recorded responses (ESearch with history, EFetch XML, a Europe PMC
core search, an OpenAlex works list), so the whole path runs: query translation, HTTP, parsing,
merging, caching in the library, retrieval and the report.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from evidentia.cli import main

QUESTION = "Is occupational pesticide exposure associated with hypothyroidism?"


class Replay(BaseHTTPRequestHandler):
    files: dict[str, Path] = {}
    hits: Counter[str] = Counter()

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        route = next((r for r in self.files if self.path.startswith(r)), None)
        self.hits[route or "unknown"] += 1
        if route is None:
            self.send_error(404)
            return
        body = self.files[route].read_bytes()
        self.send_response(200)
        kind = "application/json" if route.endswith("search") or "works" in route else "text/xml"
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server(formats: Path) -> Iterator[str]:
    Replay.files = {
        "/eutils/esearch.fcgi": formats / "esearch_xml" / "biopython_esearch2.xml",
        "/eutils/efetch.fcgi": formats / "pubmed_xml" / "biopython_efetch" / "pubmed5.xml",
        "/epmc/search": formats / "europepmc_json" / "pyeuropepmc_search_no_results.json",
        "/oa/works": formats / "openalex_json"
        / "works_filter_title.search_Effect_of_native_oxide_layers_on_copper_thin-fi.json",
    }
    Replay.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Replay)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def ask(capsys: pytest.CaptureFixture[str], base: str, library: Path, *extra: str) -> tuple[int, str, str]:
    args = [
        "ask", QUESTION, "--format", "json", "--library", str(library),
        "--set", f"sources.pubmed.base_url={base}/eutils",
        "--set", f"sources.europepmc.base_url={base}/epmc",
        "--set", f"sources.openalex.base_url={base}/oa",
        "--set", "sources.backoff_base_s=0", *extra,
    ]
    try:
        main(args)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_ask_answers_from_live_records_then_from_the_cache(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENTIA_OFFLINE")
    library = tmp_path / "live.sqlite"  # does not exist yet: a live ask needs no `add` first
    code, out, err = ask(capsys, server, library)
    assert code == 0, err
    report = json.loads(out)
    assert report["sources"], "the report cites the replayed PubMed records"
    replayed = set(re.findall(r'<PMID Version="1">(\d+)<', Replay.files["/eutils/efetch.fcgi"].read_text()))
    assert any(source["pmid"] in replayed for source in report["sources"])
    assert any("PubMed" in notice for notice in report["notices"])
    fetched = sum(Replay.hits.values())
    assert Replay.hits["/eutils/efetch.fcgi"] >= 1

    code, again, err = ask(capsys, server, library)
    assert code == 0, err
    assert sum(Replay.hits.values()) == fetched, "the same question within the TTL makes no request"
    assert json.loads(again)["sections"] == report["sections"]

    ask(capsys, server, library, "--refresh")
    assert sum(Replay.hits.values()) > fetched


def test_offline_makes_no_request_and_says_so(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENTIA_OFFLINE")
    library = tmp_path / "lib.sqlite"
    main_args = ["add", str(Path(__file__).parent / "data" / "mini_corpus.jsonl"), "--library",
                 str(library), "--no-progress"]
    main(main_args)
    capsys.readouterr()
    code, out, err = ask(capsys, server, library, "--offline")
    assert code == 0, err
    assert sum(Replay.hits.values()) == 0
    assert any(notice.startswith("offline") for notice in json.loads(out)["notices"])


def test_unreachable_sources_fall_back_to_the_library(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDENTIA_OFFLINE")
    library = tmp_path / "lib.sqlite"
    main(["add", str(Path(__file__).parent / "data" / "mini_corpus.jsonl"), "--library",
          str(library), "--no-progress"])
    capsys.readouterr()
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    code, out, err = ask(capsys, closed, library)
    assert code == 0, err
    notices = json.loads(out)["notices"]
    assert any("offline" in notice.lower() for notice in notices)

