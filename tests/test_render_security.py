"""Hostile strings in papers and questions are shown as text, never run or followed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from evidentia.models import Claim, Grade, Meter, Report, Section, Source
from evidentia.render import render

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"

ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "main", "header", "p", "h1",
                "h2", "section", "div", "span", "ul", "ol", "li", "i", "a", "em", "strong",
                "footer"}


def hostile_report() -> Report:
    sources = [
        Source(number=1, id="pmid:1", pmid="1", doi='10.1234/x"><script>y</script>',
               title=f"Title {IMG} {SCRIPT}", year=2001, authors=[SCRIPT, IMG, "Lee K"],
               journal=JS_URL, url=JS_URL),
        Source(number=2, id="doc:2", title="[click](javascript:alert(1)) *bold*",
               authors=["<b>Bold</b>"], journal=f"J {IMG}", url=JS_URL),
        Source(number=3, id="doc:3", title="Plain", url="data:text/html,<script>x</script>"),
    ]
    claim = Claim(text=f"Finding {SCRIPT} and {IMG} [1, 2].", citations=["pmid:1", "doc:2"],
                  kind="finding")
    return Report(
        question=f"Does {SCRIPT} help? {IMG}",
        answer=Claim(text=f"Mostly yes {IMG} [1].", citations=["pmid:1"], kind="answer"),
        meter=Meter(yes=5, no=1, shown=True),
        grade=Grade(level="low", reasons=[SCRIPT]),
        sections=[Section(heading=f"Heading {SCRIPT}", sentences=[claim],
                          grade=Grade(level="very low", reasons=[IMG]))],
        conclusion=[Claim(text=f"Limit {SCRIPT} [3].", citations=["doc:3"], kind="limitation")],
        sources=sources, notices=[f"notice {SCRIPT}", JS_URL], version=f"v {SCRIPT}",
    )


class TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def html() -> str:
    return render(hostile_report(), "html")


def test_no_script_or_injected_tag_survives(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered
    parser = TagCollector()
    parser.feed(html)
    assert {tag for tag, _ in parser.tags} <= ALLOWED_TAGS
    for tag, attrs in parser.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)


def test_hostile_strings_appear_escaped(html: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<title>Does &lt;script&gt;" in html


def test_links_are_only_anchors_pubmed_or_doi(html: str) -> None:
    parser = TagCollector()
    parser.feed(html)
    hrefs = [attrs["href"] for tag, attrs in parser.tags if tag == "a"]
    assert hrefs
    for href in hrefs:
        assert href.startswith(("#src-", "https://pubmed.ncbi.nlm.nih.gov/", "https://doi.org/"))
        assert "javascript" not in href.lower() and '"' not in href and "<" not in href
    assert "https://doi.org/10.1234/x%22%3E%3Cscript%3Ey%3C/script%3E" in hrefs


def test_markdown_escapes_html_links_and_emphasis() -> None:
    text = render(hostile_report(), "md")
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert "&lt;script>alert(1)&lt;/script>" in text
    assert not re.search(r"(?<!\\)\]\((?:javascript|data):", text)  # no live link
    assert r"\[click\](javascript:alert(1)) \*bold\*" in text
    assert re.search(r"^# Does &lt;script>", text)


def test_json_keeps_strings_verbatim_as_data() -> None:
    text = render(hostile_report(), "json")
    assert Report.model_validate_json(text) == hostile_report()


def test_markdown_rendered_by_a_markdown_engine_stays_inert() -> None:
    markdown_it = pytest.importorskip("markdown_it")
    page = markdown_it.MarkdownIt("commonmark").render(render(hostile_report(), "md"))
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<b>" not in lowered
    assert "<strong>bold" not in lowered and "<em>bold" not in lowered
    hrefs = re.findall(r'href="([^"]*)"', page)
    assert hrefs and all(href.startswith("https://") for href in hrefs)
