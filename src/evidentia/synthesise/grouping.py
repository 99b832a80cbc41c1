"""Studies grouped into sections by condition or population, with headings from the question.

Only studies that address the question are grouped. Human studies are grouped by the condition
they share most (then the next, greedily), each study offering its two most central clean
conditions (``labels.people_conditions``); a study with none offers its population ("older
adults"). Conditions that merely restate the question's topic ("spasticity" in a question about
spasticity) do not split studies. A condition only one study has gets its own section while the
report stays short (``MAX_HUMAN_GROUPS``); otherwise it joins "other" human studies (a population
only one study has never gets a section of its own). Animal and
in-vitro studies get their own groups. Headings use the question's words ("<treatment> for
<outcome> in <condition>"), never a list written for one topic.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..models import Fact, QueryAnalysis
from .labels import (
    condition_score,
    people_conditions,
    people_populations,
    readable_case,
)
from .phrases import capitalise
from .relevance import Topic
from .studies import StudyItem, fact_key

MAX_HUMAN_GROUPS = 4
KEYS_PER_STUDY = 1  # a study is grouped by its most central condition, the one its text names
MAX_TOPIC_WORDS = 5  # a question's outcome longer than this is left out of headings
GENERIC_POPULATIONS = frozenset({"patients", "participants", "subjects", "people", "individuals",
                                 "humans", "cases", "volunteers", "controls", "adults"})
_ASSOCIATION_RE = re.compile(r"\b(?:associat\w*|risk|relat\w*|predict\w*|link\w*|cause\w*)\b",
                             re.I)


@dataclass
class Group:
    kind: str  # condition | population | animal | in_vitro | other | related
    label: str  # what the studies share, as written ("multiple sclerosis"); "" for the rest
    items: list[StudyItem]


def group_studies(items: list[StudyItem], query: QueryAnalysis) -> list[Group]:
    """Groups in a first, provisional order: human groups, other humans, animal, in vitro."""
    relevant = [item for item in items if item.relevant]
    if not relevant:
        return [Group("related", "", items[:3])] if items else []
    topic = topic_words(query)
    human = [item for item in relevant if item.kind == "human"]
    groups, rest = _greedy(human, topic)
    if rest:
        groups.append(Group("other", "", rest))
    for kind in ("animal", "in_vitro"):
        members = [item for item in relevant if item.kind == kind]
        if members:
            groups.append(Group(kind, _shared_label(members, topic), members))
    return groups


def topic_words(query: QueryAnalysis) -> set[str]:
    """The question's words, singular ("fractures" -> "fracture"), for comparing with labels."""
    return _words(query.terms + query.intervention + query.outcome + query.population)


def _words(terms: list[str]) -> set[str]:
    return {_singular(word) for term in terms for word in re.findall(r"[\w']+", term.casefold())}


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _is_topic(key: str, topic: set[str]) -> bool:
    words = re.findall(r"[\w']+", key)
    return bool(words) and all(_singular(word) in topic for word in words)


def item_keys(item: StudyItem, topic: set[str]) -> list[tuple[str, str]]:
    """(kind, key) an item can be grouped under: its central conditions, else its population."""
    keys = [fact_key(fact) for fact in people_conditions(item)]
    specific = [key for key in dict.fromkeys(keys) if key and not _is_topic(key, topic)]
    if specific:
        return [("condition", key) for key in specific[:KEYS_PER_STUDY]]
    population = dict.fromkeys(fact_key(fact) for fact in people_populations(item))
    return [("population", key) for key in population
            if key and key not in GENERIC_POPULATIONS and not _is_topic(key, topic)][:1]


def _greedy(items: list[StudyItem], topic: set[str]) -> tuple[list[Group], list[StudyItem]]:
    """Shared groups first (most shared key, then the next); singletons while there is room."""
    remaining = list(items)
    groups: list[Group] = []
    while remaining and len(groups) < MAX_HUMAN_GROUPS:
        choice = _most_shared(remaining, topic)
        if choice is None:
            break
        (kind, key), count = choice
        if count < 2 and (kind == "population" or
                          not _room_for_singletons(remaining, topic, len(groups))
                          or not _central(remaining, key)):
            break
        members = [item for item in remaining if (kind, key) in item_keys(item, topic)]
        groups.append(Group(kind, label_for(members, kind, key), members))
        taken = {item.id for item in members}
        remaining = [item for item in remaining if item.id not in taken]
    return groups, remaining


def _central(items: list[StudyItem], key: str) -> bool:
    """A study's condition merits a section of its own only when its title names it or its
    text says its people have it ("patients with X")."""
    for item in items:
        for fact in people_conditions(item):
            if fact_key(fact) == key and condition_score(fact, item) >= 3:
                return True
    return False


def _room_for_singletons(remaining: list[StudyItem], topic: set[str], used: int) -> bool:
    """Each remaining study may have a section of its own only if that keeps the report short."""
    keyed = sum(1 for item in remaining if item_keys(item, topic))
    unkeyed = len(remaining) - keyed
    return used + keyed + (1 if unkeyed else 0) <= MAX_HUMAN_GROUPS


def _most_shared(
    items: list[StudyItem], topic: set[str]
) -> tuple[tuple[str, str], int] | None:
    counts: Counter[tuple[str, str]] = Counter()
    first_seen: dict[tuple[str, str], tuple[int, int]] = {}
    for position, item in enumerate(items):
        for centrality, key in enumerate(item_keys(item, topic)):
            counts[key] += 1
            first_seen.setdefault(key, (position, centrality))
    if not counts:
        return None
    best = min(counts, key=lambda key: (-counts[key], first_seen[key], key))
    return best, counts[best]


def _facts_of(item: StudyItem, kind: str) -> list[Fact]:
    return people_conditions(item) if kind == "condition" else people_populations(item)


def label_for(members: list[StudyItem], kind: str, key: str) -> str:
    """The group's key as most of its studies write it (in sentence case)."""
    written: Counter[str] = Counter()
    order: dict[str, int] = {}
    for item in members:
        for fact in _facts_of(item, kind):
            if fact_key(fact) == key:
                label = readable_case(fact, item)[0]
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


def heading(group: Group, topic: Topic, question: str, others: bool) -> str:
    """A heading that says what the section is about; ``others`` when other human groups exist."""
    outcome = _heading_outcome(topic.outcome)
    subject = subject_phrase(topic, question)
    if group.kind == "related":
        return "Related studies that do not answer the question directly"
    if group.kind in ("animal", "in_vitro"):
        return _nonhuman_heading(group, subject, outcome)
    if group.kind == "other":
        if not others:
            return capitalise(subject) if subject else "What the studies found"
        return f"{capitalise(subject)} in other groups" if subject else "Other studies in people"
    return capitalise(_human_heading(group.label, subject, outcome))


def _heading_outcome(outcome: str) -> str:
    outcome = re.split(r"\s+(?:compared|versus|vs\.?)\b", outcome, maxsplit=1)[0].strip()
    outcome = re.sub(r"^(?:the\s+)?(?:risk|odds|incidence|rate)\s+of\s+", "", outcome, flags=re.I)
    return outcome if 0 < len(outcome.split()) <= MAX_TOPIC_WORDS else ""


def subject_phrase(topic: Topic, question: str) -> str:
    """'gabapentin for spasticity', 'obesity and diabetes' (associations), or one of them."""
    treatment, outcome = topic.treatment, _heading_outcome(topic.outcome)
    if treatment and outcome:
        link = "and" if _ASSOCIATION_RE.search(question) else "for"
        return f"{treatment} {link} {outcome}"
    return treatment or outcome


def _human_heading(label: str, subject: str, outcome: str) -> str:
    same = outcome and label.casefold() in outcome.casefold()
    if same:
        return subject
    if subject:
        return f"{subject} in {label}"
    return f"Studies in {label}"


def _nonhuman_heading(group: Group, subject: str, outcome: str) -> str:
    kind = "Animal studies" if group.kind == "animal" else "Laboratory (in vitro) studies"
    if group.label and group.label.casefold() not in outcome.casefold():
        subject = f"{subject} in {group.label}" if subject else group.label
    return f"{kind} of {subject}" if subject else kind
