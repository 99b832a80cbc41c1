"""GRADE-like certainty of a body of evidence: high, moderate, low or very low, with reasons.

Start from the strongest design present (randomised trials and their syntheses high,
observational studies low, case reports, animal and laboratory studies very low), then go down
one level each for imprecision (fewer than 100 people in total, or sizes not reported),
inconsistency (studies point both ways) and few studies (fewer than three). Studies that do not
address the question (stance "unclear") are not graded: with none left, the grade is very low.
"""

from __future__ import annotations

from ..models import Grade
from .phrases import design_plural
from .studies import SUPPORTIVE, StudyItem

LEVELS = ("very low", "low", "moderate", "high")
START_LEVEL: dict[str, int] = {
    "meta_analysis": 3, "systematic_review": 3, "rct": 3,
    "trial": 2, "non_randomised_trial": 1, "cohort": 1, "case_control": 1, "cross_sectional": 1,
    "case_series": 0, "case_report": 0, "guideline": 0, "narrative_review": 0,
    "animal": 0, "in_vitro": 0, "other": 0,
}
SMALL_TOTAL = 100  # people across the graded studies below which estimates are imprecise
FEW_STUDIES = 3


def grade_studies(items: list[StudyItem]) -> Grade:
    """The certainty of what these studies say together."""
    graded = [item for item in items if item.relevant]
    if not graded:
        return Grade(level="very low", reasons=["no study found addresses the question"])
    level, reason = _start(graded)
    reasons = [reason]
    for downgrade in (_imprecision(graded), _inconsistency(graded), _few(graded)):
        if downgrade:
            level = max(0, level - 1)
            reasons.append(downgrade)
    return Grade(level=LEVELS[level], reasons=reasons)


def start_level(item: StudyItem) -> int:
    if item.kind != "human":
        return 0
    if item.design == "other" and item.facts.randomised:
        return 3
    return START_LEVEL.get(item.design, 0)


def _start(items: list[StudyItem]) -> tuple[int, str]:
    best = max(items, key=lambda item: (start_level(item), -item.order))
    level = start_level(best)
    if all(item.kind != "human" for item in items):
        return 0, "starts very low: only animal or laboratory studies"
    design = "rct" if best.design == "other" and best.facts.randomised else best.design
    reason = f"starts {LEVELS[level]}: the strongest evidence comes from {design_plural(design)}"
    return level, reason


def _imprecision(items: list[StudyItem]) -> str:
    human = [item for item in items if item.kind == "human"]
    sizes = [item.n for item in human if item.n is not None]
    if not human:
        return ""
    if not sizes:
        return "imprecision: sample sizes are not reported"
    total = sum(sizes)
    if total < SMALL_TOTAL:
        people = "person" if total == 1 else "people"
        return f"imprecision: {total} {people} in total (fewer than {SMALL_TOTAL})"
    return ""


def _inconsistency(items: list[StudyItem]) -> str:
    stances = {item.stance.stance for item in items}
    if stances & SUPPORTIVE and "no" in stances:
        return "inconsistency: the studies point in different directions"
    return ""


def _few(items: list[StudyItem]) -> str:
    if len(items) >= FEW_STUDIES:
        return ""
    return "few studies: a single study" if len(items) == 1 else f"few studies: only {len(items)}"
