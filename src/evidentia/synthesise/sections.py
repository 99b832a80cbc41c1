"""Sections of a ``pro`` report: a summary sentence, one paragraph per study, contradictions.

A section's summary says what its studies are and which way they point together; when some
point towards yes and others towards no, a closing ``contradiction`` sentence names both sides
with citations and the likely reason the facts show (design, dose, population, sample size).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import DESIGN_LABELS, Grade, QueryAnalysis, design_rank
from .drafts import Draft, Part, draft
from .grading import grade_studies, start_level
from .grouping import Group, heading, item_keys, label_for, topic_words
from .phrases import count_phrase, join_words, with_article
from .studies import (
    SUPPORTIVE,
    StudyItem,
    number_is_written,
    stance_evidence,
    strongest,
    weighted_score,
)
from .studytext import study_sentences


@dataclass
class SectionDraft:
    heading: str
    kind: str
    sentences: list[Draft]
    paper_ids: list[str]
    grade: Grade | None = None
    weight: float = 0.0
    items: list[StudyItem] = field(default_factory=list)


def pro_sections(groups: list[Group], query: QueryAnalysis) -> list[SectionDraft]:
    sections = [_pro_section(group, query) for group in groups]
    return order_sections(sections, groups)


def _pro_section(group: Group, query: QueryAnalysis) -> SectionDraft:
    items = strongest(group.items)
    sentences = [summary_sentence(items, query.is_yes_no)]
    for item in items:
        sentences.extend(study_sentences(item))
    conflict = contradiction_sentence(items, query)
    if conflict is not None:
        sentences.append(conflict)
    return SectionDraft(
        heading=heading(group, query), kind=group.kind, sentences=sentences,
        paper_ids=[item.id for item in items], grade=grade_studies(items),
        weight=sum(item.weight for item in items), items=items,
    )


def order_sections(sections: list[SectionDraft], groups: list[Group]) -> list[SectionDraft]:
    """Human sections by strength (grade, then weight), then animal, in vitro, other."""
    tail = {"animal": 1, "in_vitro": 2, "other": 3}
    levels = {"high": 0, "moderate": 1, "low": 2, "very low": 3}

    def key(pair: tuple[int, SectionDraft]) -> tuple[int, int, float, int]:
        position, section = pair
        level = levels[section.grade.level] if section.grade else 4
        return (tail.get(section.kind, 0), level, -section.weight, position)

    return [section for _, section in sorted(enumerate(sections), key=key)]


# --------------------------------------------------------------------------- summary


def design_mix(items: list[StudyItem]) -> str:
    """'2 randomised controlled trials and 1 cohort study', strongest design first."""
    counts = Counter(item.design if item.design in DESIGN_LABELS else "other" for item in items)
    ordered = sorted(counts, key=lambda design: (design_rank(design), design))
    other = "other study" if len(counts) > 1 else "study"
    return join_words([count_phrase(counts[d], DESIGN_LABELS[d] if d != "other" else other)
                       for d in ordered])


def summary_sentence(items: list[StudyItem], is_yes_no: bool) -> Draft:
    cites = tuple(item.id for item in items)
    found = [ev for item in items for ev in stance_evidence(item)]
    if len(items) == 1:
        label = DESIGN_LABELS.get(items[0].design, "study")
        text = f"A single {label} addresses this"
    else:
        text = f"This section covers {design_mix(items)}"
    direction = _direction(items) if is_yes_no else ""
    return draft(text, f"; {direction}" if direction else None, cites, ".",
                 evidence=found, kind="summary")


def _direction(items: list[StudyItem]) -> str:
    relevant = [item for item in items if item.relevant]
    if not relevant:
        return "it does not answer the question directly" if len(items) == 1 else \
            "none of them answers the question directly"
    if len(items) == 1:
        return f"it points towards {_stance_words(items[0].stance.stance)}"
    stances = {item.stance.stance for item in items}
    if len(stances) == 1 and relevant:
        everyone = "both" if len(items) == 2 else f"all {count_phrase(len(items), 'study')}"
        return f"{everyone} point towards {_stance_words(relevant[0].stance.stance)}"
    score = weighted_score(items) or 0.0
    lean = ("on balance they point towards yes" if score >= 0.3 else
            "on balance they point towards no" if score <= -0.3 else "their results are mixed")
    return f"{lean} ({_tallies(items)})"


def _stance_words(stance: str) -> str:
    return {"yes": "yes", "possibly": "a possible yes", "no": "no"}.get(stance, "neither answer")


def _tallies(items: list[StudyItem]) -> str:
    counts = Counter(item.stance.stance for item in items)
    words = {"yes": "yes", "possibly": "possibly yes", "no": "no", "unclear": "unclear"}
    return ", ".join(f"{count_phrase(counts[s], 'study')} {words[s]}"
                     for s in ("yes", "possibly", "no", "unclear") if counts[s])


# --------------------------------------------------------------------------- contradictions


def contradiction_sentence(items: list[StudyItem], query: QueryAnalysis) -> Draft | None:
    """'The findings conflict: ... [1] point towards yes, while ... [2] points towards no; ...'"""
    pro = strongest([item for item in items if item.stance.stance in SUPPORTIVE])
    con = strongest([item for item in items if item.stance.stance == "no"])
    if not pro or not con:
        return None
    parts: list[Part] = ["The findings conflict:", *_side(pro),
                         f"{_points(pro)} towards yes, while", *_side(con),
                         f"{_points(con)} towards no"]
    reasons = likely_reasons(pro, con, query)
    if reasons:
        parts.append(f"; the difference may reflect {join_words(reasons[:2])}")
    found = [ev for item in pro[:2] + con[:2] for ev in stance_evidence(item)]
    return draft(*parts, ".", evidence=found, kind="contradiction")


def _side(items: list[StudyItem]) -> list[Part]:
    if len(items) == 1:
        return [with_article(DESIGN_LABELS.get(items[0].design, "study")), (items[0].id,)]
    return [count_phrase(len(items), "study"), tuple(item.id for item in items)]


def _points(items: list[StudyItem]) -> str:
    return "points" if len(items) == 1 else "point"


def likely_reasons(pro: list[StudyItem], con: list[StudyItem], query: QueryAnalysis) -> list[str]:
    """Differences between the two sides that could explain the conflict, as the facts show."""
    found = [_design_reason(pro, con), _dose_reason(pro, con),
             _population_reason(pro, con, query), _size_reason(pro, con)]
    return [reason for reason in found if reason]


def _design_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    best_pro, best_con = max(map(start_level, pro)), max(map(start_level, con))
    if best_pro == best_con:
        return ""
    labels = [DESIGN_LABELS.get(min(side, key=lambda i: design_rank(i.design)).design, "study")
              for side in (pro, con)]
    return f"a difference in design ({labels[0]} versus {labels[1]})"


def _dose_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    doses = [[dose.text.strip() for item in side for dose in item.facts.doses[:1]]
             for side in (pro, con)]
    if not doses[0] or not doses[1]:
        return ""
    if {d.casefold() for d in doses[0]} & {d.casefold() for d in doses[1]}:
        return ""
    return f"different doses ({doses[0][0]} versus {doses[1][0]})"


def _population_reason(pro: list[StudyItem], con: list[StudyItem], query: QueryAnalysis) -> str:
    topic = topic_words(query)
    keys = [{key for item in side for key in item_keys(item, topic)} for side in (pro, con)]
    if not keys[0] or not keys[1] or keys[0] & keys[1]:
        return ""
    labels = [label_for(side, *sorted(side_keys)[0])
              for side, side_keys in zip((pro, con), keys, strict=True)]
    return f"different populations ({labels[0]} versus {labels[1]})"


def _size_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    sizes = [max((item.n for item in side if item.n and number_is_written(item, item.n)),
                 default=None) for side in (pro, con)]
    if sizes[0] is None or sizes[1] is None:
        return ""
    small, large = sorted(sizes)
    if large < 3 * small:
        return ""
    return f"different sample sizes ({sizes[0]:,} versus {sizes[1]:,} subjects)"
