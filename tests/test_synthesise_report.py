"""Synthesis on hand-made studies: answer, meter, sections, citations, check, determinism."""

from __future__ import annotations

import logging
import re

import pytest
from test_synthesise_corpus import (
    A1,
    A2,
    A3,
    A5,
    B1,
    B2,
    TOPIC_A,
    build,
    corpus_a,
    corpus_b,
    make_study,
    query_a,
    query_b,
    query_c,
)

from evidentia.config import SynthesiseSettings
from evidentia.models import Claim, Finding, Report
from evidentia.synthesise import check_claim, check_report, synthesise
from evidentia.synthesise.textfacts import claim_numbers, source_numbers

RETRACTED = "pmid:31000008"


def report_for(query, studies, **settings) -> Report:
    return synthesise(query, studies, settings=SynthesiseSettings(**settings))


@pytest.fixture(scope="module")
def report_a() -> Report:
    return report_for(query_a(), corpus_a())


@pytest.fixture(scope="module")
def papers_a() -> dict:
    return {paper.id: paper for _, paper, _, _ in corpus_a()}


def section(report: Report, heading: str):
    return next(s for s in report.sections if s.heading == heading)


# --------------------------------------------------------------------------- answer and meter


def test_answer_weighs_the_evidence_and_cites_the_strongest(report_a: Report) -> None:
    answer = report_a.answer
    assert answer.kind == "answer"
    assert answer.text.startswith("Mostly yes: 5 of 7 studies that address the question")
    assert answer.citations == ["pmid:31000002", "pmid:31000001"]  # the two largest RCTs
    assert answer.evidence and all(ev.paper_id in answer.citations for ev in answer.evidence)


def test_meter_counts_stances_and_is_shown_for_yes_no_questions(report_a: Report) -> None:
    meter = report_a.meter
    assert (meter.yes, meter.possibly, meter.no, meter.unclear) == (5, 1, 1, 1)
    assert meter.shown


@pytest.mark.parametrize(
    "query, minimum, shown",
    [(query_a, 5, True), (query_a, 8, False), (query_c, 1, False)],
    ids=["enough-relevant", "too-few-relevant", "not-yes-no"],
)
def test_meter_shown_only_for_yes_no_with_enough_studies(query, minimum, shown) -> None:
    report = report_for(query(), corpus_a(), meter_min_studies=minimum)
    assert report.meter.shown is shown


def test_weight_beats_a_raw_vote() -> None:
    """One large RCT saying no outweighs three case reports saying yes."""
    no_trial = dict(A3, size=(40, "Forty patients with Parkinson's disease", "patients"))
    reports = [dict(A5, pid=f"pmid:4000000{i}", design="case_report") for i in range(3)]
    report = report_for(query_a(), build([no_trial] + reports))
    assert not report.answer.text.startswith(("Yes", "Mostly yes"))


def test_no_studies_gives_too_little_evidence() -> None:
    report = report_for(query_a(), [])
    assert report.answer.text.startswith("Too little evidence to answer")
    assert report.sources == [] and report.sections == []


def test_only_animal_evidence_says_so() -> None:
    animal = next(spec for spec in TOPIC_A if spec["design"] == "animal")
    report = report_for(query_a(), build([animal]))
    assert report.answer.text.startswith("Too little evidence in people to answer")
    assert report.grade is not None and report.grade.level == "very low"


def test_other_questions_get_a_summary_answer() -> None:
    report = report_for(query_c(), corpus_b())
    assert report.answer.text.startswith("The 2 studies that address the question cover")
    assert "meta-analysis" in report.answer.text
    assert report.answer.citations == [B1["pid"], B2["pid"]]  # all it covers; the strongest first


# --------------------------------------------------------------------------- sections


def test_sections_grouped_by_condition_with_question_words(report_a: Report) -> None:
    headings = [s.heading for s in report_a.sections]
    assert headings == [
        "Melatonin for sleep in autism spectrum disorder",
        "Melatonin for sleep in Parkinson's disease",
        "Melatonin for sleep in insomnia",
        "Melatonin for sleep in Smith-Magenis syndrome",
        "Animal studies of melatonin for sleep",
    ]
    kinds = [s.kind for s in report_a.sections]
    assert kinds == ["condition"] * 4 + ["animal"]


def test_a_study_that_does_not_address_the_question_is_not_counted_or_described(
        report_a: Report) -> None:
    in_vitro = "pmid:31000007"  # stance unclear: it does not speak to sleep
    assert in_vitro not in {pid for claim in report_a.claims() for pid in claim.citations}
    assert any("1 of the 8 studies found does not address" in n for n in report_a.notices)


def test_off_topic_studies_leave_the_meter_and_the_answer() -> None:
    """A retrieved study about something else does not count, whatever stance it was given."""
    off_topic = dict(B2, pid="pmid:33000001", stance="no")  # aspirin and preeclampsia
    report = report_for(query_a(), build([A1, A2, off_topic]))
    assert (report.meter.yes, report.meter.no, report.meter.unclear) == (2, 0, 0)
    assert report.answer.text.startswith(("Yes", "Mostly yes"))
    study = next(s for s in report.studies if s.paper_id == "pmid:33000001")
    assert study.stance.stance == "unclear" and study.number is None


def test_each_section_opens_with_a_summary_and_has_a_grade(report_a: Report) -> None:
    for sec in report_a.sections:
        assert sec.sentences[0].kind == "summary"
        assert sec.grade is not None and sec.grade.reasons
    autism = section(report_a, "Melatonin for sleep in autism spectrum disorder")
    assert autism.grade.level == "moderate"
    assert "both point towards yes" in autism.sentences[0].text


def test_study_sentence_is_built_from_the_facts(report_a: Report) -> None:
    autism = section(report_a, "Melatonin for sleep in autism spectrum disorder")
    crossover = next(c for c in autism.sentences if c.citations == [A1["pid"]]
                     and "28 minutes" in c.text)
    for words in ("double-blind", "placebo-controlled crossover trial", "melatonin (3 mg)",
                  "22 children with autism spectrum disorder", "(p < 0.001)"):
        assert words in crossover.text
    assert re.search(r"\[\d+\]\.$", crossover.text)
    fields = {(ev.paper_id, ev.text) for ev in crossover.evidence}
    assert (A1["pid"], "22 children with autism spectrum disorder") in fields
    assert all(ev.sentence_id and ev.sentence_id.startswith(A1["pid"] + "#s")
               for ev in crossover.evidence if ev.field == "abstract")


def test_contradiction_names_both_sides_and_a_reason(report_a: Report) -> None:
    parkinson = section(report_a, "Melatonin for sleep in Parkinson's disease")
    conflict = [c for c in parkinson.sentences if c.kind == "contradiction"]
    assert len(conflict) == 1
    text = conflict[0].text
    assert set(conflict[0].citations) == {A3["pid"], A5["pid"]}
    assert "towards yes" in text and "towards no" in text
    assert "difference in design" in text and "3 to 12 mg versus 5 mg" in text


def test_no_contradiction_where_studies_agree(report_a: Report) -> None:
    autism = section(report_a, "Melatonin for sleep in autism spectrum disorder")
    assert all(c.kind != "contradiction" for c in autism.sentences)


def test_second_topic_contradiction_reason_is_dose_or_design() -> None:
    report = report_for(query_b(), corpus_b())
    assert [s.heading for s in report.sections] == ["Aspirin for preeclampsia"]
    first = report.sections[0].sentences[1].text
    assert first.startswith("A meta-analysis of low-dose aspirin in 20,909 pregnant women found")
    assert first.count("60 to 150 mg daily") == 1  # the dose is said once, in the result
    conflict = next(c for c in report.sections[0].sentences if c.kind == "contradiction")
    assert "60 to 150 mg daily versus 81 mg daily" in conflict.text
    assert report.answer.text.startswith("Leaning yes")  # 1 vs 1, the meta-analysis weighs more
    assert not report.meter.shown


def test_conclusion_weighs_and_names_limitations(report_a: Report) -> None:
    kinds = [c.kind for c in report_a.conclusion]
    assert kinds[0] == "conclusion" and "limitation" in kinds and kinds[-1] == "research_need"
    text = " ".join(c.text for c in report_a.conclusion)
    assert "certainty of the evidence is moderate" in text
    assert "animal" in text and "small" in text
    assert "The trials were short (the longest lasted 13 weeks)" in text


# --------------------------------------------------------------------------- sources


def test_retracted_paper_is_excluded_and_never_cited(report_a: Report) -> None:
    assert report_a.excluded == [RETRACTED]
    assert any("retracted" in notice and RETRACTED in notice for notice in report_a.notices)
    assert RETRACTED not in {s.id for s in report_a.sources}
    assert all(RETRACTED not in claim.citations for claim in report_a.claims())
    assert RETRACTED not in {study.paper_id for study in report_a.studies}


def test_sources_are_the_cited_papers_numbered_by_first_citation(report_a: Report) -> None:
    order: list[str] = []
    for claim in report_a.claims():
        for pid in claim.citations:
            if pid not in order:
                order.append(pid)
    assert [s.id for s in report_a.sources] == order
    assert [s.number for s in report_a.sources] == list(range(1, len(order) + 1))
    first = report_a.sources[0]
    assert (first.pmid, first.doi, first.year) == ("31000002", "10.5555/31000002", 2017)


def test_every_marker_resolves_and_every_claim_cites(report_a: Report, papers_a) -> None:
    numbers = {s.number: s.id for s in report_a.sources}
    for claim in report_a.claims():
        markers = [int(n) for m in re.findall(r"\[([\d, ]+)\]", claim.text)
                   for n in m.split(",")]
        assert {numbers[n] for n in markers} == set(claim.citations)
    assert check_report(report_a, papers_a) == []


def test_numbers_in_sentences_are_in_the_cited_abstracts(report_a: Report, papers_a) -> None:
    checked = 0
    for claim in report_a.claims():
        texts = [f"{papers_a[pid].title}\n{papers_a[pid].abstract}" for pid in claim.citations]
        known = set().union(*(source_numbers(text) for text in texts)) if texts else set()
        for value, written in claim_numbers(claim.text):
            assert value in known, f"{written} in {claim.text!r}"
            checked += 1
    assert checked > 20


def test_studies_list_every_kept_study_with_its_number(report_a: Report) -> None:
    assert len(report_a.studies) == len(TOPIC_A) - 1
    numbered = {study.paper_id: study.number for study in report_a.studies}
    cited = {source.id: source.number for source in report_a.sources}
    assert numbered == {**cited, "pmid:31000007": None}
    assert [study.rank for study in report_a.studies] == sorted(s.rank for s in report_a.studies)


def test_max_studies_keeps_the_best_ranked_and_says_so() -> None:
    report = report_for(query_a(), corpus_a(), max_studies=3)
    assert any("first 3 of 8 studies" in notice for notice in report.notices)
    cited = {source.id for source in report.sources}
    assert cited == {"pmid:31000002", "pmid:31000001", "pmid:31000003"}
    assert len(report.studies) == 8  # all listed, only the first 3 described
    assert [s.number is None for s in report.studies].count(True) == 5


# --------------------------------------------------------------------------- faithfulness


def test_sentence_with_an_invented_number_is_dropped(caplog) -> None:
    studies = corpus_a()
    hit, paper, facts, stance = studies[1]  # A1
    bad = facts.findings[0]
    invented = Finding(sentence_id=bad.sentence_id, span=bad.span, numbers=bad.numbers,
                       text=bad.text.replace("28 minutes", "45 minutes"), direction="improved")
    studies[1] = (hit, paper, facts.model_copy(update={"findings": [invented]}), stance)
    with caplog.at_level(logging.WARNING, logger="evidentia.synthesise"):
        report = report_for(query_a(), studies)
    assert not any("45 minutes" in claim.text for claim in report.claims())
    assert any("45" in record.getMessage() for record in caplog.records)
    assert any(A1["pid"] in c.citations for c in report.claims())  # its other sentences stay


def test_check_off_keeps_the_sentence() -> None:
    studies = corpus_a()
    hit, paper, facts, stance = studies[1]
    bad = facts.findings[0]
    invented = bad.model_copy(update={"text": bad.text.replace("28 minutes", "45 minutes")})
    studies[1] = (hit, paper, facts.model_copy(update={"findings": [invented]}), stance)
    report = report_for(query_a(), studies, check=False)
    assert any("45 minutes" in claim.text for claim in report.claims())


def test_every_report_claim_passes_the_checker_alone(report_a: Report, papers_a) -> None:
    for claim in report_a.claims():
        assert check_claim(claim, papers_a, sources=report_a.sources) == []


# --------------------------------------------------------------------------- style, determinism


def test_explainer_style_is_plain_and_cited() -> None:
    report = report_for(query_a(), corpus_a(), style="explainer")
    assert [s.heading for s in report.sections] == [
        "What it is and how it may work", "What the research says", "Side effects and cautions",
        "When to talk to a doctor", "Questions to ask your doctor",
    ]
    scope = section(report, "What it is and how it may work").sentences[0].text
    assert scope.startswith("The studies tested melatonin in people with autism spectrum")
    assert any("not medical advice" in notice for notice in report.notices)
    found = section(report, "What the research says")
    assert all(c.citations for c in found.sentences)
    assert found.sentences[1].text.startswith("Two randomised trials, with 22 and 125 people,"
                                              " found that the answer was yes")
    questions = section(report, "Questions to ask your doctor").sentences
    assert questions and all(c.text.endswith("?") for c in questions)
    assert "melatonin" in questions[0].text
    cautions = " ".join(c.text for c in section(report, "Side effects and cautions").sentences)
    assert "somnolence" in cautions and "animals" in cautions
    assert report.answer.text.startswith("Probably yes.")


def test_same_input_same_report() -> None:
    first = report_for(query_a(), corpus_a()).model_dump_json()
    second = report_for(query_a(), corpus_a()).model_dump_json()
    assert first == second


def test_template_choice_varies_between_studies(report_a: Report) -> None:
    mains = [c.text for s in report_a.sections for c in s.sentences if c.kind == "finding"
             and re.search(r"\b(found that|reported that|according to|^In )", c.text)]
    openings = {re.sub(r"\[.*", "", text).split(" ")[0] for text in mains}
    assert len(openings) >= 3


def test_missing_slots_are_left_out_not_invented() -> None:
    bare = make_study(
        "pmid:50000001", 1, "A study of melatonin and sleep", "Sleep improved with melatonin.",
        stance="yes", stance_text="Sleep improved", design="other",
        findings=[("Sleep improved with melatonin.", "improved", None)],
        key="Sleep improved with melatonin.",
    )
    report = report_for(query_a(), [bare])
    sentences = [c.text for s in report.sections for c in s.sentences]
    assert any(t.startswith(("A study found", "In a study,", "A study reported", "A study of",
                             "Sleep improved")) for t in sentences)
    assert not any(re.search(r"\b(participants|patients|mg)\b", t) for t in sentences)


def test_studies_off_the_question_are_named_not_quoted() -> None:
    off = make_study(
        "pmid:50000002", 1, "Caffeine and alertness in night-shift nurses: a randomised trial",
        "In 80 nurses, caffeine raised alertness scores by 12% (p = 0.01).",
        stance="yes", stance_text="caffeine raised alertness", design="rct",
        findings=[("In 80 nurses, caffeine raised alertness scores by 12% (p = 0.01).", "improved", True)],
        key="In 80 nurses, caffeine raised alertness scores by 12% (p = 0.01).",
    )
    report = report_for(query_a(), [off])
    related = [s for s in report.sections if s.heading.startswith("Related studies")]
    assert related, [s.heading for s in report.sections]
    texts = [c.text for c in related[0].sentences]
    assert len(texts) == 1 and "named here and not counted" in texts[0]
    assert "12%" not in texts[0] and "alertness" not in texts[0]
    assert report.meter is None or (report.meter.yes, report.meter.possibly, report.meter.no) == (0, 0, 0)


def test_unresolvable_claim_fails_the_checker(papers_a) -> None:
    claim = Claim(text="A trial of 22 children [1].", citations=["pmid:99"])
    assert check_claim(claim, papers_a)


def test_explainer_does_not_call_one_of_two_studies_most() -> None:
    report = report_for(query_b(), corpus_b(), style="explainer")
    found = section(report, "What the research says").sentences[0].text
    assert found.startswith("Two studies looked at this question, all in people. The stronger"
                            " studies point to yes, but not all agree")


def test_a_failing_slot_falls_back_to_a_plainer_sentence(caplog) -> None:
    """A bad intervention fact costs the slot, not the study's result."""
    studies = corpus_a()
    hit, paper, facts, stance = studies[1]  # A1
    wrong = facts.interventions[0].model_copy(update={"text": "melatonin 9 mg"})
    studies[1] = (hit, paper, facts.model_copy(update={"interventions": [wrong]}), stance)
    with caplog.at_level(logging.INFO, logger="evidentia.synthesise"):
        report = report_for(query_a(), studies)
    main = next(c for c in report.claims() if "28 minutes" in c.text)
    assert "9 mg" not in main.text and "22 children with autism spectrum disorder" in main.text
    assert any("simplified" in r.getMessage() for r in caplog.records)
    assert not any("dropped" in r.getMessage() and "28 minutes" in r.getMessage()
                   for r in caplog.records)
