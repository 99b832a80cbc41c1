"""Golden report: hand-written abstracts on a made-up drug, end to end, against expected output.

``tests/data/golden/studies.jsonl`` holds eight short abstracts written for this test about a
fictional drug, tavorexin, and spasticity: a crossover trial and a cohort study in multiple
sclerosis, a positive and a null trial in spinal cord injury (at different doses), a case report
in cerebral palsy, a rat study, and two studies that do not address the question (a
pharmacokinetic study and a melatonin trial). ``expected.json`` says which sections the report
must have, in which order, which studies each cites, which facts their sentences state, the
contradiction and its reason, the grades, the conclusion, and what the plain-language version
must say. The records go through the real pipeline: ingest, retrieval, analysis, synthesis.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.models import Report
from evidentia.render import render
from evidentia.synthesise import check_report

GOLDEN = Path(__file__).parent / "data" / "golden"
EXPECTED = json.loads((GOLDEN / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    library = tmp_path_factory.mktemp("golden") / "golden.sqlite"
    settings = Settings.load(None, [f"library.path={library}"])
    pipeline.add([GOLDEN / "studies.jsonl"], settings)
    return settings


@pytest.fixture(scope="module")
def report(settings: Settings) -> Report:
    return pipeline.ask(EXPECTED["question"], settings, offline=True)


@pytest.fixture(scope="module")
def explainer(settings: Settings) -> Report:
    return pipeline.ask(EXPECTED["question"], settings, offline=True, style="explainer")


def cited(claims) -> set[str]:
    return {pid for claim in claims for pid in claim.citations}


def test_answer_meter_and_grade(report: Report) -> None:
    assert report.answer.text.startswith(EXPECTED["answer_starts"])
    assert report.answer.citations == EXPECTED["answer_cites"]
    meter = EXPECTED["meter"]  # yes and possibly together: the analyser's call between them
    assert (report.meter.yes + report.meter.possibly, report.meter.no, report.meter.unclear) == \
        (meter["yes_or_possibly"], meter["no"], meter["unclear"])
    assert report.grade is not None and report.grade.level == EXPECTED["grade"]


def test_sections_in_order_with_their_studies(report: Report) -> None:
    assert [s.heading for s in report.sections] == [s["heading"] for s in EXPECTED["sections"]]
    for section, expected in zip(report.sections, EXPECTED["sections"], strict=True):
        assert cited(section.sentences) == set(expected["cites"]), section.heading
        assert section.grade is not None and section.grade.level == expected["grade"]
        assert section.sentences[0].kind == "summary"


@pytest.mark.parametrize("expected", EXPECTED["sections"], ids=lambda s: s["heading"])
def test_each_study_sentence_states_its_facts(report: Report, expected: dict) -> None:
    section = next(s for s in report.sections if s.heading == expected["heading"])
    for paper_id, facts in expected["facts"].items():
        text = " ".join(c.text for c in section.sentences if c.citations == [paper_id])
        for fact in facts:
            assert fact in text, f"{fact!r} not said of {paper_id}: {text}"


def test_contradiction_is_named_with_its_reason(report: Report) -> None:
    for expected in EXPECTED["sections"]:
        section = next(s for s in report.sections if s.heading == expected["heading"])
        conflicts = [c for c in section.sentences if c.kind == "contradiction"]
        if "contradiction" not in expected:
            assert conflicts == []
            continue
        assert len(conflicts) == 1 and set(conflicts[0].citations) == set(expected["cites"])
        for words in expected["contradiction"]:
            assert words in conflicts[0].text


def test_studies_that_do_not_address_the_question_are_not_cited(report: Report) -> None:
    assert not cited(report.claims()) & set(EXPECTED["not_cited"])
    for study in report.studies:
        if study.paper_id in EXPECTED["not_cited"]:
            assert study.stance.stance == "unclear" and study.number is None


def test_conclusion_weighs_limits_and_asks_for_research(report: Report) -> None:
    text = render(report, "md")
    conclusion = text[text.index("## Conclusion"):text.index("## Notes")]
    for words in EXPECTED["conclusion"]:
        assert words in conclusion


def test_every_sentence_passes_the_checker(settings: Settings, report: Report,
                                           explainer: Report) -> None:
    with pipeline.open_library(settings, create=False) as library:
        for each in (report, explainer):
            papers = library.get_many(cited(each.claims()))
            assert check_report(each, papers) == []
            assert all(v["verdict"] == "pass" for v in pipeline.check(each, settings))


def test_explainer_is_plain_cited_and_readable(explainer: Report) -> None:
    textstat = pytest.importorskip("textstat")
    expected = EXPECTED["explainer"]
    headings = [s.heading for s in explainer.sections]
    assert [h for h in headings if h in expected["headings"]] == expected["headings"]
    text = render(explainer, "md")
    for words in expected["mentions"]:
        assert words in text
    body = " ".join(re.sub(r"\[[\d, ]+\]", "", claim.text) for claim in explainer.claims())
    assert textstat.flesch_kincaid_grade(body) <= expected["max_grade_level"]


def test_same_library_same_report(settings: Settings, report: Report) -> None:
    again = pipeline.ask(EXPECTED["question"], settings, offline=True)
    assert again.model_dump_json() == report.model_dump_json()


def test_ask_check_prints_a_verdict_per_sentence(settings: Settings, report: Report,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from evidentia.cli import main

    library = str(settings.library.path)
    try:
        main(["ask", EXPECTED["question"], "--offline", "--check", "--library", library])
    except SystemExit as exit_:
        assert exit_.code in (0, None)
    out = capsys.readouterr().out
    sentences = len(report.claims())
    assert out.count(" PASS ") == sentences and " FAIL " not in out
    assert "checked numbers: 0.004, 400, 15, three; doses: 400 mg; scales: Ashworth Scale" in out
    assert out.rstrip().endswith(f"{sentences} of {sentences} sentences pass the faithfulness"
                                 " check.")
    main(["ask", EXPECTED["question"], "--offline", "--check", "--format", "json",
          "--library", library])
    verdicts = json.loads(capsys.readouterr().out)
    assert [v["text"] for v in verdicts] == [c.text for c in report.claims()]
    assert {v["verdict"] for v in verdicts} == {"pass"}
