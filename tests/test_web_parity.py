"""What the CLI does, from the web app: ask --check, search --batch, index, ask options, info.

Each feature is tested through its JSON API and its page, with the limits and the one error shape.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.web import create_app
from evidentia.web.params import MAX_BATCH_QUERIES
from evidentia.web.service import Service

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
OFFLINE = "sources.offline=true"  # answers come from the test library only: no network
HASH = 'index.embedder="hash"'  # the fast deterministic embedder: index builds in milliseconds
QUESTION = "Does melatonin reduce jet lag?"
CHECK_URL = "/report/check?q=Does+melatonin+reduce+jet+lag%3F"


def _settings(path: Path, *overrides: str) -> Settings:
    return Settings.load(None, [f"library.path={path}", OFFLINE, HASH, *overrides])


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-parity") / "library.sqlite"
    pipeline.add([MINI], _settings(path))
    return path


@pytest.fixture(scope="module")
def client(library: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(library, "web.max_query_chars=300", "web.max_k=50"))) as test_client:
        yield test_client


@pytest.fixture()
def fresh_client(tmp_path: Path) -> Iterator[TestClient]:
    """An app over its own library, for tests that change it (the index)."""
    path = tmp_path / "library.sqlite"
    pipeline.add([MINI], _settings(path))
    with TestClient(create_app(_settings(path))) as test_client:
        yield test_client


def _is_error(response: httpx.Response, status: int, needle: str = "") -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}
    assert needle in body["error"]["message"], body
    return str(body["error"]["message"])


def _wait(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.02)
        job = client.get(job["status_url"]).json()
    return job


class Tags(HTMLParser):
    """Start tags with their attributes, and text per class, of one page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def with_class(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and cls in a.get("class", "").split()]


# --------------------------------------------------------------------------- ask --check


def test_check_api_gives_a_verdict_and_source_spans_per_sentence(client: TestClient, library: Path) -> None:
    body = client.post("/api/check", json={"question": QUESTION}).json()
    report = client.post("/api/ask", json={"question": QUESTION}).json()
    sentences = [report["answer"], *[c for s in report["sections"] for c in s["sentences"]], *report["conclusion"]]
    assert [v["text"] for v in body["verdicts"]] == [c["text"] for c in sentences]
    assert body["total"] == len(sentences) and body["passed"] == sum(v["verdict"] == "pass" for v in body["verdicts"])
    assert body["verdicts"][0]["part"] == "answer"
    with pipeline.open_library(_settings(library)) as lib:
        spans = [span for v in body["verdicts"] for span in v["evidence"]]
        assert spans
        for span in spans:  # every span is the paper's own words, at the offsets given
            paper = lib.get(span["paper_id"])
            assert paper is not None
            assert getattr(paper, span["field"])[span["start"]:span["end"]] == span["text"]
    assert body == client.get("/api/check", params={"q": QUESTION}).json()


def test_check_api_matches_the_cli_verdicts(client: TestClient, library: Path) -> None:
    settings = _settings(library)
    expected = pipeline.check(pipeline.ask(QUESTION, settings), settings)
    verdicts = client.get("/api/check", params={"q": QUESTION}).json()["verdicts"]
    assert [(v["text"], v["verdict"], v["problems"]) for v in verdicts] == [
        (v["text"], v["verdict"], v["problems"]) for v in expected]


@pytest.mark.parametrize(("request_args", "status"), [
    ({"method": "POST", "url": "/api/check", "json": {"question": ""}}, 422),
    ({"method": "POST", "url": "/api/check", "json": {"question": "x" * 301}}, 422),
    ({"method": "POST", "url": "/api/check", "json": {"question": QUESTION, "k": 51}}, 422),
    ({"method": "POST", "url": "/api/check", "json": {"question": QUESTION, "nope": 1}}, 422),
    ({"method": "GET", "url": "/api/check?q=%20"}, 422),
    ({"method": "GET", "url": "/api/check?q=melatonin&offline=maybe"}, 422),
])
def test_check_api_refuses_bad_input_in_the_error_shape(client: TestClient, request_args: dict[str, Any],
                                                       status: int) -> None:
    _is_error(client.request(**request_args), status)


def test_check_page_lists_each_sentence_with_its_verdict_and_spans(client: TestClient) -> None:
    api = client.get("/api/check", params={"q": QUESTION}).json()
    response = client.get(CHECK_URL)
    assert response.status_code == 200
    page = Tags(response.text)
    assert len(page.with_class("li", "verdict")) == api["total"]
    assert len(page.with_class("li", "verdict-pass")) == api["passed"]
    assert len(page.with_class("blockquote", "span")) == sum(len(v["evidence"]) for v in api["verdicts"])
    first_span = api["verdicts"][0]["evidence"][0]["text"]
    assert first_span.replace("'", "&#39;") in response.text
    assert f"{api['passed']} of {api['total']} sentences pass" in response.text


def test_report_page_links_to_its_check(client: TestClient) -> None:
    page = Tags(client.get("/report?q=Does+melatonin+reduce+jet+lag%3F&design=rct").text)
    links = [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("/report/check?")]
    assert links and "design=rct" in links[0]
    assert client.get(links[0]).status_code == 200


def test_check_page_without_a_question_goes_home(client: TestClient) -> None:
    response = client.get("/report/check", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"


# --------------------------------------------------------------------------- search --batch


def test_batch_api_takes_a_list_or_an_object_and_matches_single_searches(client: TestClient) -> None:
    listed = client.post("/api/search/batch", json=[{"id": "a", "query": "melatonin jet lag"},
                                                    {"query": "exercise blood pressure"}, {"id": 7, "query": ""}])
    assert listed.status_code == 200
    results = listed.json()["results"]
    assert [r["id"] for r in results] == ["a", "2", "7"]  # ids default to the position
    single = client.get("/api/search", params={"q": "melatonin jet lag"}).json()["hits"]
    assert results[0]["hits"] == [hit["id"] for hit in single]
    assert results[2]["hits"] == []  # an empty query finds nothing, as in the CLI
    wrapped = client.post("/api/search/batch", json={"queries": [{"id": "a", "query": "melatonin"}], "k": 2,
                                                     "filters": {"year_min": 2000}})
    hits = wrapped.json()["results"][0]["hits"]
    assert 0 < len(hits) <= 2
    years = {h["id"]: h["year"] for h in client.get("/api/search", params={"q": "melatonin", "k": 50}).json()["hits"]}
    assert all(years[pid] >= 2000 for pid in hits)


@pytest.mark.parametrize(("body", "needle"), [
    ([], "queries"),
    ([{"id": "a"}], "queries.0.query"),
    ([{"id": "a", "query": 3}], "queries.0.query"),
    ([{"query": "x", "extra": 1}], "extra"),
    ([{"query": "melatonin"}] * (MAX_BATCH_QUERIES + 1), "at most 100"),
    ([{"query": "melatonin"}, {"query": "x" * 301}], "queries[1]: the query is 301 characters long"),
    ([{"id": "i" * 201, "query": "melatonin"}], "the id is longer than 200"),
    ({"queries": [{"query": "melatonin"}], "k": 51}, "k=51"),
    ({"queries": [{"query": "melatonin"}], "filters": {"designs": ["nope"]}}, "unknown design"),
    ("melatonin", "valid dictionary"),
])
def test_batch_api_limits_are_422_with_a_reason(client: TestClient, body: Any, needle: str) -> None:
    _is_error(client.post("/api/search/batch", json=body), 422, needle)


def test_batch_api_oversized_body_is_413(client: TestClient) -> None:
    body = [{"query": "melatonin " * 25}] * 300
    _is_error(client.post("/api/search/batch", json=body), 413)


def _upload(client: TestClient, content: bytes, **fields: str) -> httpx.Response:
    return client.post("/search/batch", files={"file": ("queries.jsonl", content, "application/x-ndjson")},
                       data=fields)


def test_batch_page_upload_downloads_jsonl_like_the_cli(client: TestClient, library: Path) -> None:
    lines = [{"id": "q1", "query": "melatonin jet lag"}, {"query": "exercise blood pressure"}]
    content = ("\ufeff" + json.dumps(lines[0]) + "\n\n" + json.dumps(lines[1]) + "\n").encode()
    response = _upload(client, content, k="3")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="search-results.jsonl"'
    got = [json.loads(line) for line in response.text.splitlines()]
    expected = list(pipeline.search_batch([("q1", "melatonin jet lag"), ("3", "exercise blood pressure")],
                                          _settings(library), k=3))
    assert got == [{"id": qid, "hits": ids} for qid, ids in expected]  # blank line 2 skipped; ids = line numbers


@pytest.mark.parametrize(("content", "fields", "status", "needle"), [
    (b'{"id": 1, "query": "melatonin"}\nnot json\n', {}, 422, "line 2: not JSON"),
    (b'{"id": 1, "query": "melatonin"}\n\n["a list"]\n', {}, 422, "line 3: expected"),
    (b'{"id": 1, "q": "melatonin"}\n', {}, 422, "line 1: expected"),
    (b'{"query": "' + b"x" * 301 + b'"}\n', {}, 422, "line 1: the query is 301 characters"),
    (b"\xff\xfe{}\n", {}, 422, "not UTF-8"),
    (b"\n\n", {}, 422, "no queries"),
    (b'{"query": "a"}\n' * (MAX_BATCH_QUERIES + 1), {}, 422, "more than 100 queries"),
    (b'{"query": "a"}\n', {"k": "lots"}, 422, "k: enter a whole number"),
    (b'{"query": "a"}\n', {"k": "51"}, 422, "k=51"),
    (b'{"query": "a"}\n', {"year_min": "2020", "year_max": "2000"}, 422, "year_min is after year_max"),
    (b'{"query": "' + b"x" * 70_000 + b'"}\n', {}, 413, ""),
])
def test_batch_page_bad_files_get_an_error_page_naming_the_line(client: TestClient, content: bytes,
                                                                fields: dict[str, str], status: int,
                                                                needle: str) -> None:
    response = _upload(client, content, **fields)
    assert response.status_code == status, response.text[:300]
    assert needle in response.text.replace("&#39;", "'").replace("&#34;", '"')


def test_batch_page_without_a_file_is_422(client: TestClient) -> None:
    response = client.post("/search/batch", data={"k": "3"})
    assert response.status_code == 422 and "no file in the form" in response.text


def test_batch_page_form_and_search_link(client: TestClient) -> None:
    page = Tags(client.get("/search/batch").text)
    form = [a for t, a in page.tags if t == "form" and a.get("action") == "/search/batch"]
    assert form and form[0]["method"] == "post" and form[0]["enctype"] == "multipart/form-data"
    assert [a for t, a in page.tags if t == "input" and a.get("type") == "file" and a.get("name") == "file"]
    assert 'href="/search/batch"' in client.get("/search").text


# --------------------------------------------------------------------------- index


def test_index_api_builds_the_index_as_a_job(fresh_client: TestClient) -> None:
    assert fresh_client.get("/api/index").json() == {"embedder": "hash", "built": [], "job": None}
    started = fresh_client.post("/api/index")
    assert started.status_code == 202 and started.headers["location"] == started.json()["status_url"]
    job = _wait(fresh_client, started.json())
    assert job["status"] == "done", job
    assert job["kind"] == "index" and job["done_units"] == job["total_units"] == 9
    assert job["summary"] == {"embedder": "hash", "embedded": 9, "removed": 0, "total": 9}
    assert fresh_client.get("/api/index").json()["built"]
    again = _wait(fresh_client, fresh_client.post("/api/index").json())  # resumable: nothing new to embed
    assert again["summary"]["embedded"] == 0 and again["summary"]["total"] == 9


def test_a_second_index_job_while_one_runs_is_409(fresh_client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    original = Service._index_now

    def held(self: Service, job: Any) -> dict[str, Any]:
        release.wait(10)
        return original(self, job)

    monkeypatch.setattr(Service, "_index_now", held)
    first = fresh_client.post("/api/index").json()
    try:
        message = _is_error(fresh_client.post("/api/index"), 409, "still running")
        assert first["id"] in message
        assert fresh_client.get("/api/index").json()["job"]["id"] == first["id"]
        page = fresh_client.get("/library").text
        assert f'href="/jobs/{first["id"]}"' in page and 'action="/library/index"' not in page
        assert fresh_client.post("/library/index").status_code == 409
    finally:
        release.set()
    assert _wait(fresh_client, first)["status"] == "done"


def test_index_form_without_js_reaches_a_job_page_with_the_summary(fresh_client: TestClient) -> None:
    assert 'action="/library/index"' in fresh_client.get("/library").text
    response = fresh_client.post("/library/index", follow_redirects=False)
    assert response.status_code == 303
    job_url = response.headers["location"]
    _wait(fresh_client, fresh_client.get("/api" + job_url).json())
    page = fresh_client.get(job_url).text
    assert "embedded 9 papers" in page and 'href="/library"' in page


def test_index_job_failure_is_reported_not_raised(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path / "missing.sqlite"))) as client:
        job = _wait(client, client.post("/api/index").json())
    assert job["status"] == "failed" and job["error"]["message"]


# --------------------------------------------------------------------------- ask options


class Spy:
    """Counts pipeline.ask calls and keeps the keyword arguments of the last one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[dict[str, Any]] = []
        original = pipeline.ask

        def ask(*args: Any, **kwargs: Any) -> Any:
            self.calls.append(kwargs)
            return original(*args, **kwargs)

        monkeypatch.setattr(pipeline, "ask", ask)


def test_api_ask_passes_k_offline_and_refresh_to_the_pipeline(client: TestClient,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    question = "Does melatonin help travellers sleep?"
    report = client.post("/api/ask", json={"question": question, "k": 2, "offline": True}).json()
    assert len(report["studies"]) <= 2
    assert spy.calls[-1]["offline"] is True and spy.calls[-1]["refresh"] is False and spy.calls[-1]["k"] == 2
    client.get("/api/ask", params={"q": question, "k": 2, "offline": "true"})
    assert len(spy.calls) == 1  # the same report again comes from the cache
    client.get("/api/ask", params={"q": question, "k": 2, "offline": "true", "refresh": "true"})
    assert len(spy.calls) == 2 and spy.calls[-1]["refresh"] is True  # refresh skips the cache


def test_default_ask_is_unchanged(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    spy = Spy(monkeypatch)
    client.post("/api/ask", json={"question": "Does melatonin shorten jet lag?"})
    assert spy.calls and "offline" not in spy.calls[-1] and "refresh" not in spy.calls[-1]


def test_ask_form_options_reach_the_report_and_refresh_is_not_repeated(client: TestClient) -> None:
    home = client.get("/").text
    for field in ('name="k"', 'name="offline"', 'name="refresh"'):
        assert field in home
    response = client.post("/ask", data={"q": QUESTION, "k": "2", "offline": "1", "refresh": "1"},
                           follow_redirects=False)
    job = _wait(client, client.get("/api" + response.headers["location"]).json())
    assert "offline=1" in job["result_url"] and "k=2" in job["result_url"] and "refresh" not in job["result_url"]
    page = client.get(job["result_url"])
    assert page.status_code == 200
    tags = Tags(page.text)
    assert len(tags.with_class("article", "study-card")) <= 2
    assert "library only" in page.text
    assert [a for t, a in tags.tags if t == "input" and a.get("name") == "k" and a.get("value") == "2"]


def test_ask_options_are_validated(client: TestClient) -> None:
    assert client.get("/report?q=melatonin&k=0").status_code == 422
    assert client.get("/report?q=melatonin&k=51").status_code == 422
    _is_error(client.post("/api/ask", json={"question": QUESTION, "offline": "sometimes"}), 422, "offline")


# --------------------------------------------------------------------------- never a 500

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                    max_leaves=12)
LINE = st.one_of(st.text(max_size=30), JSON.map(json.dumps),
                 st.fixed_dictionaries({"query": st.text(max_size=30)}, optional={"id": JSON}).map(json.dumps))


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=JSON)
def test_no_json_body_gives_a_500(client: TestClient, body: Any) -> None:
    for url in ("/api/check", "/api/search/batch"):
        assert client.post(url, json=body).status_code < 500, (url, body)


@hyp_settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(lines=st.lists(LINE, max_size=5), raw=st.binary(max_size=40), k=st.text(max_size=4))
def test_no_batch_file_gives_a_500(client: TestClient, lines: list[str], raw: bytes, k: str) -> None:
    for content in ("\n".join(lines).encode("utf-8", "surrogatepass"), raw):
        response = _upload(client, content, k=k)
        assert response.status_code in (200, 413, 422), (content, response.text[:300])


@hyp_settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=st.text(max_size=60), flag=st.text(max_size=5))
def test_no_check_query_string_gives_a_500(client: TestClient, query: str, flag: str) -> None:
    for url in ("/report/check", "/api/check"):
        response = client.get(url, params={"q": query, "offline": flag, "k": flag})
        assert response.status_code < 500, (url, query, response.text[:300])


# --------------------------------------------------------------------------- info and settings


def test_settings_are_listed_with_secrets_hidden_and_text_escaped(tmp_path: Path) -> None:
    path = tmp_path / "library.sqlite"
    pipeline.add([MINI], _settings(path))
    settings = _settings(path, 'sources.pubmed.api_key="SECRET-KEY-1"', 'sources.pubmed.email="me@example.org"',
                         'backend.milvus_uri="http://user:pa55@milvus.example:19530"',
                         'sources.pubmed.tool="<script>alert(1)</script>"')
    with TestClient(create_app(settings)) as client:
        rows = {row["name"]: row for row in client.get("/api/settings").json()}
        page = client.get("/library").text
    assert rows["sources.pubmed.api_key"]["value"] == "set (hidden)" and rows["sources.pubmed.api_key"]["changed"]
    assert rows["retrieve.k"] == {"name": "retrieve.k", "value": "20", "default": "20", "changed": False,
                                  "description": rows["retrieve.k"]["description"]}
    assert rows["library.path"]["value"] == str(path)
    for text in (json.dumps(rows), page):
        assert "SECRET-KEY-1" not in text and "pa55" not in text and "me@example.org" not in text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "analyser version" in page and "schema version" in page


NEW_PAGES = ["/search/batch", CHECK_URL, "/library", "/"]


@pytest.mark.parametrize("url", NEW_PAGES)
def test_new_pages_have_no_inline_script_or_handlers(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    for tag, attrs in Tags(response.text).tags:
        assert "style" not in attrs and not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
    assert "<style" not in response.text


def test_openapi_lists_the_new_endpoints(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/check", "/api/search/batch", "/api/index", "/api/settings"):
        assert path in paths, path
    assert "/search/batch" not in paths and "/report/check" not in paths
