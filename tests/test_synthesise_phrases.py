"""Building blocks of report prose, as tables: articles, design names, finding clauses, grades."""

from __future__ import annotations

import pytest
from test_synthesise_corpus import A1, A3, A4, A5, A6, A9, B1, build, query_a

from evidentia.models import Finding, Span
from evidentia.synthesise.grading import grade_studies
from evidentia.synthesise.grouping import Group, heading, question_phrase
from evidentia.synthesise.phrases import (
    article,
    design_noun,
    finding_clause,
    join_words,
    study_phrase,
)
from evidentia.synthesise.studies import StudyItem


def item_of(spec: dict, **changes) -> StudyItem:
    hit, paper, facts, stance = build([dict(spec, **changes)])[0]
    return StudyItem(hit, paper, facts, stance, order=0)


@pytest.mark.parametrize(
    "phrase, expected",
    [("trial", "a"), ("animal study", "an"), ("open-label trial", "an"), ("8-week trial", "an"),
     ("11-year cohort", "an"), ("18 patients", "an"), ("80 rats", "an"), ("one-arm trial", "a"),
     ("unique case", "a"), ("in vitro study", "an"), ("case report", "a")],
)
def test_article(phrase: str, expected: str) -> None:
    assert article(phrase) == expected


@pytest.mark.parametrize(
    "words, expected",
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_join_words(words: list[str], expected: str) -> None:
    assert join_words(words) == expected


@pytest.mark.parametrize(
    "spec, expected",
    [
        (A1, "double-blind, randomised, placebo-controlled crossover trial"),
        (A3, "double-blind, randomised, placebo-controlled trial"),
        (A4, "cohort study"),
        (A5, "case series"),
        (A6, "animal study"),
        (B1, "meta-analysis"),
        (dict(A3, placebo=False, blinding="open-label"), "open-label, randomised controlled trial"),
        (dict(A4, design="non_randomised_trial", blinding=None), "non-randomised trial"),
    ],
)
def test_design_noun(spec: dict, expected: str) -> None:
    assert design_noun(item_of(spec)) == expected


@pytest.mark.parametrize(
    "spec, expected",
    [
        (A1, "double-blind, randomised, placebo-controlled crossover trial of melatonin (3 mg) in "
             "22 children with autism spectrum disorder"),
        (A5, "case series of 8 patients with Parkinson's disease treated with melatonin "
             "(3 to 12 mg)"),
        (A4, "cohort study of 1,204 adults with insomnia that examined melatonin use"),
        (A6, "animal study of melatonin (10 mg/kg) versus vehicle in 24 mice"),
        (A9, "case report of a 9-year-old boy with Smith-Magenis syndrome treated with evening "
             "melatonin (4 mg)"),
        (dict(A1, size=None), "double-blind, randomised, placebo-controlled crossover trial of "
                              "melatonin (3 mg) in people with autism spectrum disorder"),
    ],
)
def test_study_phrase(spec: dict, expected: str) -> None:
    assert study_phrase(item_of(spec)).text == expected


def test_sample_size_not_written_in_the_abstract_is_left_out() -> None:
    item = item_of(A1, size=(44, "22 children with autism spectrum disorder", "children"))
    assert "44" not in study_phrase(item).text


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Melatonin reduced latency (p < 0.001).", "melatonin reduced latency (p < 0.001)"),
        ("In conclusion, melatonin helps.", "melatonin helps"),
        ("These results suggest that melatonin helps.", "melatonin helps"),
        ("We found that latency fell.", "latency fell"),
        ("We observed no change.", "the authors observed no change"),
        ("RESULTS: Sleep improved in our patients.", "sleep improved in their patients"),
        ("Latency fell [12].", "latency fell"),
        ("Smith-Magenis syndrome was present.", "Smith-Magenis syndrome was present"),
    ],
)
def test_finding_clause(sentence: str, expected: str) -> None:
    item = item_of(A9)  # writes "Smith-Magenis" capitalised mid-sentence
    finding = Finding(sentence_id="x#s0", text=sentence,
                      span=Span(start=0, end=len(sentence), text=sentence))
    assert finding_clause(finding, item) == expected


def test_significance_is_said_when_the_sentence_does_not() -> None:
    item = item_of(A9)
    text = "Sleep improved."
    finding = Finding(sentence_id="x#s0", text=text, span=Span(start=0, end=15, text=text),
                      significant=True)
    assert finding_clause(finding, item) == "sleep improved (statistically significant)"


@pytest.mark.parametrize(
    "specs, level, reason",
    [
        ([B1], "moderate", "few studies"),
        ([A1, A3], "very low", "inconsistency"),
        ([A4], "very low", "few studies"),
        ([A6], "very low", "animal"),
        ([A1, dict(A1, pid="pmid:2"), dict(A1, pid="pmid:3")], "moderate", "imprecision"),
    ],
    ids=["one-meta-analysis", "rcts-disagree", "one-cohort", "animal-only", "small-rcts"],
)
def test_grade(specs: list[dict], level: str, reason: str) -> None:
    items = [StudyItem(*study, order=i) for i, study in enumerate(build(specs))]
    grade = grade_studies(items)
    assert grade.level == level
    assert any(reason in r for r in grade.reasons), grade.reasons


@pytest.mark.parametrize(
    "question, terms, expected",
    [("Does vitamin D reduce falls?", ["vitamin", "d"], "vitamin D"),
     ("Is TAI CHI good for balance?", ["tai chi"], "TAI CHI"),
     ("Does x help?", [], ""),
     ("Does x help?", ["omega-3"], "omega-3")],
)
def test_question_phrase(question: str, terms: list[str], expected: str) -> None:
    assert question_phrase(question, terms) == expected


@pytest.mark.parametrize(
    "kind, label, expected",
    [("condition", "autism spectrum disorder", "Melatonin for sleep in autism spectrum disorder"),
     ("condition", "sleep", "Melatonin for sleep"),
     ("population", "older adults", "Melatonin for sleep in older adults"),
     ("animal", "", "Animal studies of melatonin for sleep"),
     ("in_vitro", "", "Laboratory (in vitro) studies of melatonin for sleep"),
     ("other", "", "Other studies")],
)
def test_heading(kind: str, label: str, expected: str) -> None:
    assert heading(Group(kind, label, []), query_a()) == expected


def test_intervention_naming_the_question_comes_first_and_placebo_is_not_one() -> None:
    from evidentia.synthesise.phrases import intervention_phrase

    spec = dict(A1, interventions=["sleep diaries", "placebo", "melatonin"])
    hit, paper, facts, stance = build([spec])[0]
    focused = StudyItem(hit, paper, facts, stance, order=0, focus=frozenset({"melatonin"}))
    assert intervention_phrase(focused).text == "melatonin (3 mg)"
    unfocused = StudyItem(hit, paper, facts, stance, order=0)
    assert intervention_phrase(unfocused).text == "sleep diaries and melatonin (3 mg)"


@pytest.mark.parametrize(
    "text, ok",
    [("melatonin", True), ("5-fluorouracil", True), ("3D printing", True), ("IL-6 antibody", True),
     ("8 liters", False), ("90 D", False), ("67", False), ("I", False), ("minutes", False),
     ("140 g/week", False)],
)
def test_quantities_are_not_treatments(text: str, ok: bool) -> None:
    from evidentia.synthesise.phrases import is_treatment_name

    assert is_treatment_name(text) is ok


def test_generic_harm_words_are_not_listed_as_adverse_effects() -> None:
    from evidentia.synthesise.phrases import adverse_phrase

    item = item_of(A1, adverse=["serious adverse events", "mild morning drowsiness"])
    assert adverse_phrase(item).text == "mild morning drowsiness"


@pytest.mark.parametrize(
    "abstract, label, expected",
    [("Sleep latency fell. Total sleep time rose.", "Sleep latency", "sleep latency"),
     ("Sleep latency fell on the Sleep Scale.", "Sleep latency", "Sleep latency"),
     ("Parkinson's disease was present.", "Parkinson's disease", "Parkinson's disease")],
)
def test_sentence_initial_capitals_are_softened_unless_a_name(abstract, label, expected) -> None:
    from evidentia.models import Paper
    from evidentia.synthesise.studies import soften_case

    paper = Paper(id="doc:x", title="T", abstract=abstract)
    span = Span(start=0, end=len(label), text=label)
    assert soften_case(label, span, paper) == expected
