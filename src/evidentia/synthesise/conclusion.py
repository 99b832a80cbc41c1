"""The conclusion: how much the evidence weighs, its limitations, and what research is needed.

Each sentence is built from what the studies are (design, size, species, agreement), names the
studies it speaks of, and states no number a cited paper does not state (counts of studies
aside).
"""

from __future__ import annotations

from ..models import DESIGN_LABELS, Grade, QueryAnalysis
from .drafts import Draft, draft
from .grading import SMALL_TOTAL
from .grouping import question_phrase
from .phrases import count_phrase, count_words, join_words
from .studies import CONTROLLED_DESIGNS, SUPPORTIVE, TRIAL_DESIGNS, StudyItem, strongest
from .textfacts import durations

SHORT_WEEKS = 26  # trials that all last six months or less cannot show long-term effects


def conclusion_drafts(
    items: list[StudyItem], grade: Grade, query: QueryAnalysis, labels: list[str]
) -> list[Draft]:
    relevant = [item for item in items if item.relevant] or items
    if not relevant:
        return [draft("No studies could be weighed, so no conclusion can be drawn.",
                      kind="conclusion")]
    drafts = [_weighing(relevant, grade), _consistency(relevant)]
    drafts += limitation_drafts(items, relevant, labels)
    drafts.append(research_needed(items, query, labels))
    return [item for item in drafts if item is not None]


def _ids(items: list[StudyItem]) -> tuple[str, ...]:
    return tuple(item.id for item in strongest(items))


def _weighing(relevant: list[StudyItem], grade: Grade) -> Draft:
    human = [item for item in relevant if item.kind == "human"]
    pieces = [_design_count(human, design) for design in ("meta_analysis", "systematic_review",
                                                          "rct")]
    other = [item for item in human if item.design not in CONTROLLED_DESIGNS]
    if other:
        pieces.append(f"{count_phrase(len(other), 'other study')} in people")
    for kind, noun in (("animal", "animal study"), ("in_vitro", "laboratory study")):
        count = sum(1 for item in relevant if item.kind == kind)
        pieces.append(count_phrase(count, noun) if count else "")
    text = f"Overall, the certainty of the evidence is {grade.level}: it rests on"
    return draft(text, join_words([piece for piece in pieces if piece]), _ids(relevant), ".",
                 kind="conclusion")


def _design_count(human: list[StudyItem], design: str) -> str:
    count = sum(1 for item in human if item.design == design)
    return count_phrase(count, DESIGN_LABELS[design]) if count else ""


def _consistency(relevant: list[StudyItem]) -> Draft | None:
    pro = [item for item in relevant if item.stance.stance in SUPPORTIVE]
    con = [item for item in relevant if item.stance.stance == "no"]
    if pro and con:
        return draft("The results are inconsistent: some studies point towards yes", _ids(pro),
                     "and others towards no", _ids(con), ".", kind="conclusion")
    if len(relevant) > 1 and (pro or con):
        direction = "yes" if pro else "no"
        return draft(f"The studies that address the question agree, pointing towards {direction}",
                     _ids(relevant), ".", kind="conclusion")
    return None


def limitation_drafts(
    items: list[StudyItem], relevant: list[StudyItem], labels: list[str]
) -> list[Draft]:
    human = [item for item in relevant if item.kind == "human"]
    found = [_small(human), _few_trials(human), _nonhuman(relevant, human),
             _short(relevant), _heterogeneous(human, labels), _unclear(items)]
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


def longest_duration(item: StudyItem) -> tuple[float, str] | None:
    found = durations(f"{item.paper.title}\n{item.paper.abstract}")
    return max(found, key=lambda pair: pair[0]) if found else None


def _heterogeneous(human: list[StudyItem], labels: list[str]) -> Draft | None:
    if len(labels) < 2 or len(human) < 2:
        return None
    doses = {dose.text.strip().casefold() for item in human for dose in item.facts.doses[:1]}
    extra = " and used different doses" if len(doses) > 1 else ""
    return draft(f"The studies differ in population ({join_words(labels[:4])}){extra}, so their"
                 " results may not apply equally to each group", _ids(human), ".",
                 kind="limitation")


def _unclear(items: list[StudyItem]) -> Draft | None:
    unclear = [item for item in items if not item.relevant]
    if not unclear or len(unclear) == len(items):
        return None
    verb = "does" if len(unclear) == 1 else "do"
    return draft(f"{count_words(len(unclear), 'study')} {verb} not report results that bear"
                 " directly on the question", _ids(unclear), ".", kind="limitation")


def research_needed(items: list[StudyItem], query: QueryAnalysis, labels: list[str]) -> Draft:
    """What studies would settle the question, from what is missing or in conflict."""
    relevant = [item for item in items if item.relevant] or items
    human = [item for item in relevant if item.kind == "human"]
    treatment = question_phrase(query.question, query.intervention)
    subject = f" of {treatment}" if treatment else ""
    people = f" in people with {join_words(labels[:2], 'or')}" if labels else " in people"
    if not human:
        text = f"Studies{subject}{people} are needed before the question can be answered"
    elif any(item.design in CONTROLLED_DESIGNS for item in human):
        text = (f"Larger randomised, placebo-controlled trials{subject}{people} are needed, with"
                " longer follow-up and standard outcome measures")
    else:
        text = f"Randomised controlled trials{subject}{people} are needed"
    stances = {item.stance.stance for item in relevant}
    if stances & SUPPORTIVE and "no" in stances:
        text += ", to explain why results differ"
    return draft(text, ".", kind="research_need")
