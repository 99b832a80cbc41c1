"""HTML pages without a browser: structure, citations, the no-JS job flow, escaping, no inline code."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html import unescape as html_unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.web import create_app

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
OFFLINE = "sources.offline=true"  # answers come from the test library only: no network
QUESTION = "Does melatonin reduce jet lag?"
REPORT_URL = "/report?q=Does+melatonin+reduce+jet+lag%3F"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of one page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k.rstrip("_")) == v for k, v in attrs.items())]

    def with_class(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and cls in a.get("class", "").split()]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path = tmp_path_factory.mktemp("web-pages") / "library.sqlite"
    settings = Settings.load(None, [f"library.path={path}", OFFLINE])
    pipeline.add([MINI], settings)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def report_page(client: TestClient) -> Tags:
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    return Tags(response.text)


PAGES = ["/", "/library", "/search?q=melatonin", REPORT_URL, "/paper/pmid:1000001", "/paper/nope",
         "/jobs/unknown"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_no_inline_script_style_or_handlers_and_only_local_assets(client: TestClient, url: str) -> None:
    page = Tags(client.get(url).text)
    for tag, attrs in page.tags:
        assert "style" not in attrs, (tag, attrs)
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        if tag in ("script", "img", "link") and (ref := attrs.get("src") or attrs.get("href")):
            assert ref.startswith("/"), (tag, ref)
    assert "<style" not in client.get(url).text


def test_static_assets_are_served_by_the_app(client: TestClient) -> None:
    for name, kind in (("app.css", "text/css"), ("app.js", "javascript"), ("favicon.svg", "image/svg+xml")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_home_has_question_box_and_every_filter(client: TestClient) -> None:
    page = Tags(client.get("/").text)
    [form] = page.find("form", action="/ask")
    assert form["method"] == "post"
    assert page.find("textarea", name="q")
    for name in ("year_min", "year_max", "min_n"):
        assert page.find("input", name=name), name
    assert page.find("input", name="human", type="checkbox")
    assert len(page.find("input", name="design")) >= 10
    assert {a["value"] for a in page.find("input", name="style")} == {"pro", "explainer"}


def test_report_page_answer_meter_and_map(report_page: Tags) -> None:
    text = " ".join(report_page.text)
    assert QUESTION in text and "Direct answer" in text
    segments = report_page.with_class("rect", "seg")
    assert 1 <= len(segments) <= 4
    assert abs(sum(float(seg["width"]) for seg in segments) - 100) < 0.1
    marks = report_page.with_class("circle", "mark")
    cards = report_page.with_class("article", "study-card")
    assert len(marks) == len(cards) > 0
    card_ids = {card["id"] for card in cards}
    links = [a["href"] for tag, a in report_page.tags if tag == "a" and "mark-link" in a.get("class", "")]
    assert {href.lstrip("#") for href in links} == card_ids


def test_report_citations_link_to_listed_sources(report_page: Tags) -> None:
    sources = {a["id"] for a in report_page.find("li") if a.get("id", "").startswith("source-")}
    cites = [a["href"] for a in report_page.with_class("a", "cite")]
    assert cites and sources
    assert {href.lstrip("#") for href in cites} <= sources


def test_report_cards_link_to_paper_pages_that_exist(client: TestClient, report_page: Tags) -> None:
    paper_links = {a["href"] for tag, a in report_page.tags if tag == "a" and a.get("href", "").startswith("/paper/")}
    assert paper_links
    for href in sorted(paper_links)[:4]:
        assert client.get(href).status_code == 200, href


def test_uncited_studies_are_folded_below_the_cited_ones(client: TestClient) -> None:
    """Cited studies come first and open; studies read but not cited fold under their count."""
    html = client.get(REPORT_URL).text
    cited = html.split('<details class="other-studies"')[0].count('<article class="study-card')
    folded = html.count('<article class="study-card') - cited
    assert cited > 0 and folded > 0  # the jet-lag question reads off-topic studies too
    assert f"Studies read but not cited ({folded})" in html


def test_report_offers_every_export_and_they_download(client: TestClient, report_page: Tags) -> None:
    exports = [a["href"] for tag, a in report_page.tags if tag == "a" and a.get("href", "").startswith("/export/report")]
    formats = {re.search(r"format=([\w-]+)", href).group(1) for href in exports}  # type: ignore[union-attr]
    assert formats == {"md", "html", "json", "bibtex", "ris", "csl-json", "csv"}
    for href in exports:
        response = client.get(href)
        assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]


def test_selected_papers_export_from_the_study_form(client: TestClient, report_page: Tags) -> None:
    ids = [a["value"] for a in report_page.find("input", name="id")]
    response = client.get("/export/papers", params=[("id", ids[0]), ("id", ids[1]), ("format", "ris")])
    assert response.status_code == 200 and response.text.count("ER  -") == 2


def test_filters_change_the_report(client: TestClient) -> None:
    page = Tags(client.get(REPORT_URL + "&design=rct&human=1").text)
    text = " ".join(page.text)
    assert "human studies only" in text
    cards = page.with_class("article", "study-card")
    assert 0 < len(cards) < len(Tags(client.get(REPORT_URL).text).with_class("article", "study-card"))
    design_badges = re.findall(r'<span class="badge design">([^<]*)</span>', client.get(REPORT_URL + "&design=rct").text)
    assert design_badges and set(design_badges) == {"randomised controlled trial"}


def test_form_post_without_js_shows_a_refreshing_job_page_then_the_report(client: TestClient) -> None:
    response = client.post("/ask", data={"q": "Is melatonin safe for children?", "design": "rct"},
                           follow_redirects=False)
    assert response.status_code == 303
    job_url = response.headers["location"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = client.get(job_url, follow_redirects=False)
        if page.status_code == 303:
            break
        assert page.status_code == 200 and 'http-equiv="refresh"' in page.text
        time.sleep(0.05)
    location = unquote(page.headers["location"].replace("+", " "))
    assert location.startswith("/report?q=Is melatonin safe for children?") and "design=rct" in location
    assert client.get(page.headers["location"]).status_code == 200


def test_form_post_with_accept_json_returns_the_job(client: TestClient) -> None:
    response = client.post("/ask", data={"q": QUESTION}, headers={"accept": "application/json"})
    assert response.status_code == 202 and response.json()["status_url"].startswith("/api/jobs/")


def test_bad_form_input_shows_an_html_error_page(client: TestClient) -> None:
    response = client.get("/report?q=melatonin&year_min=1990&year_max=1980")
    assert response.status_code == 422 and "text/html" in response.headers["content-type"]
    assert "year_min is after year_max" in response.text


def test_paper_page_highlights_spans_that_match_the_abstract(client: TestClient) -> None:
    html = client.get("/paper/pmid:1000001").text
    marks = re.findall(r'<mark class="hl hl-([a-z]+)" title="[^"]*">([^<]*)</mark>', html)
    assert {"dose", "intervention"} <= {kind for kind, _ in marks}
    paper = client.get("/api/papers/pmid:1000001").json()["paper"]
    for _, text in marks:
        assert html_unescape(text) in paper["abstract"] + paper["title"]
    assert "Extracted facts" in html and "5 mg daily" in html


def test_library_page_has_upload_form_with_limit(client: TestClient) -> None:
    page = Tags(client.get("/library").text)
    [form] = page.find("form", action="/library/upload")
    assert form["enctype"] == "multipart/form-data" and int(form["data-max-bytes"]) > 0
    assert page.find("input", type="file", name="file")
    assert page.find("progress")


def test_paper_fields_and_user_strings_are_escaped(tmp_path: Path) -> None:
    records = tmp_path / "evil.jsonl"
    records.write_text(
        '{"pmid": "42", "title": "<script>alert(1)</script> melatonin", "abstract": "<img src=x onerror=alert(1)> melatonin trial.",'
        ' "authors": ["<b>Bold</b>"], "journal": "\\"><svg onload=alert(1)>", "year": 2020}\n', encoding="utf-8")
    settings = Settings.load(None, [f"library.path={tmp_path / 'lib.sqlite'}", OFFLINE])
    pipeline.add([records], settings)
    with TestClient(create_app(settings)) as test_client:
        for url in ("/paper/pmid:42", "/search?q=melatonin", "/report?q=melatonin+%3Cscript%3Ealert(1)%3C/script%3E",
                    "/paper/%3Cscript%3Ealert(1)%3C%2Fscript%3E"):
            html = test_client.get(url).text
            assert "<script>alert" not in html and "<img src=x" not in html and "<svg onload" not in html
            assert "<b>Bold" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in test_client.get("/paper/pmid:42").text


def test_a_job_report_is_served_from_the_cache_even_when_asking_wrote_to_the_library(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evidentia.web.service import Service

    calls: list[str] = []
    original = Service._ask_now
    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"pmid": "77", "title": "Unrelated zebrafish fin study", "abstract": "Fins regrow.", "year": 2019}\n')

    def asking_writes(self: Service, params: object) -> object:
        calls.append("ask")
        result = original(self, params)  # type: ignore[arg-type]
        pipeline.add([extra], self.settings)  # as live sources or new analyses would
        return result

    monkeypatch.setattr(Service, "_ask_now", asking_writes)
    job_url = client.post("/ask", data={"q": "Does melatonin help night shift workers?"},
                          follow_redirects=False).headers["location"]
    deadline = time.monotonic() + 30
    while (page := client.get(job_url, follow_redirects=False)).status_code == 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert page.status_code == 303
    report = client.get(page.headers["location"])
    assert report.status_code == 200 and 'class="answer-card"' in report.text
    assert calls == ["ask"]  # the report page did not ask again


def test_offline_reports_make_no_live_requests(report_page: Tags) -> None:
    assert "live source" not in " ".join(report_page.text)
