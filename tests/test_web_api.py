"""The JSON API: endpoints mirror the library, one error shape, limits, overload, uploads."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
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
from evidentia.web.guard import CSP
from evidentia.web.limits import Limiter, Overloaded
from evidentia.web.service import Service

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
OFFLINE = "sources.offline=true"  # answers come from the test library only: no network
QUESTION = "Does melatonin reduce jet lag?"


def _settings(path: Path, *overrides: str) -> Settings:
    return Settings.load(None, [f"library.path={path}", OFFLINE, *overrides])


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("web-api") / "library.sqlite"
    pipeline.add([MINI], _settings(path))
    return path


@pytest.fixture(scope="module")
def client(library: Path) -> Iterator[TestClient]:
    with TestClient(create_app(_settings(library, "web.max_query_chars=300", "web.max_k=50"))) as test_client:
        yield test_client


def _is_error(response: httpx.Response, status: int, type_: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}
    assert body["error"]["message"]
    if type_:
        assert body["error"]["type"] == type_
    return body


# --------------------------------------------------------------------------- endpoints


def test_ask_post_returns_a_report_with_cited_sources(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": QUESTION, "k": 10})
    assert response.status_code == 200
    report = response.json()
    assert report["question"] == QUESTION
    assert report["answer"]["text"] and report["sources"]
    source_ids = {source["id"] for source in report["sources"]}
    for claim in [report["answer"], *[c for s in report["sections"] for c in s["sentences"]]]:
        assert set(claim["citations"]) <= source_ids


def test_ask_get_applies_filters_from_query_parameters(client: TestClient) -> None:
    response = client.get("/api/ask", params={"q": QUESTION, "design": "rct"})
    assert response.status_code == 200
    studies = response.json()["studies"]
    assert studies and {study["facts"]["design"] for study in studies} == {"rct"}


def test_search_get_and_post_agree(client: TestClient) -> None:
    got = client.get("/api/search", params={"q": "melatonin jet lag", "k": 5}).json()
    posted = client.post("/api/search", json={"query": "melatonin jet lag", "k": 5}).json()
    assert [hit["id"] for hit in got["hits"]] == [hit["id"] for hit in posted["hits"]]
    assert 0 < len(got["hits"]) <= 5
    assert got["hits"][0]["rank"] == 1 and got["hits"][0]["title"]


def test_search_filters_by_year(client: TestClient) -> None:
    hits = client.post("/api/search", json={"query": "melatonin", "filters": {"year_min": 2000}}).json()["hits"]
    assert hits and all(hit["year"] >= 2000 for hit in hits)


@pytest.mark.parametrize("ref", ["pmid:1000001", "1000001", "doi:10.1000/xyz.8", "10.1000/XYZ.8"])
def test_paper_by_id_pmid_or_doi(client: TestClient, ref: str) -> None:
    response = client.get(f"/api/papers/{ref}")
    assert response.status_code == 200
    body = response.json()
    assert body["paper"]["id"] in ("pmid:1000001", "doi:10.1000/xyz.8")
    assert body["facts"]["paper_id"] == body["paper"]["id"]


def test_library_reports_counts(client: TestClient) -> None:
    body = client.get("/api/library").json()
    assert body["exists"] is True and body["papers"] == 9


def test_openapi_schema_lists_the_api(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/ask", "/api/search", "/api/papers/{paper_id}", "/api/library", "/api/jobs",
                 "/api/jobs/{job_id}", "/api/export/report", "/api/export/papers"):
        assert path in schema["paths"], path
    assert "/report" not in schema["paths"]  # pages stay out of the API schema


def test_ask_job_runs_in_the_background_and_points_at_the_report(client: TestClient) -> None:
    started = client.post("/api/jobs", json={"question": "Does exercise lower blood pressure?"})
    assert started.status_code == 202
    job = started.json()
    deadline = time.monotonic() + 30
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(job["status_url"]).json()
    assert job["status"] == "done", job
    page = client.get(job["result_url"])
    assert page.status_code == 200 and "Does exercise lower blood pressure?" in page.text


@pytest.mark.parametrize("fmt", ["md", "html", "json", "bibtex", "ris", "csl-json", "csv"])
def test_api_exports(client: TestClient, fmt: str) -> None:
    report = client.post(f"/api/export/report?format={fmt}", json={"question": QUESTION})
    papers = client.post("/api/export/papers", json={"ids": ["pmid:1000001", "1000002"], "format": fmt})
    for response in (report, papers):
        assert response.status_code == 200
        assert response.headers["content-disposition"].startswith("attachment; filename=")
        assert response.content


# --------------------------------------------------------------------------- one error shape

LONG = "melatonin " * 40

ERROR_CASES = [
    ("get", "/api/papers/pmid:999", None, 404, "not_found"),
    ("get", "/api/nothing-here", None, 404, "not_found"),
    ("delete", "/api/library", None, 405, "method_not_allowed"),
    ("post", "/api/ask", {"question": ""}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": "   "}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": LONG}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": 42}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": "x", "surprise": 1}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": QUESTION, "filters": {"designs": ["astrology"]}}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": QUESTION, "filters": {"year_min": 2010, "year_max": 2000}}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": QUESTION, "k": 51}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": QUESTION, "style": "poetry"}, 422, "invalid_request"),
    ("post", "/api/ask", {"question": "the of and to"}, 422, "invalid_query"),
    ("get", "/api/ask?q=", None, 422, "invalid_request"),
    ("get", "/api/search", None, 422, "invalid_request"),
    ("get", "/api/search?q=melatonin&k=-3", None, 422, "invalid_request"),
    ("get", "/api/search?q=melatonin&year_min=abc", None, 422, "invalid_request"),
    ("post", "/api/search", [1, 2, 3], 422, "invalid_request"),
    ("post", "/api/export/papers", {"ids": ["pmid:1000001"], "format": "docx"}, 422, "invalid_request"),
    ("post", "/api/export/papers", {"ids": ["nope"], "format": "ris"}, 404, "not_found"),
    ("post", "/api/export/papers", {"ids": [], "format": "ris"}, 422, "invalid_request"),
    ("get", "/api/jobs/not-a-job", None, 404, "not_found"),
    ("get", "/export/papers?format=ris", None, 422, "invalid_request"),
    ("get", "/export/report?q=melatonin&format=pdf", None, 422, "invalid_request"),
]


@pytest.mark.parametrize(("method", "url", "body", "status", "type_"), ERROR_CASES)
def test_errors_have_one_shape_and_the_right_status(
    client: TestClient, method: str, url: str, body: Any, status: int, type_: str
) -> None:
    response = client.request(method, url, json=body) if body is not None else client.request(method, url)
    _is_error(response, status, type_)


def test_malformed_json_is_422_not_500(client: TestClient) -> None:
    response = client.post("/api/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    _is_error(response, 422, "invalid_request")


def test_declared_oversized_body_is_413(client: TestClient) -> None:
    response = client.post("/api/ask", content=b"x" * (65 * 1024), headers={"content-type": "application/json"})
    _is_error(response, 413, "too_large")


def test_streamed_oversized_body_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b'{"question": "' + b"a" * 1024

    response = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    _is_error(response, 413, "too_large")


def test_overlong_url_is_414(client: TestClient) -> None:
    _is_error(client.get("/api/search", params={"q": "a" * 9000}), 414, "uri_too_long")


def test_cross_site_post_is_refused(client: TestClient) -> None:
    response = client.post("/api/ask", json={"question": QUESTION}, headers={"origin": "http://evil.example"})
    _is_error(response, 403, "cross_site")
    same = client.post("/api/search", json={"query": "melatonin"}, headers={"origin": "http://testserver"})
    assert same.status_code == 200


def test_missing_library_is_503_for_queries_and_empty_for_stats(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path / "absent.sqlite"))) as test_client:
        _is_error(test_client.get("/api/search?q=melatonin"), 503, "library_unavailable")
        assert test_client.get("/api/library").json()["exists"] is False
        assert test_client.get("/").status_code == 200


@hyp_settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=st.text(max_size=80), k=st.one_of(st.none(), st.integers(-5, 2000)),
       year=st.one_of(st.none(), st.text(max_size=6)))
def test_no_query_string_gives_a_500(client: TestClient, query: str, k: int | None, year: str | None) -> None:
    params: dict[str, Any] = {"q": query}
    if k is not None:
        params["k"] = k
    if year is not None:
        params["year_min"] = year
    for url in ("/api/search", "/search", "/report"):
        response = client.get(url, params=params)
        assert response.status_code < 500, (url, params, response.text[:300])


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                         max_leaves=12))
def test_no_json_body_gives_a_500(client: TestClient, body: Any) -> None:
    for url in ("/api/ask", "/api/search", "/api/jobs", "/api/export/papers"):
        assert client.post(url, json=body).status_code < 500


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize("url", ["/", "/api/library", "/static/app.css", "/api/papers/nope", "/paper/nope"])
def test_security_headers_on_every_response(client: TestClient, url: str) -> None:
    headers = client.get(url).headers
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"


def test_csp_is_exactly_the_required_policy() -> None:
    assert CSP == (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


# --------------------------------------------------------------------------- uploads


def _wait(client: TestClient, job: dict[str, Any]) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(job["status_url"]).json()
    return job


def test_upload_raw_body_adds_records_to_a_new_library(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path / "new.sqlite"))) as test_client:
        response = test_client.post("/api/library?filename=mini.jsonl", content=MINI.read_bytes())
        assert response.status_code == 202
        job = _wait(test_client, response.json())
        assert job["status"] == "done" and job["summary"]["added"] == 9, job
        assert test_client.get("/api/library").json()["papers"] == 9
        again = _wait(test_client, test_client.post("/api/library", content=MINI.read_bytes()).json())
        assert again["summary"]["unchanged"] == 9


def test_upload_form_without_js_redirects_to_a_job_page(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path / "new.sqlite"))) as test_client:
        files = {"file": ("../../etc/mini.jsonl", MINI.read_bytes(), "application/octet-stream")}
        response = test_client.post("/library/upload", files=files, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/jobs/")
        job_id = response.headers["location"].rsplit("/", 1)[1]
        job = _wait(test_client, test_client.get(f"/api/jobs/{job_id}").json())
        assert job["title"] == "mini.jsonl" and job["status"] == "done"
        page = test_client.get(f"/jobs/{job_id}")
        assert "added 9" in page.text


def test_upload_of_unreadable_file_fails_the_job_with_a_message(tmp_path: Path) -> None:
    with TestClient(create_app(_settings(tmp_path / "new.sqlite"))) as test_client:
        response = test_client.post("/api/library?filename=notes.txt", content=b"just some words\n" * 10)
        job = _wait(test_client, response.json())
        assert job["status"] == "failed" and job["error"]["type"] == "invalid_input", job


@pytest.mark.parametrize(("content", "status"), [(b"", 422), (b"x" * 5000, 413)])
def test_upload_limits(tmp_path: Path, content: bytes, status: int) -> None:
    app = create_app(_settings(tmp_path / "new.sqlite", "web.max_upload_bytes=4096"))
    with TestClient(app) as test_client:
        _is_error(test_client.post("/api/library", content=content), status)
        files = {"file": ("big.jsonl", content, "application/octet-stream")}
        assert test_client.post("/library/upload", files=files).status_code == status


# --------------------------------------------------------------------------- overload


def test_limiter_refuses_with_429_when_the_queue_is_full_and_503_after_waiting() -> None:
    async def scenario() -> list[int | str]:
        limiter = Limiter("search", concurrency=1, max_waiting=1, timeout_s=0.2, retry_after_s=3)
        outcomes: list[int | str] = []

        async def one(hold_s: float) -> None:
            try:
                async with limiter.slot():
                    await asyncio.sleep(hold_s)
                outcomes.append("ok")
            except Overloaded as exc:
                assert exc.retry_after_s == 3
                outcomes.append(exc.status)

        await asyncio.gather(one(0.5), one(0.5), one(0.5))
        async with limiter.slot():  # recovered: a new request gets in at once
            outcomes.append("after")
        return outcomes

    assert sorted(map(str, asyncio.run(scenario()))) == ["429", "503", "after", "ok"]


def test_overloaded_app_answers_429_or_503_with_retry_after_and_recovers(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Service._search_now

    def slow_search(self: Service, params: Any) -> Any:
        time.sleep(0.3)
        return original(self, params)

    monkeypatch.setattr(Service, "_search_now", slow_search)
    app = create_app(_settings(library, "web.max_concurrent_searches=1", "web.max_queued=2",
                               "web.queue_timeout_s=0.4", "web.retry_after_s=1"))

    async def burst() -> tuple[list[httpx.Response], httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            responses = await asyncio.gather(*[http.get("/api/search?q=melatonin") for _ in range(8)])
            return list(responses), await http.get("/api/search?q=melatonin")

    responses, after = asyncio.run(burst())
    statuses = sorted(response.status_code for response in responses)
    assert 200 in statuses and {429, 503} & set(statuses), statuses
    assert set(statuses) <= {200, 429, 503}
    for response in responses:
        if response.status_code != 200:
            assert response.headers["retry-after"] == "1"
            _is_error(response, response.status_code)
    assert after.status_code == 200
