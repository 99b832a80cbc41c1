"""The conclusion: how much the evidence weighs, its limitations, and what research is needed.

Each sentence is built from what the studies are (design, size, species, agreement), names the
studies it speaks of, and states no number a cited paper does not state (counts of studies
aside).
"""

from __future__ import annotations

from ..models import Filters, Grade, QueryAnalysis
from .drafts import Draft, draft
from .filters import filtered_out_conclusion, narrowed
from .grading import SMALL_TOTAL
from .grouping import subject_phrase
from .phrases import count_phrase, join_words, study_phrase, with_article
from .relevance import topic_of
from .sections import design_mix
from .studies import (
    CONTROLLED_DESIGNS,
    SUPPORTIVE,
    TRIAL_DESIGNS,
    StudyItem,
    longest_duration,
    number_is_written,
    strongest,
    weighted_score,
)

SHORT_WEEKS = 26  # trials that all last six months or less cannot show long-term effects


def conclusion_drafts(
    items: list[StudyItem], grade: Grade, query: QueryAnalysis, labels: list[tuple[str, str]],
    filters: Filters | None = None,
) -> list[Draft]:
    relevant = [item for item in items if item.relevant]
    if not items and narrowed(filters):
        return [filtered_out_conclusion(filters or Filters()),
                research_needed(items, query, labels)]
    if not relevant:
        return [draft("No study found addresses the question, so no conclusion can be drawn.",
                      kind="conclusion"), research_needed(items, query, labels)]
    drafts = [_weighing(relevant, grade), _by_design(relevant), _largest(relevant),
              _consistency(relevant)]
    drafts += limitation_drafts(items, relevant, labels)
    drafts.append(research_needed(items, query, labels))
    return [item for item in drafts if item is not None]


def _ids(items: list[StudyItem]) -> tuple[str, ...]:
    return tuple(item.id for item in strongest(items))


def _weighing(relevant: list[StudyItem], grade: Grade) -> Draft:
    """'Overall, the certainty ... is low: it rests on 2 randomised controlled trials and 1 cohort
    study in people and 1 animal study.'"""
    human = [item for item in relevant if item.kind == "human"]
    pieces = [design_mix(human) + (" in people" if len(human) < len(relevant) else "")
              if human else ""]
    for kind, noun in (("animal", "animal study"), ("in_vitro", "laboratory study")):
        count = sum(1 for item in relevant if item.kind == kind)
        pieces.append(count_phrase(count, noun) if count else "")
    text = f"Overall, the certainty of the evidence is {grade.level}: it rests on"
    return draft(text, join_words([piece for piece in pieces if piece]), _ids(relevant), ".",
                 kind="conclusion")


TIERS = (  # (name, designs), strongest first; what is left over is "other studies"
    ("randomised trials and their syntheses", frozenset({"meta_analysis", "systematic_review",
                                                         "rct"})),
    ("observational studies", frozenset({"trial", "non_randomised_trial", "cohort", "case_control",
                                         "cross_sectional"})),
    ("case reports and series", frozenset({"case_series", "case_report"})),
)


def _tier(item: StudyItem) -> str:
    if item.kind != "human":
        return "animal and laboratory studies"
    if item.design == "other" and item.facts.randomised:
        return TIERS[0][0]
    return next((name for name, designs in TIERS if item.design in designs), "other studies")


def _by_design(relevant: list[StudyItem]) -> Draft | None:
    """'By design, the randomised trials ... point towards yes [1, 2] and the observational
    studies towards no [3].' Only when the evidence spans more than one tier of design."""
    order = [name for name, _ in TIERS] + ["other studies", "animal and laboratory studies"]
    tiers = {name: [item for item in relevant if _tier(item) == name] for name in order}
    present = [(name, items) for name, items in tiers.items() if items]
    if len(present) < 2:
        return None
    parts: list = ["By design,"]
    for position, (name, items) in enumerate(present):
        if position:
            parts.append(", and" if position == len(present) - 1 else ",")
        parts += [f"the {name} {_way(items)}", _ids(items)]
    return draft(*parts, ".", kind="conclusion")


def _way(items: list[StudyItem]) -> str:
    score = weighted_score(items) or 0.0
    if -0.3 < score < 0.3:
        return "are split"
    if score >= 0.3:
        return f"point towards {_yes_word(items)}"
    return "point towards no"


def _yes_word(items: list[StudyItem]) -> str:
    """'yes', or 'a possible yes' when no study that counts says more than possibly."""
    firm = any(item.relevant and item.stance.stance == "yes" for item in items)
    return "yes" if firm else "a possible yes"


def _largest(relevant: list[StudyItem]) -> Draft | None:
    """'The largest study, a cohort study of 80,082 women [5], points towards yes.'"""
    sized = [item for item in relevant if item.kind == "human" and item.n
             and number_is_written(item, item.n)]
    if len(sized) < 2:
        return None
    largest = max(sized, key=lambda item: (item.n, -item.order))
    described = with_article(study_phrase(largest, with_intervention=False).text)
    words = {"yes": "yes", "possibly": "a possible yes", "no": "no"}
    return draft(f"The largest study, {described}", (largest.id,),
                 f", points towards {words.get(largest.stance.stance, 'neither answer')}.",
                 kind="conclusion")


def _consistency(relevant: list[StudyItem]) -> Draft | None:
    pro = [item for item in relevant if item.stance.stance in SUPPORTIVE]
    con = [item for item in relevant if item.stance.stance == "no"]
    if pro and con:
        return draft("The results are inconsistent: some studies point towards yes", _ids(pro),
                     "and others towards no", _ids(con), ".", kind="conclusion")
    if len(relevant) > 1 and (pro or con):
        direction = _yes_word(pro) if pro else "no"
        return draft(f"The studies that address the question agree, pointing towards {direction}",
                     _ids(relevant), ".", kind="conclusion")
    return None


def limitation_drafts(
    items: list[StudyItem], relevant: list[StudyItem], labels: list[tuple[str, str]]
) -> list[Draft]:
    human = [item for item in relevant if item.kind == "human"]
    found = [_small(human), _few_trials(human), _nonhuman(relevant, human),
             _short(relevant), _heterogeneous(human, labels)]
    return [item for item in found if item is not None]


def _small(human: list[StudyItem]) -> Draft | None:
    small = [item for item in human if item.n is not None and item.n < SMALL_TOTAL]
    known = [item for item in human if item.n is not None]
    if not known or len(small) * 2 <= len(known):
        return None
    subject = "The only human study with a reported size was small" if len(known) == 1 else \
        "Most human studies were small"
    return draft(f"{subject}, so chance findings cannot be ruled out", _ids(small), ".",
                 kind="limitation")


def _few_trials(human: list[StudyItem]) -> Draft | None:
    trials = [item for item in human if item.design in CONTROLLED_DESIGNS]
    if not human:
        return None
    if not trials:
        return draft("No randomised controlled trial in people addresses the question, so cause"
                     " and effect cannot be established.", kind="limitation")
    if len(trials) == 1:
        return draft("Only 1 randomised controlled trial or synthesis of trials addresses the"
                     " question", (trials[0].id,), ".", kind="limitation")
    return None


def _nonhuman(relevant: list[StudyItem], human: list[StudyItem]) -> Draft | None:
    nonhuman = [item for item in relevant if item.kind != "human"]
    if not nonhuman:
        return None
    if not human:
        return draft("All of the evidence comes from animal or laboratory studies, which may not"
                     " carry over to people", _ids(nonhuman), ".", kind="limitation")
    return draft("Part of the evidence comes from animal or laboratory studies, which may not"
                 " carry over to people", _ids(nonhuman), ".", kind="limitation")


def _short(relevant: list[StudyItem]) -> Draft | None:
    """Trials that all report a duration of six months or less: long-term effects unknown."""
    trials = [item for item in relevant if item.kind == "human" and item.design in TRIAL_DESIGNS]
    lengths = [(longest_duration(item), item) for item in trials]
    known = [(duration, item) for duration, item in lengths if duration is not None]
    if not known or len(known) < len(trials):
        return None
    (weeks, written), _ = max(known, key=lambda pair: pair[0][0])
    if weeks > SHORT_WEEKS:
        return None
    return draft(f"The trials were short (the longest lasted {written}), so long-term effects"
                 " are unknown", _ids([item for _, item in known]), ".", kind="limitation")


def _heterogeneous(human: list[StudyItem], labels: list[tuple[str, str]]) -> Draft | None:
    names = [label for _, label in labels]
    if len(names) < 2 or len(human) < 2:
        return None
    doses = {dose.text.strip().casefold() for item in human for dose in item.facts.doses[:1]}
    extra = " and used different doses" if len(doses) > 1 else ""
    return draft(f"The studies differ in population ({join_words(names[:4])}){extra}, so their"
                 " results may not apply equally to each group", _ids(human), ".",
                 kind="limitation")


def people_phrase(labels: list[tuple[str, str]]) -> str:
    """' in people with multiple sclerosis or in older adults', ' in people' when no labels."""
    conditions = [label for kind, label in labels if kind == "condition"]
    parts = [f"people with {join_words(conditions, 'or')}"] if conditions else []
    parts += [label for kind, label in labels if kind != "condition"]
    return f" in {join_words(parts, 'or')}" if parts else " in people"


def research_needed(items: list[StudyItem], query: QueryAnalysis,
                    labels: list[tuple[str, str]]) -> Draft:
    """What studies would settle the question, from what is missing or in conflict; plainer
    versions follow for when the question's own words cannot be checked against a paper."""
    relevant = [item for item in items if item.relevant]
    topic = subject_phrase(topic_of(query), query.question)
    versions = [_research_text(relevant, topic, people_phrase(labels[:2])),
                _research_text(relevant, "", people_phrase(labels[:2])),
                _research_text(relevant, "", " in people")]
    cites = _ids([item for item in relevant if item.kind == "human"] or relevant)
    drafts = [draft(text, cites or None, ".", kind="research_need")
              for text in dict.fromkeys(versions)]
    drafts[0].fallbacks = drafts[1:]
    return drafts[0]


def _research_text(relevant: list[StudyItem], topic: str, people: str) -> str:
    human = [item for item in relevant if item.kind == "human"]
    subject = f" of {topic}" if topic else ""
    if not human:
        text = f"Studies{subject}{people} are needed before the question can be answered"
    elif any(item.design in CONTROLLED_DESIGNS for item in human):
        follow_up = "longer follow-up and " if _short(relevant) is not None else ""
        text = (f"Larger randomised controlled trials{subject}{people} are needed, with"
                f" {follow_up}standard outcome measures")
    else:
        text = f"Randomised controlled trials{subject}{people} are needed"
    stances = {item.stance.stance for item in relevant}
    if stances & SUPPORTIVE and "no" in stances:
        text += ", to explain why results differ"
    return text
