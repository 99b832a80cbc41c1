"""The ``explainer`` style: plain language for patients, short sentences, still cited.

Four parts: what the research looked at, what the studies found, side effects and cautions, and
questions to ask a doctor; then a plain conclusion. Findings are still the studies' own words
(a later version simplifies them); everything else is short, general wording.
"""

from __future__ import annotations

from ..models import Grade, QueryAnalysis
from .drafts import Draft, draft
from .grouping import question_phrase
from .phrases import (
    adverse_phrase,
    capitalise,
    comparator_phrase,
    count_phrase,
    finding_clause,
    intervention_phrase,
    main_finding,
    population_phrase,
)
from .sections import SectionDraft
from .studies import SUPPORTIVE, StudyItem, evidence, stance_evidence, strongest, weighted_score

NOT_MEDICAL_ADVICE = (
    "This summary explains research in plain language; it is not medical advice. Talk to a doctor"
    " or pharmacist before you start, stop or change any treatment."
)
PLAIN_DESIGN: dict[str, str] = {
    "meta_analysis": "a study that pooled the results of other studies",
    "systematic_review": "a review that gathered other studies",
    "rct": "a randomised trial",
    "non_randomised_trial": "a trial without random assignment",
    "cohort": "a study that followed people over time",
    "case_control": "a study that compared people with and without the condition",
    "cross_sectional": "a survey at a single point in time",
    "case_series": "a report on a small group of patients",
    "case_report": "a report on a single patient",
    "guideline": "a guideline",
    "narrative_review": "an expert review",
    "animal": "a study in animals",
    "in_vitro": "a laboratory study on cells",
    "other": "a study",
}
PLAIN_LEVEL = {"high": "strong", "moderate": "fairly strong", "low": "weak",
               "very low": "very weak"}


def plain_design(item: StudyItem) -> str:
    if item.design == "other" and item.facts.randomised:
        return PLAIN_DESIGN["rct"]
    return PLAIN_DESIGN.get(item.design, "a study")


def explainer_sections(items: list[StudyItem], query: QueryAnalysis) -> list[SectionDraft]:
    ordered = strongest(items)
    parts = [
        ("What the research looked at", "looked_at", _looked_at(ordered, query)),
        ("What the studies found", "found", _found(ordered, query)),
        ("Side effects and cautions", "cautions", _cautions(ordered)),
        ("Questions to ask your doctor", "questions", _questions(query)),
    ]
    return [SectionDraft(heading=title, kind=kind, sentences=sentences,
                         paper_ids=[item.id for item in ordered])
            for title, kind, sentences in parts]


def _looked_at(items: list[StudyItem], query: QueryAnalysis) -> list[Draft]:
    if not items:
        return [draft("No studies were found on this question.", kind="summary")]
    human = sum(1 for item in items if item.kind == "human")
    total = count_phrase(len(items), "study")
    if human in (0, len(items)):
        where = "people" if human else "animals or cells"
        scope = f"This summary draws on {total}, {'all ' if len(items) > 1 else ''}in {where}."
    else:
        scope = (f"This summary draws on {total}: {count_phrase(human, 'study')} in people and"
                 f" {count_phrase(len(items) - human, 'study')} in animals or cells.")
    out = [draft(scope, kind="summary")]
    for item in items:
        out.extend(_what_it_did(item))
    return out


def _what_it_did(item: StudyItem) -> list[Draft]:
    people = population_phrase(item)
    what = f"looked at {people.text}" if people else "is included"
    first = draft(f"{capitalise(plain_design(item))} {what}", (item.id,), ".",
                  evidence=people.evidence)
    treatment = intervention_phrase(item)
    if not treatment:
        return [first]
    comparator = comparator_phrase(item)
    if item.facts.placebo:
        text = f"It compared {treatment.text} with a dummy treatment (placebo)"
    elif comparator:
        text = f"It compared {treatment.text} with {comparator.text}"
    else:
        text = f"It tested {treatment.text}"
    found = treatment.evidence + comparator.evidence
    return [first, draft(text, (item.id,), ".", evidence=found)]


def _found(items: list[StudyItem], query: QueryAnalysis) -> list[Draft]:
    out = []
    relevant = [item for item in items if item.relevant]
    if query.is_yes_no and relevant:
        overall = _overall(relevant)
        found = [ev for item in relevant for ev in stance_evidence(item)]
        out.append(draft(overall, tuple(item.id for item in relevant), ".", evidence=found,
                         kind="summary"))
    for item in items:
        finding = main_finding(item)
        clause = finding_clause(finding, item) if finding is not None else ""
        if clause:
            out.append(draft(f"{capitalise(plain_design(item))} found that {clause}",
                             (item.id,), ".", evidence=evidence(item, finding.span)))
    return out


def _overall(relevant: list[StudyItem]) -> str:
    score = weighted_score(relevant) or 0.0
    supportive = sum(1 for item in relevant if item.stance.stance in SUPPORTIVE)
    against = len(relevant) - supportive
    if score >= 0.3:
        return ("Most of the studies point towards yes" if supportive > against else
                "The stronger studies point towards yes, but not all studies agree")
    if score <= -0.3:
        return ("Most of the studies point towards no" if against > supportive else
                "The stronger studies point towards no, but not all studies agree")
    return "The studies do not agree with each other"


def _cautions(items: list[StudyItem]) -> list[Draft]:
    out = []
    for item in items:
        adverse = adverse_phrase(item)
        if adverse:
            out.append(draft(f"{capitalise(plain_design(item))} reported {adverse.text}",
                             (item.id,), ".", evidence=adverse.evidence))
    if not out:
        out.append(draft("The study summaries do not describe side effects. That does not mean"
                         " there are none.", kind="caution"))
    nonhuman = [item.id for item in items if item.kind != "human"]
    if nonhuman:
        out.append(draft("Some results come from studies in animals or cells. These do not always"
                         " apply to people", tuple(nonhuman), ".", kind="caution"))
    small = [item.id for item in items if item.kind == "human" and item.n is not None
             and item.n < 100]
    if small:
        out.append(draft("Some studies were small. Their results could be due to chance",
                         tuple(small), ".", kind="caution"))
    return out


def _questions(query: QueryAnalysis) -> list[Draft]:
    treatment = question_phrase(query.question, query.intervention)
    first = (f"Could {treatment} help someone like me, with my health and my other medicines?"
             if treatment else "Which treatments could help someone like me?")
    questions = [
        first,
        "What dose would be right for me, and which side effects should I watch for?",
        "How strong is this evidence compared with other options I could try?",
        "How will we know whether it is working, and when should I stop?",
    ]
    return [draft(question, kind="question") for question in questions]


def explainer_conclusion(items: list[StudyItem], grade: Grade) -> list[Draft]:
    relevant = [item for item in items if item.relevant] or items
    if not relevant:
        return [draft("There is not enough research yet to say.", kind="conclusion")]
    plain = PLAIN_LEVEL[grade.level]
    cites = tuple(item.id for item in strongest(relevant))
    out = [draft(f"How sure can we be? The evidence is {plain} ({grade.level} certainty)",
                 cites, ".", kind="conclusion")]
    pro = [item for item in relevant if item.stance.stance in SUPPORTIVE]
    con = [item for item in relevant if item.stance.stance == "no"]
    if pro and con:
        out.append(draft("The studies do not all agree, so more research is needed.",
                         kind="conclusion"))
    return out
