"""Per-study sentences that read as English to a demanding clinician, as tables of invented text:
authorial lead-ins stripped from quoted results, and population labels that join a sample size
and a condition only where the abstract itself joins them."""

from __future__ import annotations

import pytest
from test_synthesise_corpus import build, query_a

from evidentia.models import Finding, Span
from evidentia.synthesise.findings import finding_clause
from evidentia.synthesise.labels import clean_treatment
from evidentia.synthesise.phrases import population_phrase
from evidentia.synthesise.relevance import topic_of
from evidentia.synthesise.studies import StudyItem

BASE = dict(pid="pmid:39000001", title="A study of melatonin", design="cohort")


def item_of(abstract: str, **spec) -> StudyItem:
    hit, paper, facts, stance = build([dict(BASE, abstract=abstract, stance="yes",
                                             stance_text=abstract[:10], **spec)])[0]
    return StudyItem(hit, paper, facts, stance, order=0, topic=topic_of(query_a()))


def finding_of(text: str) -> Finding:
    span = Span(field="abstract", start=0, end=len(text), text=text)
    return Finding(sentence_id="s0", text=text, span=span)


@pytest.mark.parametrize(
    "sentence, clause",
    [
        ("Here, we report that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        ("Here we show that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        ("Here, they studied the effects of melatonin on sleep.",
         "they studied the effects of melatonin on sleep"),
        ("In conclusion, our results show that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        ("Taken together, these data suggest that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        ("We found that melatonin shortened sleep latency.", "melatonin shortened sleep latency"),
        ("They report that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        ("From these results and earlier evidence, we conclude that melatonin shortened sleep.",
         "melatonin shortened sleep"),
        ("Based on these findings, we suggest that melatonin may shorten sleep latency.",
         "melatonin may shorten sleep latency"),
        ("Our data indicate that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        ("In summary, the present study demonstrates that melatonin shortened sleep latency.",
         "melatonin shortened sleep latency"),
        # a lead phrase that carries the result's context stays; only the authors' voice goes
        ("In older adults, we found that melatonin shortened sleep latency.",
         "in older adults, melatonin shortened sleep latency"),
        # a result that only mentions what authors found keeps its words
        ("Melatonin shortened sleep latency, as we had predicted.",
         "melatonin shortened sleep latency, as they had predicted"),
    ],
)
def test_lead_ins_are_stripped(sentence: str, clause: str) -> None:
    item = item_of(sentence)
    assert finding_clause(finding_of(sentence), item) == clause


ABSTRACT_JOINED = ("We enrolled 120 patients with chronic insomnia in a cohort. Melatonin use "
                   "was recorded.")
ABSTRACT_APART = ("We followed 14,000 patients from four prevention trials. Melatonin was also "
                  "studied in patients with chronic insomnia.")
ABSTRACT_QUALIFIED = ("We randomly assigned 300 adults with previous chronic insomnia to "
                      "melatonin or placebo.")
ABSTRACT_ACRONYM = ("Patients with chronic obstructive pulmonary disease (COPD) are inactive. We "
                    "studied 170 outpatients with COPD who used melatonin.")
ABSTRACT_SPLIT_NUMBER = ("In all, 10 trials enrolled 70 388 people with chronic insomnia. "
                         "Melatonin was given.")
ABSTRACT_AGED = ("We followed 232 men (mean age 60 years) at high risk of chronic insomnia. "
                 "Patients with chronic insomnia were few.")
ABSTRACT_PREVENTION = ("We followed 500 adults who were free of chronic insomnia. Melatonin use "
                       "was recorded.")


@pytest.mark.parametrize(
    "abstract, size, conditions, expected",
    [
        # the abstract joins number and condition in one phrase: keep both
        (ABSTRACT_JOINED, (120, "120 patients", "patients"), ["chronic insomnia"],
         "120 patients with chronic insomnia"),
        # the number and the condition are in different sentences: the number alone
        (ABSTRACT_APART, (14000, "14,000 patients", "patients"), ["chronic insomnia"],
         "14,000 patients"),
        # a qualifier between 'with' and the condition still joins them
        (ABSTRACT_QUALIFIED, (300, "300 adults", "adults"), ["chronic insomnia"],
         "300 adults with chronic insomnia"),
        # the phrase names the condition by its acronym
        (ABSTRACT_ACRONYM, (170, "170 outpatients", "outpatients"),
         ["chronic obstructive pulmonary disease"],
         "170 outpatients with chronic obstructive pulmonary disease"),
        # '70 388 people' is 70,388 people: '388 people' would be wrong, so no number
        (ABSTRACT_SPLIT_NUMBER, (388, "388 people", "people"), ["chronic insomnia"],
         "people with chronic insomnia"),
        # 'at high risk of' the condition is not having it
        (ABSTRACT_AGED, (232, "232 men", "men"), ["chronic insomnia"], "232 men"),
        # an unprintable count ('70 388') still keeps a condition it is not joined to away
        ("In all, 10 trials enrolled 70 388 people, of whom 20 have chronic insomnia.",
         (388, "388 people", "people"), ["chronic insomnia"], ""),
        # the people were free of the condition: it is no population label
        (ABSTRACT_PREVENTION, (500, "500 adults", "adults"), ["chronic insomnia"], "500 adults"),
        # the sample-size span itself names the condition
        ("We followed 80 chronic insomnia patients for a year.",
         (80, "80 chronic insomnia patients", "patients"), ["chronic insomnia"],
         "80 patients with chronic insomnia"),
    ],
)
def test_population_joins_size_and_condition_only_where_the_abstract_does(
        abstract: str, size: tuple, conditions: list[str], expected: str) -> None:
    item = item_of(abstract, size=size, conditions=conditions)
    assert population_phrase(item).text == expected


@pytest.mark.parametrize(
    "label, expected",
    [("upon", None), ("duration", None), ("melatonin", "melatonin"),
     ("timing", None), ("melatonin duration", "melatonin duration")],
)
def test_words_that_name_no_treatment(label: str, expected: str | None) -> None:
    text = f"Trials of {label} were pooled."
    start = text.index(label)
    fact_item = item_of(text, interventions=[label])
    fact = fact_item.facts.interventions[0]
    assert fact.span.start == start
    cleaned = clean_treatment(fact, text)
    assert (cleaned.text if cleaned else None) == expected
