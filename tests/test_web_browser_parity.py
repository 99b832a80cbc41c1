"""The CLI's other commands in headless Chromium: report → check view, library → index job (and its
409 while one runs), batch search upload → download, the ask form's k and library-only options.

Needs Debian's ``chromium`` and the ``playwright`` package (skips otherwise), like
``test_web_browser.py``. One live server over a library with the fast ``hash`` embedder.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# Chromium, the watched page and its fixtures are the browser suite's own (it skips without them).
import test_web_browser as browser_suite
from test_web_browser import Watched

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.web import create_app
from evidentia.web.server import serve_in_thread
from evidentia.web.service import Service

browser = browser_suite.browser  # fixtures, found by name
watched = browser_suite.watched

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
SETTINGS = ["sources.offline=true", 'index.embedder="hash"']  # no network; an index in milliseconds
QUESTION = "Does melatonin reduce jet lag?"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("web-browser-parity") / "library.sqlite"
    settings = Settings.load(None, [f"library.path={path}", *SETTINGS])
    pipeline.add([MINI], settings)
    with serve_in_thread(create_app(settings)) as url:
        yield url


def test_report_links_to_a_check_view_of_every_sentence(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/report?q=Does+melatonin+reduce+jet+lag%3F")
    claims = 1 + page.locator(".report-section .claim").count()  # the answer and every section sentence
    page.get_by_role("link", name="Check sources").click()
    page.wait_for_url("**/report/check?**")
    assert page.locator("h1").inner_text() == QUESTION
    verdicts = page.locator("li.verdict")
    assert verdicts.count() == claims
    assert page.locator("li.verdict-pass").count() + page.locator("li.verdict-fail").count() == claims
    first = verdicts.first
    assert first.locator(".badge").inner_text() in ("Pass", "Fail")
    assert first.locator("blockquote.span").count() >= 1 and first.locator("blockquote.span p").first.inner_text()
    first.locator("blockquote.span a").first.click()  # the span's paper
    page.wait_for_url("**/paper/**")
    page.go_back()
    page.get_by_role("link", name="← Back to the report").click()
    page.wait_for_url("**/report?**")
    watched.check_clean()


def test_library_builds_the_index_with_progress_to_a_summary(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/library")
    assert "no index built yet" in page.locator("#index").inner_text()
    page.get_by_role("button", name="Build the index").click()
    page.wait_for_url("**/jobs/**")
    assert "embedded 9 papers" in page.locator(".notice").inner_text()
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url("**/library")
    assert "built: hash" in page.locator("#index").inner_text()
    assert page.get_by_role("button", name="Update the index").count() == 1
    page.locator("#settings summary").click()
    assert page.locator(".settings-table tr.changed code", has_text="index.embedder").count() == 1
    watched.check_clean()


def test_batch_search_upload_downloads_results_and_bad_lines_are_named(
    watched: Watched, base_url: str, tmp_path: Path
) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text('{"id": "q1", "query": "melatonin jet lag"}\n{"query": "blood pressure"}\n', encoding="utf-8")
    page = watched.page
    page.goto(f"{base_url}/search")
    page.get_by_role("link", name="Batch search").click()
    page.wait_for_url("**/search/batch")
    page.set_input_files("input[type=file]", str(queries))
    page.fill("input[name=k]", "2")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Search and download").click()
    download = download_info.value
    assert download.suggested_filename == "search-results.jsonl"
    lines = [json.loads(line) for line in Path(download.path()).read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == ["q1", "2"]
    assert 0 < len(lines[0]["hits"]) <= 2 and all(hit.startswith(("pmid:", "doi:")) for hit in lines[0]["hits"])
    watched.check_clean()

    too_big = tmp_path / "big.jsonl"
    too_big.write_text('{"query": "melatonin"}\n' * 4000, encoding="utf-8")
    page.set_input_files("input[type=file]", str(too_big))
    page.get_by_role("button", name="Search and download").click()
    assert "larger than the limit" in page.locator("#form-error").inner_text()  # said before sending

    queries.write_text('{"id": "q1", "query": "melatonin"}\n{"id": "q2", "query": oops}\n', encoding="utf-8")
    page.set_input_files("input[type=file]", str(queries))
    page.get_by_role("button", name="Search and download").click()
    page.wait_for_selector(".error-page")
    assert "line 2: not JSON" in page.locator(".notice").inner_text()
    watched.check_clean(http_errors_expected=True)


def test_ask_form_takes_studies_and_library_only(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/")
    page.fill("textarea[name=q]", "Does melatonin help jet lag in travellers?")
    page.locator("details.refine summary").click()
    page.fill("input[name=k]", "2")
    page.get_by_label("Library only (no online search)").check()
    page.click("form[data-job-form] button[type=submit]")
    page.wait_for_url("**/report?**")
    assert "offline=1" in page.url and "k=2" in page.url
    assert 0 < page.locator("article.study-card").count() <= 2
    assert page.locator(".report-head .chip", has_text="library only").count() == 1
    sidebar = page.locator("aside.sidebar")
    assert sidebar.get_by_label("Library only (no online search)").is_checked()
    assert sidebar.locator("input[name=k]").input_value() == "2"
    watched.check_clean()


def test_index_button_while_a_build_runs_shows_the_409_message(
    watched: Watched, base_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    original = Service._index_now
    monkeypatch.setattr(Service, "_index_now", lambda self, job: release.wait(10) and original(self, job))
    page = watched.page
    page.goto(f"{base_url}/library")  # the button is drawn: no build is running yet
    running = httpx.post(f"{base_url}/api/index").json()
    try:
        page.get_by_role("button", name=re.compile("the index")).click()
        error = page.locator("#index .form-error")
        error.wait_for(state="visible")
        assert "still running" in error.inner_text() and running["id"] in error.inner_text()
    finally:
        release.set()
    watched.check_clean(http_errors_expected=True)
