"""Every extracted fact points at the text it came from; analyse() is total and deterministic."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidentia.analyse import (
    ANALYSER_VERSION,
    MAX_ABSTRACT_CHARS,
    analyse,
    judge_stance,
)
from evidentia.models import Paper, QueryAnalysis, Span, StudyFacts

SCIFACT_ABSTRACTS = 500


def all_spans(facts: StudyFacts) -> Iterator[Span]:
    """Every span a StudyFacts carries, however deep."""
    yield from (Span(field="abstract", start=s.start, end=s.end, text=s.text) for s in facts.sentences)
    for group in (facts.design_cues, facts.conditions, facts.population, facts.interventions,
                  facts.comparators, facts.outcome_measures, facts.adverse_effects, facts.mechanisms):
        yield from (fact.span for fact in group)
    yield from (dose.span for dose in facts.doses)
    for finding in [*facts.findings, *([facts.key_finding] if facts.key_finding else [])]:
        yield finding.span
        yield from (number.span for number in finding.numbers)
    if facts.sample_size:
        yield facts.sample_size.span
    if facts.species_span:
        yield facts.species_span


def assert_spans_point_at_text(paper: Paper, facts: StudyFacts) -> None:
    for span in all_spans(facts):
        text = paper.text_of(span.field)
        assert 0 <= span.start <= span.end <= len(text), (paper.id, span)
        assert text[span.start:span.end] == span.text, (paper.id, span)


@pytest.fixture(scope="module")
def scifact_papers(shared_data: Path) -> list[Paper]:
    papers = []
    with (shared_data / "scifact" / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            papers.append(Paper(id=f"doc:{row['doc_id']}", title=row["title"],
                                abstract=" ".join(row["abstract"])))
            if len(papers) == SCIFACT_ABSTRACTS:
                break
    return papers


@pytest.mark.shared_data
def test_every_span_points_at_its_text_on_scifact(scifact_papers: list[Paper]) -> None:
    assert len(scifact_papers) == SCIFACT_ABSTRACTS
    query = QueryAnalysis(question="Does treatment reduce mortality in patients?")
    for paper in scifact_papers:
        facts = analyse(paper)
        assert facts.paper_id == paper.id and facts.analyser_version == ANALYSER_VERSION
        assert_spans_point_at_text(paper, facts)
        judgement = judge_stance(query, paper, facts)
        if judgement.span:
            assert paper.abstract[judgement.span.start:judgement.span.end] == judgement.span.text


@pytest.mark.shared_data
def test_scifact_extraction_finds_things(scifact_papers: list[Paper]) -> None:
    """A coarse floor, so that a broken extractor (finding nothing) cannot pass unnoticed."""
    analysed = [analyse(p) for p in scifact_papers]
    assert sum(f.sample_size is not None for f in analysed) >= 50
    assert sum(bool(f.findings) for f in analysed) >= 400
    assert sum(f.design != "other" for f in analysed) >= 150
    assert sum(bool(f.conditions) for f in analysed) >= 250
    assert sum(f.species != "unknown" for f in analysed) >= 250


_PIECES = list("abcXYZ019 .,;:()[]%<=-/\n") + [
    "patients ", "n = ", "mg ", "p < 0.05", "95% CI ", "randomized ", "BACKGROUND: ",
    "RESULTS: ", "et al. ", "vs. ", "twenty ", "did not ", "significantly ", "reduced ",
]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=120).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_TEXT, abstract=_TEXT)
def test_any_text_gives_valid_spans(title: str, abstract: str) -> None:
    paper = Paper(id="doc:x", title=title, abstract=abstract)
    facts = analyse(paper)
    assert_spans_point_at_text(paper, facts)
    judge_stance(QueryAnalysis(question="Does X reduce pain?"), paper, facts)


def test_analysis_is_deterministic() -> None:
    paper = Paper(id="doc:1", title="Drug X for pain: a randomised trial", abstract=(
        "METHODS: Forty adults received 400 mg X or placebo. RESULTS: Pain fell by 30% (p<0.01). "
        "CONCLUSIONS: X reduces pain."))
    assert analyse(paper) == analyse(paper)


def test_very_long_abstracts_are_cut_to_a_prefix() -> None:
    sentence = "Forty patients received 400 mg of X daily and pain fell by 30% (p < 0.01). "
    paper = Paper(id="doc:1", abstract=sentence * (MAX_ABSTRACT_CHARS // len(sentence) + 50))
    facts = analyse(paper)
    assert facts.sentences and facts.sentences[-1].end <= MAX_ABSTRACT_CHARS
    assert_spans_point_at_text(paper, facts)


def test_empty_paper() -> None:
    facts = analyse(Paper(id="doc:empty"))
    assert (facts.sentences, facts.design, facts.sample_size, facts.key_finding) == ([], "other", None, None)
    judgement = judge_stance(QueryAnalysis(question="Does X work?"), Paper(id="doc:empty"), facts)
    assert judgement.stance == "unclear"
