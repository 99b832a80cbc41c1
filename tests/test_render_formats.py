"""Rendering a synthesised report as Markdown, JSON and HTML."""

from __future__ import annotations

import json
import re

import pytest
from test_synthesise_corpus import corpus_a, corpus_b, query_a, query_b

from evidentia.config import SynthesiseSettings
from evidentia.errors import InputError
from evidentia.models import Report
from evidentia.render import render
from evidentia.synthesise import synthesise


def make_report(query=query_a, corpus=corpus_a, **settings) -> Report:
    return synthesise(query(), corpus(), settings=SynthesiseSettings(**settings))


@pytest.fixture(scope="module")
def report() -> Report:
    return make_report()


@pytest.fixture(scope="module")
def markdown(report: Report) -> str:
    return render(report, "md")


@pytest.fixture(scope="module")
def html(report: Report) -> str:
    return render(report, "html")


# --------------------------------------------------------------------------- markdown


def test_markdown_leads_with_question_answer_meter_and_grade(markdown: str) -> None:
    lines = markdown.splitlines()
    assert lines[0] == "# Does melatonin improve sleep?"
    assert lines[2].startswith("**Answer:** Mostly yes: 5 of 7 studies")
    assert "`Yes ████████░░ 5 · Possibly 1 · No 1 · Unclear 1`" in lines
    assert "**Certainty of the evidence:** Moderate (starts high" in markdown


def test_markdown_sections_have_headings_and_grades(markdown: str, report: Report) -> None:
    for section in report.sections:
        assert f"## {section.heading}\n\n*Certainty: " in markdown
    assert markdown.index("## Animal studies") < markdown.index("## Conclusion") \
        < markdown.index("## Notes") < markdown.index("## Sources")
    assert "**Limitations**" in markdown and "**Research needed:**" in markdown


def test_markdown_states_the_filters_used() -> None:
    from test_synthesise_corpus import corpus_a, query_a

    from evidentia.config import SynthesiseSettings
    from evidentia.models import Filters
    from evidentia.render import render
    from evidentia.synthesise import synthesise

    filters = Filters(year_min=2015, designs=["rct", "cohort"], species="human",
                      min_sample_size=20)
    report = synthesise(query_a(), corpus_a(), settings=SynthesiseSettings(), filters=filters)
    line = ("*Filters: published in 2015 or later; designs: randomised controlled trial, cohort"
            " study; human studies only; at least 20 participants.*")
    assert line in render(report, "md")
    assert "Filters: published in 2015 or later" in render(report, "html")
    assert "Filters:" not in render(synthesise(query_a(), corpus_a(),
                                               settings=SynthesiseSettings()), "md")


def test_markdown_source_list_format(markdown: str) -> None:
    assert ("2. Appleby K, Brandt L, et al. (2019). Melatonin for sleep onset insomnia in children "
            "with autism spectrum disorder: a randomised, double-blind, placebo-controlled "
            "crossover trial. *J Sleep Res*. PMID: "
            "[31000001](https://pubmed.ncbi.nlm.nih.gov/31000001/) doi: "
            "[10.5555/31000001](https://doi.org/10.5555/31000001)") in markdown
    assert "1. Gringras P (2017)." in markdown


def test_markdown_keeps_citation_markers_readable(markdown: str, report: Report) -> None:
    numbers = {int(n) for m in re.findall(r"\[([\d, ]+)\](?!\()", markdown)
               for n in m.split(",")}
    assert numbers == {source.number for source in report.sources}
    assert "\\[" not in markdown.split("## Sources")[0]


def test_markdown_without_meter_for_too_few_studies() -> None:
    text = render(make_report(query_b, corpus_b), "md")
    assert "Yes █" not in text and "░" not in text
    assert text.startswith("# Does low-dose aspirin prevent preeclampsia?\n")


# --------------------------------------------------------------------------- json


def test_json_has_the_documented_shape(report: Report) -> None:
    data = json.loads(render(report, "json"))
    assert data["question"] == "Does melatonin improve sleep?"
    assert data["answer"]["text"].startswith("Mostly yes")
    assert data["meter"] == {"yes": 5, "possibly": 1, "no": 1, "unclear": 1, "shown": True}
    first = data["sections"][0]
    assert first["heading"] == "Melatonin for sleep in autism spectrum disorder"
    sentence = first["sentences"][1]
    assert sentence["text"] and sentence["citations"]
    assert {"paper_id", "start", "end", "text", "field"} <= set(sentence["evidence"][0])
    source = data["sources"][0]
    assert {"number", "id", "pmid", "doi", "title", "year", "authors", "journal", "url"} <= \
        set(source)


def test_json_round_trips(report: Report) -> None:
    assert Report.model_validate_json(render(report, "json")) == report


def test_json_evidence_spans_point_into_the_papers(report: Report) -> None:
    papers = {paper.id: paper for _, paper, _, _ in corpus_a()}
    data = json.loads(render(report, "json"))
    spans = [ev for s in data["sections"] for c in s["sentences"] for ev in c["evidence"]]
    assert len(spans) > 20
    for ev in spans:
        text = papers[ev["paper_id"]].title if ev["field"] == "title" \
            else papers[ev["paper_id"]].abstract
        assert text[ev["start"]:ev["end"]] == ev["text"]


# --------------------------------------------------------------------------- html


def test_html_is_one_self_contained_file(html: str) -> None:
    assert html.startswith("<!DOCTYPE html>")
    lowered = html.lower()
    assert "<script" not in lowered and "<link" not in lowered and " src=" not in lowered
    assert "@import" not in lowered and "url(" not in lowered
    assert "<style>" in html and "Content-Security-Policy" in html


def test_html_citations_link_to_source_anchors(html: str, report: Report) -> None:
    targets = set(re.findall(r'href="#(src-\d+)"', html))
    anchors = set(re.findall(r'id="(src-\d+)"', html))
    assert targets == anchors == {f"src-{s.number}" for s in report.sources}


def test_html_source_links_are_safe_and_external(html: str) -> None:
    external = re.findall(r'<a href="(https?://[^"]+)"([^>]*)>', html)
    assert external and all('rel="noopener noreferrer"' in attrs for _, attrs in external)
    assert {url.split("/")[2] for url, _ in external} == {"pubmed.ncbi.nlm.nih.gov", "doi.org"}


def test_html_shows_meter_grade_sections_and_contradiction(html: str, report: Report) -> None:
    assert 'class="meter"' in html and 'class="yes" style="width: 62.5%"' in html
    assert "Certainty: Moderate" in html
    for section in report.sections:
        assert f"<h2>{section.heading.replace(chr(39), '&#39;')}</h2>" in html
    assert '<p class="contradiction">' in html


def test_explainer_renders_its_parts() -> None:
    report = make_report(style="explainer")
    text = render(report, "html")
    assert "Questions to ask your doctor" in text and "not medical advice" in text
    assert '<ul class="questions">\n<li>Could melatonin help someone like me' in text
    assert "\n- Could melatonin help someone like me" in render(report, "md")


# --------------------------------------------------------------------------- all formats


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
def test_rendering_is_deterministic(fmt: str) -> None:
    assert render(make_report(), fmt) == render(make_report(), fmt)


@pytest.mark.parametrize("fmt", ["pdf", "", "markdown"])
def test_unknown_format_is_an_input_error(report: Report, fmt: str) -> None:
    with pytest.raises(InputError, match="unknown report format"):
        render(report, fmt)


@pytest.mark.parametrize("fmt", ["MD", " html "])
def test_format_names_are_forgiving(report: Report, fmt: str) -> None:
    assert render(report, fmt)
