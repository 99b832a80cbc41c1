"""The app in headless Chromium: ask → progress → report → filter → paper → export, with and without JS.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and the ``playwright`` package; skips
with the reason otherwise. One live server (uvicorn in a thread) and one browser for the module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.web import create_app
from evidentia.web.server import serve_in_thread
from evidentia.web.service import Service

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
OFFLINE = "sources.offline=true"  # answers come from the test library only: no network
QUESTION = "Does melatonin reduce jet lag?"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

# Watches for anything the page tried to do that the CSP refused.
WATCH_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"""


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("web-browser") / "library.sqlite"
    settings = Settings.load(None, [f"library.path={path}", OFFLINE])
    pipeline.add([MINI], settings)
    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


class Watched:
    """A page whose off-host requests are blocked and counted, with console errors kept."""

    def __init__(self, browser: Any, **context_options: Any) -> None:
        self.context = browser.new_context(accept_downloads=True, **context_options)
        self.foreign: list[str] = []
        self.errors: list[str] = []
        self.context.route("**/*", self._route)
        self.context.add_init_script(WATCH_CSP)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)
        self.page.on("console", lambda msg: msg.type == "error" and self.errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _route(self, route: Any) -> None:
        if urlsplit(route.request.url).hostname != "127.0.0.1":
            self.foreign.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def check_clean(self, *, http_errors_expected: bool = False) -> None:
        assert self.foreign == []
        errors = self.errors
        if http_errors_expected:  # the browser logs the 4xx status of the page itself
            errors = [e for e in errors if not e.startswith("Failed to load resource: the server responded")]
        assert errors == []
        if self.page.evaluate("document.contentType") == "text/html":
            assert self.page.evaluate("window.__csp") == []

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def watched(browser: Any) -> Iterator[Watched]:
    page = Watched(browser)
    yield page
    page.close()


def test_ask_report_filter_paper_export(watched: Watched, base_url: str, tmp_path: Path) -> None:
    page = watched.page
    page.goto(f"{base_url}/")
    page.fill("textarea[name=q]", QUESTION)
    page.click("form[data-job-form] button[type=submit]")
    page.wait_for_url("**/report?**")
    assert page.locator("h1").inner_text() == QUESTION
    assert page.locator(".answer").inner_text().strip()
    assert page.locator("svg.meter rect").count() >= 1
    studies = page.locator("article.study-card").count()
    assert studies > 1 and page.locator("svg.evidence-map circle.mark").count() == studies
    watched.check_clean()

    # filter: randomised controlled trials only, from the sidebar
    sidebar = page.locator("aside.sidebar")
    sidebar.get_by_label("randomised controlled trial").check()
    sidebar.get_by_role("button", name="Update report").click()
    page.wait_for_url("**design=rct**")
    assert page.locator(".chip", has_text="randomised controlled trial").count() == 1
    filtered = page.locator("article.study-card")
    assert 0 < filtered.count() < studies
    # every card, shown or folded under "not cited", is a randomised controlled trial
    designs = {text.strip() for text in page.locator(".study-card .badge.design").all_text_contents()}
    assert designs == {"randomised controlled trial"}

    # citation link jumps to the source list
    page.locator(".answer a.cite").first.click()
    assert page.evaluate("location.hash").startswith("#source-")

    # paper page with highlighted spans and facts
    title = filtered.first.locator("h3 a")
    title_text = title.inner_text()
    title.click()
    page.wait_for_url("**/paper/**")
    assert page.locator("h1").inner_text().replace("\n", " ") == title_text.replace("\n", " ")
    assert page.locator(".abstract mark.hl").count() > 0
    assert page.locator(".facts-panel dt", has_text="Design").count() == 1
    watched.check_clean()

    # export the report's sources as BibTeX, then the selected studies as CSV
    page.go_back()
    page.wait_for_url("**/report?**")
    with page.expect_download() as download_info:
        page.locator(".export-list a", has_text="BibTeX").click()
    bibtex = Path(download_info.value.path()).read_text(encoding="utf-8")
    assert bibtex.count("@article{") == page.locator(".sources li").count()
    page.locator("select[name=format]").select_option("csv")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export selected").click()
    rows = Path(download_info.value.path()).read_text(encoding="utf-8").strip().splitlines()
    assert len(rows) == 1 + page.locator("article.study-card").count()
    watched.check_clean()


def test_slow_question_shows_progress(watched: Watched, base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    original = Service._ask_now

    def slow(self: Service, params: Any) -> Any:
        time.sleep(1.5)
        return original(self, params)

    monkeypatch.setattr(Service, "_ask_now", slow)
    page = watched.page
    page.goto(f"{base_url}/")
    page.fill("textarea[name=q]", "Does melatonin help sleep in travellers?")
    page.click("form[data-job-form] button[type=submit]")
    progress = page.locator("#progress")
    progress.wait_for(state="visible", timeout=3000)
    assert page.locator("#progress-stage").inner_text()
    assert page.locator("form[data-job-form] button[type=submit]").is_disabled()
    page.wait_for_url("**/report?**")
    watched.check_clean()


def test_without_javascript_the_form_still_reaches_the_report(browser: Any, base_url: str) -> None:
    watched = Watched(browser, java_script_enabled=False)
    try:
        page = watched.page
        page.goto(f"{base_url}/")
        page.fill("textarea[name=q]", "Does exercise lower blood pressure?")
        page.click("form[data-job-form] button[type=submit]")
        page.wait_for_url("**/report?**")
        assert page.locator("h1").inner_text() == "Does exercise lower blood pressure?"
        page.goto(f"{base_url}/report?q=Does+melatonin+reduce+jet+lag%3F&design=rct")
        assert page.locator("article.study-card").count() > 0
        assert watched.foreign == []
    finally:
        watched.close()


def test_upload_shows_progress_and_the_summary(watched: Watched, base_url: str) -> None:
    page = watched.page
    page.goto(f"{base_url}/library")
    page.set_input_files("input[type=file]", str(MINI))
    page.get_by_role("button", name="Upload and add").click()
    page.wait_for_url("**/jobs/**")
    assert "unchanged 9" in page.locator(".notice").inner_text()
    watched.check_clean()


def test_error_pages_render_inside_the_app(watched: Watched, base_url: str) -> None:
    page = watched.page
    response = page.goto(f"{base_url}/paper/pmid:0000")
    assert response is not None and response.status == 404
    assert page.locator("h1").inner_text() == "Not found"
    response = page.goto(f"{base_url}/report?q=melatonin&min_n=-5")
    assert response is not None and response.status == 422
    assert "min_n" in page.locator(".notice").inner_text()
    watched.check_clean(http_errors_expected=True)
