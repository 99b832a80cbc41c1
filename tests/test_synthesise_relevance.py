"""What a question is about, which studies address it, and clean labels from noisy facts."""

from __future__ import annotations

import pytest
from test_synthesise_corpus import A1, build, query_a

from evidentia.models import (
    Claim,
    Fact,
    Finding,
    Paper,
    QueryAnalysis,
    Span,
    StudyFacts,
)
from evidentia.retrieve import analyse_query
from evidentia.synthesise.check import check_claim, checked_facts
from evidentia.synthesise.findings import main_finding
from evidentia.synthesise.labels import (
    clean_condition,
    clean_treatment,
    is_treatment_name,
)
from evidentia.synthesise.relevance import addresses, normalise_spelling, topic_of
from evidentia.synthesise.studies import StudyItem


def terms(question: str) -> list[tuple[str, float, str]]:
    topic = topic_of(analyse_query(question))
    return [(" ".join(term.words), term.weight, term.part) for term in topic.terms]


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Does tranexamic acid reduce blood loss?",
         [("tranexamic acid", 2.0, "intervention"), ("blood loss", 1.5, "outcome")]),
        ("Does vitamin D supplementation reduce the risk of fractures?",
         [("vitamin d", 2.0, "intervention"), ("supplementation", 0.5, "intervention"),
          ("fractures", 1.5, "outcome")]),
        ("Is it Crohn's disease?", [("crohn", 1.0, "other"), ("disease", 0.3, "other")]),
        ("Is type 2 diabetes associated with COVID-19 mortality?",
         [("type 2", 2.0, "intervention"), ("diabetes", 2.0, "intervention"),
          ("covid 19", 1.5, "outcome"), ("mortality", 1.5, "outcome")]),
    ],
    ids=["two-word-names-stay-whole", "a-letter-joins-its-word", "general-words-count-little",
         "digits-join-their-word"],
)
def test_question_terms(question: str, expected: list) -> None:
    assert terms(question) == expected


def paper(title: str, abstract: str) -> tuple[Paper, StudyFacts]:
    item = Paper(id="doc:x", title=title, abstract=abstract)
    return item, StudyFacts(paper_id="doc:x", analyser_version="t")


@pytest.mark.parametrize(
    "question, title, abstract, expected",
    [
        ("Does tranexamic acid reduce blood loss?", "Tranexamic acid in knee surgery",
         "Tranexamic acid reduced total blood loss by 40%.", True),
        ("Does tranexamic acid reduce blood loss?", "Weight loss and bile acids",
         "Weight loss lowered serum bile acid levels.", False),
        ("Does vitamin D supplementation reduce the risk of fractures?",
         "Vitamins E and C and prostate cancer", "Vitamin E supplementation did not reduce risk.",
         False),
        ("Does vitamin D supplementation reduce the risk of fractures?",
         "Vitamin D and falls and fractures in older women",
         "Vitamin D supplementation reduced hip fractures.", True),
        ("Does melatonin improve anaemia?", "Melatonin and anemia",
         "Melatonin improved anemia in rats.", True),
    ],
    ids=["on-topic", "shares-one-word-of-each-name", "another-vitamin",
         "the-question-itself", "spelling-variants"],
)
def test_a_study_addresses_the_question_as_a_whole(question, title, abstract, expected) -> None:
    topic = topic_of(analyse_query(question))
    assert addresses(topic, *paper(title, abstract)) is expected


@pytest.mark.parametrize(
    "written, expected",
    [("tumour", "tumor"), ("anaemia", "anemia"), ("oesophagus", "esophagus"),
     ("haemoglobin", "hemoglobin"), ("aerobic", "aerobic")],
)
def test_spellings_are_compared_alike(written: str, expected: str) -> None:
    assert normalise_spelling(written) == normalise_spelling(expected)


def fact(text: str, kind: str = "condition") -> Fact:
    return Fact(kind=kind, text=text, span=Span(start=10, end=10 + len(text), text=text))


@pytest.mark.parametrize(
    "text, expected",
    [("multiple sclerosis", "multiple sclerosis"),
     ("symptomatic myomas underwent laparoscopic myomectomy", "symptomatic myomas"),
     ("adrenal lesions larger", "adrenal lesions"),
     ("autism spectrum disorder aged 4 to 10 years", "autism spectrum disorder"),
     ("injury severity score", None), ("II", None), ("undergone a gastrectomy", None),
     ("normal pre-operative levels", None)],
)
def test_condition_labels_are_cut_to_the_condition(text: str, expected: str | None) -> None:
    cleaned = clean_condition(fact(text))
    assert (cleaned.text if cleaned else None) == expected
    if cleaned:
        assert cleaned.span.end - cleaned.span.start == len(cleaned.text)


@pytest.mark.parametrize(
    "text, expected",
    [("melatonin", "melatonin"), ("radiation exposure related", "radiation exposure"),
     ("body mass index (BMI", "body mass index"), ("HBOT facilitates healing", "HBOT"),
     ("tavorexin 600", "tavorexin"), ("statins prior", "statins"), ("receive oral", None),
     ("placebo", None), ("despite statin", None), ("overall", None), ("orthodontic", "orthodontic"),
     ("surgical", None), ("IVF and SPSS", None)],
)
def test_treatment_labels_are_cut_to_the_name(text: str, expected: str | None) -> None:
    cleaned = clean_treatment(fact(text, "intervention"))
    assert (cleaned.text if cleaned else None) == expected


@pytest.mark.parametrize(
    "text, ok",
    [("melatonin", True), ("5-fluorouracil", True), ("3D printing", True), ("IL-6 antibody", True),
     ("8 liters", False), ("90 D", False), ("67", False), ("I", False), ("minutes", False),
     ("140 g/week", False), ("adding dexmedetomidine", False), ("when", False)],
)
def test_quantities_and_clause_words_are_not_treatments(text: str, ok: bool) -> None:
    assert is_treatment_name(text) is ok


def test_a_long_result_is_cut_at_a_clause_break_outside_brackets() -> None:
    abstract = ("RESULTS: Heart rate was stable in both groups (58 vs 60; p = 0.4); melatonin "
                "reduced sleep latency by 28 minutes compared with placebo (p < 0.001), and the "
                "effect was larger in the children who had the longest baseline latency, whereas "
                "total sleep time, night waking and morning mood did not change between the two "
                "groups over the four weeks of the trial.")
    spec = dict(A1, abstract=abstract, title="Melatonin and sleep", size=None, conditions=[],
                interventions=["melatonin"], doses=[], comparators=[], outcomes=[], adverse=[],
                findings=[(abstract[len("RESULTS: "):], "improved", True)], key=None,
                stance_text="melatonin reduced sleep latency")
    hit, item_paper, facts, stance = build([spec])[0]
    item = StudyItem(hit, item_paper, facts, stance, order=0, topic=topic_of(query_a()))
    chosen = main_finding(item)
    assert chosen is not None and chosen.text.startswith("melatonin reduced sleep latency")
    assert "(58 vs 60; p = 0.4)" not in chosen.text
    assert item_paper.abstract[chosen.span.start:chosen.span.end] == chosen.text


# --------------------------------------------------------------------------- the checker


PAPER = Paper(id="doc:p", title="Drug X in multiple sclerosis",
              abstract="In 15 patients with multiple sclerosis, drug X 400 mg improved spasticity "
                       "on the Ashworth Scale (p = 0.004).")


@pytest.mark.parametrize(
    "text, problem",
    [("In 15 patients with MS, spasticity improved [1].", None),
     ("In 15 patients with multiple sclerosis, spasticity improved [1].", None),
     ("In 15 patients with Parkinson's disease, spasticity improved [1].", "Parkinson's disease"),
     ("In 15 patients with osteoporosis, spasticity improved [1].", "osteoporosis"),
     ("In 16 patients, spasticity improved [1].", "16"),
     ("Drug X 600 mg improved spasticity [1].", "600 mg"),
     ("Spasticity improved on the Tardieu Scale [1].", "Tardieu Scale")],
    ids=["abbreviation-of-the-same-condition", "same-condition", "other-condition",
         "disease-shaped-word", "number", "dose", "scale"],
)
def test_checker_compares_conditions_numbers_doses_and_scales(text: str, problem) -> None:
    claim = Claim(text=text, citations=["doc:p"])
    problems = check_claim(claim, {"doc:p": PAPER})
    if problem is None:
        assert problems == []
    else:
        assert any(problem in found for found in problems), problems


def test_checked_facts_list_what_was_compared() -> None:
    claim = Claim(text="In 15 patients with multiple sclerosis, drug X 400 mg improved the "
                       "Ashworth Scale [1].", citations=["doc:p"])
    checked = checked_facts(claim)
    assert checked["numbers"] == ["15", "400"]
    assert checked["doses"] == ["400 mg"]
    assert checked["scales"] == ["Ashworth Scale"]
    assert checked["conditions"] == ["multiple sclerosis"]


def test_the_query_analysis_is_what_the_pipeline_gives() -> None:
    query = analyse_query("Does vitamin D reduce falls?")
    assert isinstance(query, QueryAnalysis) and topic_of(query).treatment == "vitamin D"


def test_main_finding_prefers_a_numbered_result_to_the_conclusion() -> None:
    hit, item_paper, facts, stance = build([A1])[0]
    item = StudyItem(hit, item_paper, facts, stance, order=0, topic=topic_of(query_a()))
    chosen = main_finding(item)
    assert isinstance(chosen, Finding) and "28 minutes" in chosen.text
