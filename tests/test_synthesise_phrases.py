"""Building blocks of report prose, as tables: articles, design names, finding clauses, grades."""

from __future__ import annotations

import pytest
from test_synthesise_corpus import A1, A2, A3, A4, A5, A6, A9, B1, build, query_a

from evidentia.models import Finding, Span
from evidentia.synthesise.findings import finding_clause
from evidentia.synthesise.grading import grade_studies
from evidentia.synthesise.grouping import Group, heading
from evidentia.synthesise.phrases import (
    article,
    design_noun,
    join_words,
    study_phrase,
)
from evidentia.synthesise.relevance import question_phrase, topic_of
from evidentia.synthesise.studies import StudyItem


def item_of(spec: dict, **changes) -> StudyItem:
    hit, paper, facts, stance = build([dict(spec, **changes)])[0]
    return StudyItem(hit, paper, facts, stance, order=0, topic=topic_of(query_a()))


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
    items = [StudyItem(*study, order=i, topic=topic_of(query_a()))
             for i, study in enumerate(build(specs))]
    grade = grade_studies(items)
    assert grade.level == level
    assert any(reason in r for r in grade.reasons), grade.reasons


@pytest.mark.parametrize(
    "question, terms, expected",
    [("Does vitamin D reduce falls?", ["vitamin", "d"], "vitamin D"),
     ("Is TAI CHI good for balance?", ["tai chi"], "TAI CHI"),
     ("Does x help?", [], ""),
     ("Does x help?", ["omega-3"], ""),
     ("Does BMI influence morbidity and long-term survival?", ["morbidity", "long-term survival"],
      "morbidity and long-term survival"),
     ("Does body mass index (BMI) matter?", ["body mass index bmi"], "body mass index"),
     ("Does body mass index (BMI) matter?", ["body mass index (bmi"], "body mass index"),
     ("Screening for diabetes: is it worth it?", ["screening"], "screening")],
)
def test_question_phrase(question: str, terms: list[str], expected: str) -> None:
    assert question_phrase(question, terms) == expected


@pytest.mark.parametrize(
    "kind, label, others, expected",
    [("condition", "autism spectrum disorder", True,
      "Melatonin for sleep in autism spectrum disorder"),
     ("condition", "sleep", True, "Melatonin for sleep"),
     ("population", "older adults", True, "Melatonin for sleep in older adults"),
     ("animal", "", True, "Animal studies of melatonin for sleep"),
     ("in_vitro", "", True, "Laboratory (in vitro) studies of melatonin for sleep"),
     ("other", "", True, "Melatonin for sleep in other groups"),
     ("other", "", False, "Melatonin for sleep"),
     ("related", "", False, "Related studies that do not answer the question directly")],
)
def test_heading(kind: str, label: str, others: bool, expected: str) -> None:
    query = query_a()
    assert heading(Group(kind, label, []), topic_of(query), query.question, others) == expected


@pytest.mark.parametrize(
    "question, outcome, expected",
    [("Is obesity associated with diabetes?", ["diabetes"], "Obesity and diabetes"),
     ("Does melatonin improve sleep?", ["sleep"], "Melatonin for sleep"),
     ("Does melatonin help?", [], "Melatonin")],
)
def test_heading_links_associations_with_and(question, outcome, expected) -> None:
    from evidentia.models import QueryAnalysis

    query = QueryAnalysis(question=question, terms=question.lower().strip("?").split()[1:],
                          intervention=[question.split()[1].lower()], outcome=outcome)
    assert heading(Group("other", "", []), topic_of(query), question, False) == expected


def test_intervention_naming_the_question_comes_first_and_placebo_is_not_one() -> None:
    from evidentia.synthesise.phrases import intervention_phrase

    focused = item_of(A1, interventions=["sleep diaries", "placebo", "melatonin"])
    assert intervention_phrase(focused).text == "melatonin (3 mg)"
    other = item_of(A1, interventions=["sleep diaries", "placebo"])
    assert intervention_phrase(other).text == "sleep diaries"  # what the study gave, as named


def test_a_dose_is_only_given_when_written_next_to_the_treatment() -> None:
    from evidentia.synthesise.phrases import intervention_phrase

    item = item_of(A2, doses=["5 mg"], interventions=["prolonged-release melatonin"])
    assert intervention_phrase(item).text == "prolonged-release melatonin"
    near = item_of(A2, doses=["2 mg"], interventions=["prolonged-release melatonin"])
    assert intervention_phrase(near).text == "prolonged-release melatonin (2 mg)"


def test_generic_and_absent_harms_are_not_listed_as_adverse_effects() -> None:
    from evidentia.synthesise.phrases import adverse_phrase

    item = item_of(A1, adverse=["serious adverse events", "mild morning drowsiness"])
    assert adverse_phrase(item).text == "mild morning drowsiness"
    absent = item_of(A1, adverse=["serious adverse events"])
    assert not adverse_phrase(absent)


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
