"""Sections of a ``pro`` report: a summary sentence, one paragraph per study, contradictions.

A section's summary says what its studies are, their size range, and which way they point
together; then each study's paragraph, strongest first (studies with no result worth quoting
share one sentence per stance); when some point towards yes and others towards no, a closing
``contradiction`` sentence names both sides with citations and the likely reasons the facts show
(design, dose, population, duration, sample size).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..models import DESIGN_LABELS, Grade, QueryAnalysis, design_rank
from .drafts import Draft, Part, draft
from .grading import grade_studies, start_level
from .grouping import Group, heading, item_keys, label_for, topic_words
from .phrases import (
    count_phrase,
    join_words,
    study_phrase,
    treatment_dose,
    with_article,
)
from .relevance import Topic
from .studies import (
    SUPPORTIVE,
    StudyItem,
    longest_duration,
    number_is_written,
    stance_evidence,
    strongest,
    weighted_score,
)
from .studytext import has_result, shared_sentence, study_sentences


@dataclass
class SectionDraft:
    heading: str
    kind: str
    sentences: list[Draft]
    paper_ids: list[str]
    grade: Grade | None = None
    weight: float = 0.0
    items: list[StudyItem] = field(default_factory=list)


def pro_sections(groups: list[Group], query: QueryAnalysis, topic: Topic) -> list[SectionDraft]:
    others = sum(1 for group in groups if group.kind in ("condition", "population")) > 0
    sections = [_pro_section(group, query, topic, others) for group in groups]
    return order_sections(sections)


def _pro_section(group: Group, query: QueryAnalysis, topic: Topic, others: bool) -> SectionDraft:
    items = strongest(group.items)
    related = group.kind == "related"
    sentences = [related_sentence(items) if related else summary_sentence(items, query.is_yes_no)]
    # Studies that do not address the question are named, not quoted: their results answer
    # another question and would read as if they bore on this one.
    described = [] if related else [item for item in items if has_result(item)]
    for item in described:
        sentences.extend(study_sentences(item))
    if not related:
        sentences.extend(_shared(items, described))
    conflict = None if related else contradiction_sentence(items, query)
    if conflict is not None:
        sentences.append(conflict)
    return SectionDraft(
        heading=heading(group, topic, query.question, others), kind=group.kind,
        sentences=sentences, paper_ids=[item.id for item in items],
        grade=None if related else grade_studies(items),
        weight=sum(item.weight for item in items), items=items,
    )


def _shared(items: list[StudyItem], described: list[StudyItem]) -> list[Draft]:
    """One sentence per stance for the studies with no result worth quoting."""
    quiet = [item for item in items if item not in described]
    out = []
    for stance in ("yes", "possibly", "no", "unclear"):
        same = [item for item in quiet if item.stance.stance == stance]
        if same:
            out.append(shared_sentence(same, stance, first=not described and not out))
    return out


def order_sections(sections: list[SectionDraft]) -> list[SectionDraft]:
    """Human sections by strength (grade, then weight), then animal, in vitro, related."""
    tail = {"animal": 1, "in_vitro": 2, "related": 3}
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


def size_range(items: list[StudyItem]) -> str:
    """'(22 to 1,204 participants)' over the sizes the abstracts state; '' when fewer than 2."""
    sizes = sorted({item.n for item in items if item.kind == "human" and item.n
                    and number_is_written(item, item.n)})
    if len(sizes) < 2:
        return ""
    return f" ({sizes[0]:,} to {sizes[-1]:,} participants)"


def summary_sentence(items: list[StudyItem], is_yes_no: bool) -> Draft:
    """What the section's studies are and which way they point together."""
    cites = tuple(item.id for item in items)
    found = [ev for item in items for ev in stance_evidence(item)]
    if len(items) == 1:
        label = DESIGN_LABELS.get(items[0].design, "study")
        text = f"The evidence here is a single {label}"
    else:
        text = f"The evidence here comes from {design_mix(items)}{size_range(items)}"
    direction = _direction(items) if is_yes_no else ""
    return draft(text, f"; {direction}" if direction else None, cites, ".",
                 evidence=found, kind="summary")


def related_sentence(items: list[StudyItem]) -> Draft:
    """'None of the studies found addresses the question as asked; the closest are a trial of
    X in 40 adults [1] and a cohort study of 300 women [2], named here and not counted.'"""
    parts: list[Part] = ["None of the studies found addresses the question as asked; the closest",
                         "is" if len(items) == 1 else "are"]
    found = []
    for position, item in enumerate(items):
        if position:
            parts.append("and" if position == len(items) - 1 else ",")
        phrase = study_phrase(item)
        parts += [with_article(phrase.text), (item.id,)]
        found += phrase.evidence
    parts.append(", named here and not counted")
    return draft(*parts, ".", evidence=found, kind="summary")


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
    """Up to two studies named by what they were ("a trial of 40 patients [3]"), else a count."""
    if len(items) > 2:
        return [count_phrase(len(items), "study"), tuple(item.id for item in items)]
    parts: list[Part] = []
    for position, item in enumerate(items):
        if position:
            parts.append("and")
        parts += [with_article(study_phrase(item, with_intervention=False).text), (item.id,)]
    return parts


def _points(items: list[StudyItem]) -> str:
    return "points" if len(items) == 1 else "point"


def likely_reasons(pro: list[StudyItem], con: list[StudyItem], query: QueryAnalysis) -> list[str]:
    """Differences between the two sides that could explain the conflict, as the facts show."""
    found = [_design_reason(pro, con), _dose_reason(pro, con),
             _population_reason(pro, con, query), _duration_reason(pro, con),
             _size_reason(pro, con)]
    return [reason for reason in found if reason]


def _design_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    best_pro, best_con = max(map(start_level, pro)), max(map(start_level, con))
    if best_pro == best_con:
        return ""
    labels = [DESIGN_LABELS.get(min(side, key=lambda i: design_rank(i.design)).design, "study")
              for side in (pro, con)]
    return f"a difference in design ({labels[0]} versus {labels[1]})"


def _dose_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    doses = [[dose.text.strip() for dose in map(treatment_dose, side) if dose is not None]
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


def _duration_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    lengths = [[found for found in map(longest_duration, side) if found] for side in (pro, con)]
    if not lengths[0] or not lengths[1]:
        return ""
    (weeks_pro, pro_text), (weeks_con, con_text) = lengths[0][0], lengths[1][0]
    if max(weeks_pro, weeks_con) < 2 * min(weeks_pro, weeks_con):
        return ""
    return f"different durations ({pro_text} versus {con_text})"


def _size_reason(pro: list[StudyItem], con: list[StudyItem]) -> str:
    sizes = [max((item.n for item in side if item.n and number_is_written(item, item.n)),
                 default=None) for side in (pro, con)]
    if sizes[0] is None or sizes[1] is None:
        return ""
    small, large = sorted(sizes)
    if large < 3 * small:
        return ""
    return f"different sample sizes ({sizes[0]:,} versus {sizes[1]:,} subjects)"
