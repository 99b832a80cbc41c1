"""Studies grouped into sections by condition or population, with headings from the question.

Human studies are grouped by the condition they share most (then the next, greedily); a study
with no condition falls back to its population. Conditions that merely restate the question's
own topic ("spasticity" in a question about spasticity) do not split studies, so groups follow
the population the studies were done in. Animal and in-vitro studies get their own groups;
whatever is left is "Other studies". Headings use the question's words ("<intervention> for
<outcome> in <condition>"), never a list written for one topic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..models import Fact, QueryAnalysis
from .phrases import capitalise
from .studies import StudyItem, fact_key, fact_label, soften_case

MAX_GROUPS = 6
GENERIC_POPULATIONS = frozenset({"patients", "participants", "subjects", "people", "individuals",
                                 "humans", "cases", "volunteers"})


@dataclass
class Group:
    kind: str  # condition | population | animal | in_vitro | other
    label: str  # what the studies share, as written ("multiple sclerosis"); "" for the rest
    items: list[StudyItem]


def group_studies(items: list[StudyItem], query: QueryAnalysis) -> list[Group]:
    """Groups in a first, provisional order: shared human groups, animal, in vitro, other."""
    topic = topic_words(query)
    human = [item for item in items if item.kind == "human"]
    min_size = 2 if len(human) >= 4 else 1
    groups, rest = _greedy(human, topic, min_size)
    for kind in ("animal", "in_vitro"):
        members = [item for item in items if item.kind == kind]
        if members:
            groups.append(Group(kind, _shared_label(members, topic), members))
    if rest:
        groups.append(Group("other", "", rest))
    return groups


def topic_words(query: QueryAnalysis) -> set[str]:
    return _words(query.terms + query.intervention + query.outcome + query.population)


def _words(terms: list[str]) -> set[str]:
    return {word for term in terms for word in re.findall(r"[\w'-]+", term.casefold())}


def _is_topic(key: str, topic: set[str]) -> bool:
    words = re.findall(r"[\w'-]+", key)
    return bool(words) and all(word in topic for word in words)


def item_keys(item: StudyItem, topic: set[str]) -> list[tuple[str, str]]:
    """(kind, key) an item can be grouped under: its conditions, else its population."""
    conditions = _unique([fact_key(fact) for fact in item.facts.conditions])
    specific = [key for key in conditions if not _is_topic(key, topic)]
    if specific or conditions:
        return [("condition", key) for key in (specific or conditions)]
    population = _unique([fact_key(fact) for fact in item.facts.population])
    return [("population", key) for key in population if key not in GENERIC_POPULATIONS]


def _unique(keys: list[str]) -> list[str]:
    return list(dict.fromkeys(key for key in keys if key))


def _greedy(
    items: list[StudyItem], topic: set[str], min_size: int
) -> tuple[list[Group], list[StudyItem]]:
    remaining = list(items)
    groups: list[Group] = []
    while remaining and len(groups) < MAX_GROUPS:
        choice = _most_shared(remaining, topic)
        if choice is None:
            break
        (kind, key), count = choice
        if count < min_size:
            break
        members = [item for item in remaining if (kind, key) in item_keys(item, topic)]
        groups.append(Group(kind, label_for(members, kind, key), members))
        taken = {item.id for item in members}
        remaining = [item for item in remaining if item.id not in taken]
    return groups, remaining


def _most_shared(
    items: list[StudyItem], topic: set[str]
) -> tuple[tuple[str, str], int] | None:
    counts: Counter[tuple[str, str]] = Counter()
    first_seen: dict[tuple[str, str], int] = {}
    for position, item in enumerate(items):
        for key in item_keys(item, topic):
            counts[key] += 1
            first_seen.setdefault(key, position)
    if not counts:
        return None
    best = min(counts, key=lambda key: (-counts[key], first_seen[key], key))
    return best, counts[best]


def _facts_of(item: StudyItem, kind: str) -> list[Fact]:
    return item.facts.conditions if kind == "condition" else item.facts.population


def label_for(members: list[StudyItem], kind: str, key: str) -> str:
    """The group's key as most of its studies write it."""
    written: Counter[str] = Counter()
    order: dict[str, int] = {}
    for item in members:
        for fact in _facts_of(item, kind):
            if fact_key(fact) == key:
                label = soften_case(fact_label(fact), fact.span, item.paper)
                written[label] += 1
                order.setdefault(label, len(order))
    if not written:
        return key
    return min(written, key=lambda label: (-written[label], order[label]))


def _shared_label(members: list[StudyItem], topic: set[str]) -> str:
    """For animal / in-vitro groups: a condition every member shares, if any."""
    shared: set[tuple[str, str]] | None = None
    for item in members:
        keys = set(item_keys(item, topic))
        shared = keys if shared is None else shared & keys
    if not shared:
        return ""
    kind, key = min(shared)
    return label_for(members, kind, key)


# --------------------------------------------------------------------------- headings


def question_phrase(question: str, terms: list[str]) -> str:
    """The terms as the question writes them ("vitamin D"), else joined as given."""
    words = [word for term in terms for word in re.findall(r"[\w'-]+", term)]
    if not words:
        return ""
    pattern = r"\b" + r"\W+".join(re.escape(word) for word in words) + r"\b"
    match = re.search(pattern, question, flags=re.I)
    if match:
        return match.group()
    return " ".join(term.strip() for term in terms if term.strip())


def heading(group: Group, query: QueryAnalysis) -> str:
    treatment = question_phrase(query.question, query.intervention)
    topic = question_phrase(query.question, query.outcome)
    if group.kind == "other":
        return "Other studies"
    if group.kind in ("animal", "in_vitro"):
        return _nonhuman_heading(group, treatment, topic)
    return capitalise(_human_heading(group.label, treatment, topic))


def _human_heading(label: str, treatment: str, topic: str) -> str:
    same = topic and label.casefold() == topic.casefold()
    if treatment and topic:
        return f"{treatment} for {topic}" if same else f"{treatment} for {topic} in {label}"
    if treatment:
        return f"{treatment} in {label}"
    if topic and not same:
        return f"{topic} in {label}"
    return f"Studies of {label}"


def _nonhuman_heading(group: Group, treatment: str, topic: str) -> str:
    kind = "Animal studies" if group.kind == "animal" else "Laboratory (in vitro) studies"
    subject = " for ".join(part for part in (treatment, topic) if part)
    if group.label and group.label.casefold() != topic.casefold():
        subject = f"{subject} in {group.label}" if subject else group.label
    return f"{kind} of {subject}" if subject else kind
