"""Per-study sentences for the ``pro`` style, built from facts, with varied templates.

The template is chosen by a hash of the paper id (``StudyItem.variant``), so the same report is
written the same way every time while neighbouring studies read differently.
"""

from __future__ import annotations

from ..models import Finding
from .drafts import Draft, draft
from .phrases import (
    Phrase,
    adverse_phrase,
    capitalise,
    conclusion_finding,
    design_noun,
    finding_clause,
    main_finding,
    outcome_phrase,
    study_phrase,
    with_article,
)
from .studies import StudyItem, evidence

MAIN_TEMPLATES = (
    "{A} found that {clause}",
    "In {a}, {clause}",
    "{Clause}, according to {a}",
    "{A} reported that {clause}",
)
NO_RESULT_TEMPLATES = (
    "{A} was also found; its abstract reports no specific result",
    "{A} is included, but its abstract gives no result that can be summarised",
)
OUTCOME_TEMPLATES = ("Outcomes included {x}", "The study assessed {x}", "It measured {x}")
CONCLUSION_TEMPLATES = (
    "The authors concluded that {clause}",
    "Its authors conclude that {clause}",
    "The authors' conclusion was that {clause}",
)
ADVERSE_TEMPLATES = ("Reported adverse effects included {x}", "Adverse effects included {x}")


def pick(templates: tuple[str, ...], item: StudyItem, salt: int = 0) -> str:
    return templates[(item.variant + salt) % len(templates)]


def study_sentences(item: StudyItem) -> list[Draft]:
    """What one study did and found: a main sentence, then outcomes, conclusion, adverse effects."""
    finding = main_finding(item)
    main = main_sentence(item, study_phrase(item), finding)
    main.fallbacks = [main_sentence(item, plainer, finding) for plainer in
                      (study_phrase(item, with_intervention=False), Phrase(design_noun(item)))]
    sentences = [main]
    outcomes = outcome_phrase(item)
    if outcomes and outcomes.text.casefold() not in main.plain_text().casefold():
        sentences.append(_filled(OUTCOME_TEMPLATES, item, outcomes, salt=1))
    concluded = conclusion_finding(item, finding)
    if concluded is not None and finding_clause(concluded, item):
        sentences.append(_conclusion_sentence(item, concluded))
    adverse = adverse_phrase(item)
    if adverse:
        sentences.append(_filled(ADVERSE_TEMPLATES, item, adverse, salt=2))
    return sentences


def main_sentence(item: StudyItem, described: Phrase, finding: Finding | None) -> Draft:
    """'A double-blind ... trial of 15 patients with X found that ... [n].'"""
    clause = finding_clause(finding, item) if finding is not None else ""
    a = with_article(described.text)
    found = list(described.evidence)
    if not clause:
        text = pick(NO_RESULT_TEMPLATES, item).format(A=capitalise(a))
    else:
        template = pick(MAIN_TEMPLATES, item)
        text = template.format(A=capitalise(a), a=a, clause=clause, Clause=capitalise(clause))
        found += evidence(item, finding.span) if finding is not None else []
    return draft(text, (item.id,), ".", evidence=found)


def _filled(templates: tuple[str, ...], item: StudyItem, phrase: Phrase, salt: int) -> Draft:
    text = pick(templates, item, salt).format(x=phrase.text)
    return draft(text, (item.id,), ".", evidence=phrase.evidence)


def _conclusion_sentence(item: StudyItem, finding: Finding) -> Draft:
    clause = finding_clause(finding, item)
    text = pick(CONCLUSION_TEMPLATES, item, salt=3).format(clause=clause)
    return draft(text, (item.id,), ".", evidence=evidence(item, finding.span), kind="finding")
