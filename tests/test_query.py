"""Query analysis: content terms, yes/no questions, PICO hints and a safe FTS5 expression."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidentia.errors import QueryError
from evidentia.retrieve import analyse_query
from evidentia.retrieve.query import quote

# A safe expression is quoted strings joined by OR, nothing else.
SAFE_FTS = re.compile(r'^(?:"(?:[^"]|"")*"(?: OR "(?:[^"]|"")*")*)?$')

TERMS = [
    ("Does vitamin D reduce fractures in older adults?",
     ["vitamin", "d", "reduce", "fractures", "older", "adults"]),
    ("What are the effects of COVID-19 on children?", ["effects", "covid", "19", "children"]),
    ("Is Alzheimer's disease hereditary?", ["alzheimer", "disease", "hereditary"]),
    ("Type 2 diabetes and metformin", ["type", "2", "diabetes", "metformin"]),
    ("Does NO improve blood flow?", ["no", "improve", "blood", "flow"]),  # NO = nitric oxide
    ("Is there no benefit?", ["benefit"]),  # lower-case "no" is a stopword
    ("pain pain PAIN relief", ["pain", "relief"]),
    ("ＣＯＶＩＤ vaccine", ["covid", "vaccine"]),  # full-width letters normalised
    ("Café-au-lait spots", ["café", "au", "lait", "spots"]),
    ("2.5 mg/kg of drug_x", ["2", "5", "mg", "kg", "drug", "x"]),
    ("what is the", []),
    ("", []),
]


@pytest.mark.parametrize(("question", "terms"), TERMS)
def test_content_terms_are_lower_case_deduplicated_and_in_order(question: str, terms: list[str]) -> None:
    assert analyse_query(question).terms == terms


YES_NO = [
    ("Does exercise reduce blood pressure?", True),
    ("Is melatonin safe for children?", True),
    ("Can acupuncture relieve back pain?", True),
    ("Should adults take aspirin daily?", True),
    ("Were the outcomes better with surgery?", True),
    ("Has screening lowered mortality", True),
    ("In older adults, does exercise improve balance?", True),
    ("For smokers: do e-cigarettes help quitting?", True),
    ("What is the effect of caffeine on sleep?", False),
    ("How does metformin work?", False),
    ("Why do statins cause muscle pain?", False),
    ("exercise and blood pressure", False),
    ("In older adults, what improves balance?", False),
]


@pytest.mark.parametrize(("question", "expected"), YES_NO)
def test_yes_no_questions_are_recognised(question: str, expected: bool) -> None:
    assert analyse_query(question).is_yes_no is expected


PICO = [
    # question, intervention, outcome, population
    ("Does vitamin D reduce fractures in older adults?", ["vitamin d"], ["fractures"], ["older adults"]),
    ("Does regular exercise lower blood pressure in adults with hypertension?",
     ["regular exercise"], ["blood pressure"], ["adults with hypertension"]),
    ("Can taking fish oil prevent heart attacks?", ["fish oil"], ["heart attacks"], []),
    ("Does caffeine cause anxiety and insomnia?", ["caffeine"], ["anxiety", "insomnia"], []),
    ("Do statins have an effect on memory in older people?", ["statins"], ["memory"], ["older people"]),
    ("What is the effect of metformin on weight loss in adolescents?",
     ["metformin"], ["weight loss"], ["adolescents"]),
    ("Is acupuncture effective for low back pain?", ["acupuncture"], ["low back pain"], []),
    ("Is smoking associated with lung cancer among women?", ["smoking"], ["lung cancer"], ["women"]),
    ("Is smoking a risk factor for stroke?", ["smoking"], ["stroke"], []),
    ("Is yoga superior to stretching for back pain in adults?",
     ["yoga", "stretching"], ["back pain"], ["adults"]),
    ("In pregnant women, does folic acid prevent neural tube defects?",
     ["folic acid"], ["neural tube defects"], ["pregnant women"]),
    ("Acupuncture for chronic neck pain", ["acupuncture"], ["chronic neck pain"], []),
    ("Surgery versus physiotherapy for knee pain", ["surgery", "physiotherapy"], ["knee pain"], []),
    ("How does metformin work?", [], [], []),
]


@pytest.mark.parametrize(("question", "intervention", "outcome", "population"), PICO)
def test_pico_hints_come_from_the_question_shape(
    question: str, intervention: list[str], outcome: list[str], population: list[str]
) -> None:
    query = analyse_query(question)
    assert (query.intervention, query.outcome, query.population) == (intervention, outcome, population)


FTS = [
    ("Does vitamin D reduce fractures?", '"vitamin" OR "d" OR "reduce" OR "fractures"'),
    ("MS fatigue", '"ms" OR "fatigue" OR "multiple sclerosis"'),  # capitals: an abbreviation
    ("ms fatigue", '"ms" OR "fatigue"'),  # lower case: could be milliseconds
    ("tumour growth", '"tumour" OR "tumor" OR "growth"'),
    ("randomized trial", '"randomized" OR "randomised" OR "trial"'),
    ("organism", '"organism"'),  # not an -ise word
]


@pytest.mark.parametrize(("question", "fts"), FTS)
def test_the_fts_query_ors_quoted_terms_and_general_variants(question: str, fts: str) -> None:
    assert analyse_query(question).fts_query == fts


@pytest.mark.parametrize("question", ["", "   ", "?!?", "What is the?", "Is it?", "and or not", "🙂🙂"])
def test_nothing_searchable_gives_an_empty_fts_query(question: str) -> None:
    assert analyse_query(question).fts_query == ""


def test_an_over_long_question_is_a_query_error_naming_the_limit() -> None:
    assert analyse_query("x" * 100, max_chars=100).terms == ["x" * 100]
    with pytest.raises(QueryError, match="100"):
        analyse_query("x" * 101, max_chars=100)


def test_a_question_with_many_terms_is_capped() -> None:
    words = " ".join(f"term{i}" for i in range(300))
    query = analyse_query(words, max_chars=5000)
    assert len(query.terms) == 300
    assert query.fts_query.count(" OR ") < 128


def test_quote_doubles_inner_quotes() -> None:
    assert quote('say "hi"') == '"say ""hi"""'


HOSTILE = [
    '"', "'", '""', "NOT", "a NOT b", "NEAR(a b)", "NEAR(a b, 2)", "(", ")", "()", "title:x",
    "abstract:cancer", "{title abstract}:x", "{a b}:c", "*", "x*", "^x", "-x", "a - b", "AND",
    "OR", "a OR", "AND OR NOT", "+", "a + b", ":", "::", "col:", "\\", "\x00", "x\x00y", "😀",
    "癌症 治疗", "Ωmega-3 ✓", "\u202ertl", "\u200b", "'; DROP TABLE papers; --", '"unbalanced',
    "a\"b\"c", "%_%", "NEAR/3", "x" * 2000, "pain? " * 300,
    # long inputs shaped to make the question-shape patterns backtrack
    "does " + "help in " * 249, "in " + "x " * 990 + ", does x help y", "a vs " * 399,
]


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_text_never_raises_and_stays_literal(question: str) -> None:
    query = analyse_query(question[:2000])
    assert SAFE_FTS.match(query.fts_query)
    assert "\x00" not in query.fts_query


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_a_safe_expression(question: str) -> None:
    query = analyse_query(question)
    assert SAFE_FTS.match(query.fts_query)
    assert all(term == term.lower() and term for term in query.terms)
