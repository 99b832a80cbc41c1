"""Every sentence a report emits passes the faithfulness checker, over real corpora.

About 40 questions (SciFact claims, PubMedQA questions, Evidence Inference prompts) are answered
in both styles over small libraries built from the shared data: each question's own abstracts
plus a few hundred others. Every emitted sentence must pass ``check_report`` against the papers
it cites, every citation must resolve, and every evidence span must point into its paper. The
benchmark (``benchmarks/faithfulness.py``) runs the same code on hundreds of questions.
"""

from __future__ import annotations

import importlib
import re
import sys
from pathlib import Path

import pytest

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.models import Report
from evidentia.render import render
from evidentia.synthesise import check_report

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
PLAN = {"scifact": (14, 400), "pubmedqa": (14, 250), "evidence_inference": (12, 250)}


@pytest.fixture(scope="module")
def bench(shared_data: Path):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("faithfulness"), importlib.import_module("corpora")
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def libraries(bench, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    faithfulness, corpora = bench
    work = tmp_path_factory.mktemp("faithfulness")
    out = {}
    for corpus, (count, extra) in PLAN.items():
        questions = corpora.spread(corpora.QUESTIONS[corpus](shared_data), count)
        records = corpora.subset(list(corpora.RECORDS[corpus](shared_data)), questions, extra)
        library = faithfulness.build_library(work / f"{corpus}.sqlite", records)
        out[corpus] = (library, questions)
    return out


@pytest.fixture(scope="module")
def results(bench, libraries: dict) -> dict:
    faithfulness, _ = bench
    return {(corpus, style): faithfulness.check_questions(library, questions, style)
            for corpus, (library, questions) in libraries.items()
            for style in ("pro", "explainer")}


def test_every_emitted_sentence_passes_the_checker(results: dict) -> None:
    total = sum(tally.sentences for tally in results.values())
    failures = [failure for tally in results.values() for failure in tally.failures]
    assert sum(tally.reports for tally in results.values()) == 2 * sum(
        count for count, _ in PLAN.values())
    assert total > 500
    assert failures == [], failures[:3]
    dropped = sum(tally.dropped for tally in results.values())
    print(f"\n{total} sentences emitted, all pass; {dropped} dropped before emitting")


def test_reports_describe_studies_with_sections_and_grades(results: dict) -> None:
    described = sum(tally.relevant for (_, style), tally in results.items() if style == "pro")
    assert described >= 20  # the questions' own abstracts are found and described


def _reports(libraries: dict, style: str, corpus: str, count: int) -> list[tuple[Report, dict]]:
    library, questions = libraries[corpus]
    settings = Settings.load(None, [f"library.path={library}"])
    out = []
    with pipeline.open_library(settings, create=False) as store:
        for question in questions[:count]:
            report = pipeline.ask(question.text, settings, offline=True, style=style)
            cited = [pid for claim in report.claims() for pid in claim.citations]
            out.append((report, store.get_many(cited)))
    return out


@pytest.mark.parametrize("style", ["pro", "explainer"])
def test_evidence_spans_and_markers_resolve(libraries: dict, style: str) -> None:
    for report, papers in _reports(libraries, style, "pubmedqa", 6):
        numbers = {source.number: source.id for source in report.sources}
        for claim in report.claims():
            assert set(claim.citations) <= set(papers)
            for evidence in claim.evidence:
                text = papers[evidence.paper_id].text_of(evidence.field)
                assert text[evidence.start:evidence.end] == evidence.text
            markers = [int(n) for n in markers_of(claim.text)]
            assert {numbers[n] for n in markers} <= set(claim.citations)
        assert check_report(report, papers) == []
        assert render(report, "md") and render(report, "html")


def markers_of(text: str) -> list[str]:
    return [n for group in re.findall(r"\[([\d, ]+)\]", text) for n in group.split(",")]
