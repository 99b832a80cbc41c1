"""Per-study sentences for the ``pro`` style, built from facts, with varied templates.

One study gets a main sentence (design, size, population, treatment and dose, comparator, and
its result with numbers and significance), then, when the abstract gives them, the outcome
measures, the authors' conclusion and the harms. Studies with no result worth quoting that
point the same way share one sentence. The template is chosen by a hash of the paper id
(``StudyItem.variant``), so a report is written the same way every time while neighbouring
studies read differently.
"""

from __future__ import annotations

import re

from ..models import Finding
from .drafts import Draft, Part, draft
from .findings import conclusion_finding, finding_clause, main_finding
from .labels import tolerated_evidence
from .phrases import (
    Phrase,
    adverse_phrase,
    capitalise,
    design_noun,
    join_words,
    outcome_phrase,
    study_phrase,
    treatment_dose,
    with_article,
)
from .studies import StudyItem, evidence

MAIN_TEMPLATES = (
    "{A} found that {clause}",
    "In {a}, {clause}",
    "{Clause}, according to {a}",
    "{A} reported that {clause}",
    "{A} showed that {clause}",
)
OUTCOME_TEMPLATES = (
    "Outcomes were measured with {x}",
    "The study assessed {x}",
    "It measured {x}",
    "Its outcome measures were {x}",
)
CONCLUSION_TEMPLATES = (
    "The authors concluded that {clause}",
    "Its authors conclude that {clause}",
    "The authors' conclusion was that {clause}",
    "The authors judged that {clause}",
)
ADVERSE_TEMPLATES = (
    "Reported adverse effects included {x}",
    "Harms reported included {x}",
    "The study reported {x} as adverse effects",
)
TOLERATED_TEMPLATES = ("The treatment was reported to be well tolerated",
                       "The authors describe the treatment as well tolerated")
STANCE_VERBS = {"yes": "support a yes", "possibly": "suggest a possible yes", "no": "point to no"}


def pick(templates: tuple[str, ...], item: StudyItem, salt: int = 0) -> str:
    return templates[(item.variant + salt) % len(templates)]


def has_result(item: StudyItem) -> bool:
    return main_finding(item) is not None


def study_sentences(item: StudyItem) -> list[Draft]:
    """What one study did and found: a main sentence, then outcomes, conclusion, harms."""
    finding = main_finding(item)
    if finding is None:
        return []
    main = main_sentence(item, study_phrase(item, with_dose=not _says_dose(item, finding)),
                         finding)
    main.fallbacks = [main_sentence(item, plainer, finding) for plainer in
                      (study_phrase(item, with_intervention=False), Phrase(design_noun(item)))]
    sentences = [main]
    outcomes = outcome_phrase(item)
    named = re.sub(r"^the ", "", outcomes.text.casefold())
    if outcomes and named not in main.plain_text().casefold():
        sentences.append(_filled(OUTCOME_TEMPLATES, item, outcomes, salt=1))
    concluded = conclusion_finding(item, finding)
    if concluded is not None:
        sentences.append(_conclusion_sentence(item, concluded))
    sentences.extend(harm_sentences(item))
    return sentences


def _says_dose(item: StudyItem, finding: Finding) -> bool:
    """The result already states the treatment's dose: the design phrase need not repeat it."""
    dose = treatment_dose(item)
    return dose is not None and dose.text.strip().casefold() in finding.text.casefold()


def main_sentence(item: StudyItem, described: Phrase, finding: Finding) -> Draft:
    """'A double-blind ... trial of 15 patients with X found that ... [n].'"""
    clause = finding_clause(finding, item)
    a = with_article(described.text)
    template = pick(MAIN_TEMPLATES, item)
    text = template.format(A=capitalise(a), a=a, clause=clause, Clause=capitalise(clause))
    found = list(described.evidence) + evidence(item, finding.span)
    return draft(text, (item.id,), ".", evidence=found)


def harm_sentences(item: StudyItem) -> list[Draft]:
    adverse = adverse_phrase(item)
    if adverse:
        return [_filled(ADVERSE_TEMPLATES, item, adverse, salt=2)]
    tolerated = tolerated_evidence(item)
    if tolerated:
        return [draft(pick(TOLERATED_TEMPLATES, item, 2), (item.id,), ".", evidence=tolerated)]
    return []


def _filled(templates: tuple[str, ...], item: StudyItem, phrase: Phrase, salt: int) -> Draft:
    text = pick(templates, item, salt).format(x=phrase.text)
    return draft(text, (item.id,), ".", evidence=phrase.evidence)


def _conclusion_sentence(item: StudyItem, finding: Finding) -> Draft:
    clause = finding_clause(finding, item)
    text = pick(CONCLUSION_TEMPLATES, item, salt=3).format(clause=clause)
    return draft(text, (item.id,), ".", evidence=evidence(item, finding.span), kind="finding")


def shared_sentence(items: list[StudyItem], stance: str, first: bool) -> Draft:
    """Studies with no result worth quoting that point the same way, named in one sentence:
    'A cohort study of 200 adults [4] and a case series of 12 patients [5] also support a yes.'"""
    parts: list[Part] = []
    for position, item in enumerate(items):
        if position:
            parts.append("and" if position == len(items) - 1 else ",")
        described = study_phrase(item, with_intervention=False).text
        parts += [with_article(described), (item.id,)]
    verb = STANCE_VERBS.get(stance, "address the question")
    verb = verb if len(items) > 1 else _singular(verb)
    also = "" if first else " also"
    tail = f"{also} {verb}, but the abstract{'s' if len(items) > 1 else ''} give" \
           f"{'' if len(items) > 1 else 's'} no result that can be quoted"
    parts[0] = capitalise(parts[0]) if isinstance(parts[0], str) else parts[0]
    found = [ev for item in items for ev in evidence(item, item.stance.span)]
    return draft(*parts, tail, ".", evidence=found)


def _singular(verb: str) -> str:
    head, _, rest = verb.partition(" ")
    return f"{head}s {rest}" if head != "point" else f"points {rest}"


def joined_names(items: list[StudyItem]) -> str:
    return join_words([with_article(design_noun(item)) for item in items])
