"""Query translation: a question's analysis in each source's syntax, and user text that can never
break that syntax."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evidentia.models import QueryAnalysis
from evidentia.sources.translate import (
    clean_term, europepmc_queries, openalex_searches, pubmed_queries,
)

VITAMIN_D = QueryAnalysis(
    question="Does vitamin D reduce fractures in older women?",
    terms=["vitamin d", "reduce", "fractures", "older women"],
    intervention=["vitamin D"], outcome=["fractures", "falls"], population=["older women"],
)
TERMS_ONLY = QueryAnalysis(question="exercise and sleep", terms=["exercise", "sleep"])


@pytest.mark.parametrize(("build", "expected"), [
    (lambda q: pubmed_queries(q, require_abstract=False), [
        '"vitamin D"[tiab] AND ("fractures"[tiab] OR "falls"[tiab]) AND "older women"[tiab]',
        '("vitamin"[tiab] AND "D"[tiab]) AND ("fractures"[tiab] OR "falls"[tiab])'
        ' AND ("older"[tiab] AND "women"[tiab])',
        '"vitamin d"[tiab] OR "reduce"[tiab] OR "fractures"[tiab] OR "older women"[tiab]'
        ' OR "falls"[tiab]',
    ]),
    (lambda q: europepmc_queries(q, require_abstract=False)[:1], [
        'TITLE_ABS:"vitamin D" AND (TITLE_ABS:"fractures" OR TITLE_ABS:"falls")'
        ' AND TITLE_ABS:"older women"',
    ]),
    (lambda q: openalex_searches(q)[:1], ['"vitamin D" AND ("fractures" OR "falls") AND "older women"']),
], ids=["pubmed", "europepmc", "openalex"])
def test_concept_groups_are_anded_and_their_terms_ored(build, expected: list[str]) -> None:
    assert build(VITAMIN_D) == expected


@pytest.mark.parametrize(("build", "strict"), [
    (lambda q: pubmed_queries(q, require_abstract=True),
     '("exercise"[tiab] AND "sleep"[tiab]) AND hasabstract'),
    (lambda q: europepmc_queries(q, require_abstract=True),
     '(TITLE_ABS:"exercise" AND TITLE_ABS:"sleep") AND HAS_ABSTRACT:y'),
    (openalex_searches, '"exercise" AND "sleep"'),
], ids=["pubmed", "europepmc", "openalex"])
def test_without_groups_the_terms_are_anded_then_ored(build, strict: str) -> None:
    queries = build(TERMS_ONLY)
    assert queries[0] == strict and len(queries) == 2 and " OR " in queries[1]


@pytest.mark.parametrize(("raw", "clean"), [
    ("covid-19", "covid-19"),
    ("5-HT", "5-HT"),
    ("o'brien", "o'brien"),
    ("cd4+", "cd4+"),
    ("1.5 mg", "1.5 mg"),
    ('aspirin"[tiab] OR 1=1', "aspirin tiab 1 1"),  # quotes, brackets, operators, "=" dropped
    ("TITLE_ABS:cancer", "TITLE ABS cancer"),
    ("(heart OR lung) AND NOT kidney", "heart lung kidney"),
    ("pain*", "pain"),
    ("-leading and trailing-", "leading trailing"),
    ("back\\slash", "back slash"),
    ("Sjögren", "Sjögren"),
    ("ﬁbrosis", "fibrosis"),  # NFKC: the "fi" ligature becomes two letters
    ("   ", ""),
    ("AND", ""),
])
def test_user_text_is_reduced_to_safe_words(raw: str, clean: str) -> None:
    assert clean_term(raw) == clean


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=6))
def test_no_user_text_can_break_the_query_syntax(words: list[str]) -> None:
    query = QueryAnalysis(question=" ".join(words), terms=words, intervention=words[:2])
    fielded = pubmed_queries(query, require_abstract=True) + europepmc_queries(query, require_abstract=True)
    for text in fielded:
        assert _balanced(text)
        inner = re.findall(r'"([^"]*)"', text)
        assert text.count('"') == 2 * len(inner)  # every quote opens and closes a term
        assert all(re.fullmatch(r"[\w\-'.+ ]+", term) for term in inner)
    for text in openalex_searches(query):
        assert _balanced(text) and text.count('"') % 2 == 0


def _balanced(text: str) -> bool:
    depth = 0
    for char in re.sub(r'"[^"]*"', "", text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0
