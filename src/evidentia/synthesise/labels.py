"""Clean labels from extracted facts: the words a report may print for a condition, treatment,
outcome or harm, or nothing when the fact does not read as one.

Extractors are generous: "adrenal lesions larger", "receive oral" or "well tolerated" come back
as a condition, an intervention and an adverse effect. These filters are general (grammar and
general vocabularies, never a topic's words); each cleaned label keeps a span inside the fact's
own span, so the evidence stays exact.
"""

from __future__ import annotations

import re

from ..models import Fact, Span
from .studies import StudyItem, evidence, soften_case

# A condition phrase ends before these words ("women with fractures who were treated ...").
_CONDITION_STOP = frozenset({
    "underwent", "undergoing", "undergo", "who", "whom", "which", "that", "were", "was", "is",
    "are", "being", "been", "via", "received", "receiving", "treated", "treating", "larger",
    "smaller", "greater", "aged", "admitted", "presenting", "scheduled", "requiring",
    "after", "before", "during", "than", "using", "showed", "had", "have", "has",
    "from", "at", "in", "on", "by", "for", "to", "as", "the", "technique", "stopped",
})
_TRAILING = frozenset({"of", "with", "the", "a", "an", "to", "for", "in", "on", "at", "by",
                       "larger", "smaller", "new", "other", "its", "their", "all"})
_NOT_A_CONDITION = frozenset({"normal", "healthy", "control", "controls", "high", "low",
                              "severe", "mild", "moderate", "a", "an", "the", "i", "ii", "iii",
                              "iv", "this", "these", "those", "such", "both", "each"})
# What cannot start the name of a treatment: verbs, hedges, determiners, numbers in words.
_NOT_TREATMENT_START = frozenset({
    "receive", "received", "receiving", "oral", "stopped", "successful", "therapeutic", "may",
    "might", "adding", "providing", "improve", "improved", "controversial", "prophylactic",
    "the", "a", "an", "this", "these", "both", "each", "all", "group", "groups", "patients",
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "either",
    "such", "other", "same", "standard", "usual", "current", "conventional", "new", "novel",
    "effective", "following", "use", "treatment", "therapy", "intervention", "and", "or",
})
_SOFTWARE = frozenset({"spss", "sas", "stata", "r", "graphpad", "prism", "excel", "revman"})
MEASURE_WORDS = frozenset({"min", "mins", "minute", "minutes", "hour", "hours", "day", "days",
                           "week", "weeks", "month", "months", "year", "years", "ml", "mg",
                           "liter", "liters", "litre", "litres", "times", "dose", "doses"})
# Words that name harm in general, not a particular harm.
GENERIC_HARM = frozenset({
    "adverse", "events", "event", "effects", "effect", "side", "side-effects", "serious",
    "reactions", "reaction", "drug", "related", "treatment-related", "emergent",
    "treatment-emergent", "any", "no", "mild", "severe", "moderate", "complications",
    "complication", "toxicity", "toxicities", "tolerated", "well", "tolerability", "safety",
    "discontinuation", "due", "to", "withdrawal", "withdrawals", "major", "minor", "total",
    "postoperative", "perioperative", "other", "overall", "incidence", "rate", "rates",
})
_NEGATION_BEFORE = re.compile(r"\b(?:no|not|nor|without|absence of|free of|neither|none)\b"
                              r"[^.;:]{0,40}$", re.I)
TOLERATED_RE = re.compile(r"\bwell[- ]tolerated\b", re.I)


def words(text: str) -> list[str]:
    return re.findall(r"[\w'’-]+", text)


# --------------------------------------------------------------------------- conditions


def clean_condition(fact: Fact) -> Fact | None:
    """The condition cut before the first word that cannot belong to it; None if nothing left."""
    tokens = list(re.finditer(r"[\w'’-]+", fact.text))
    keep = len(tokens)
    for index, token in enumerate(tokens):
        if index and token.group().casefold() in _CONDITION_STOP:
            keep = index
            break
    while keep and tokens[keep - 1].group().casefold() in _TRAILING:
        keep -= 1
    if not keep:
        return None
    text = fact.text[: tokens[keep - 1].end()]
    if not _reads_as_condition(text):
        return None
    span = Span(field=fact.span.field, start=fact.span.start,
                end=fact.span.start + len(text), text=text)
    return fact.model_copy(update={"text": text, "span": span})


def _reads_as_condition(text: str) -> bool:
    first = text.split()[0].casefold()
    letters = re.sub(r"[^A-Za-z]", "", text)
    if len(letters) < 3 and not (len(letters) == 2 and text.isupper()):
        return False
    if re.fullmatch(r"[IVX]+", text.strip()) or first in _NOT_A_CONDITION:
        return False
    return not re.match(r"^\d", text) and len(words(text)) <= 6


def readable_case(fact: Fact, item: StudyItem) -> tuple[str, Span]:
    """The label as a sentence should show it: a Title Case title mention is taken from the
    abstract instead when the abstract writes it too, else lower-cased where it is no name."""
    if fact.span.field == "title" and _title_case(item.paper.title):
        at = item.paper.abstract.casefold().find(fact.text.casefold())
        if at >= 0 and _word_bounded(item.paper.abstract, at, at + len(fact.text)):
            text = item.paper.abstract[at : at + len(fact.text)]
            span = Span(field="abstract", start=at, end=at + len(text), text=text)
            return soften_case(text, span, item.paper), span
    return soften_case(fact.text.strip(), fact.span, item.paper), fact.span


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _title_case(title: str) -> bool:
    long_words = [word for word in title.split() if len(word) > 3 and word[:1].isalpha()]
    capitals = [word for word in long_words if word[:1].isupper()]
    return len(long_words) >= 3 and len(capitals) >= 0.8 * len(long_words)


def condition_score(fact: Fact, item: StudyItem) -> int:
    """How central a condition is to the study: in the title, and how often it is named."""
    label = fact.text.casefold()
    in_title = label in item.paper.title.casefold()
    mentions = item.paper.abstract.casefold().count(label)
    return 3 * in_title + min(mentions, 3)


def study_conditions(item: StudyItem) -> list[Fact]:
    """The study's clean conditions, most central first (ties: first mentioned)."""
    cleaned = [fact for fact in map(clean_condition, item.facts.conditions) if fact is not None]
    unique: dict[str, Fact] = {}
    for fact in cleaned:
        unique.setdefault(fact.text.casefold(), fact)
    facts = list(unique.values())
    order = {id(fact): index for index, fact in enumerate(facts)}
    return sorted(facts, key=lambda fact: (-condition_score(fact, item), order[id(fact)]))


# --------------------------------------------------------------------------- treatments


def is_treatment_name(text: str) -> bool:
    """Rejects what cannot name a treatment: a quantity, a verb, a bare number or a unit."""
    text = text.strip()
    tokens = words(text)
    if len(text) < 3 or not tokens or re.match(r"^[\d.,±]+(?:\s|$)", text):
        return False
    if not re.search(r"[A-Za-z]{3,}", text) or text.casefold() in MEASURE_WORDS:
        return False
    first = tokens[0].casefold()
    if first in _NOT_TREATMENT_START or any(t.casefold() in _SOFTWARE for t in tokens):
        return False
    return not (first.endswith(("ed", "ing")) and len(tokens) > 1 and tokens[0].islower())


# --------------------------------------------------------------------------- harms


def is_named_harm(fact: Fact, item: StudyItem) -> bool:
    """A particular harm ("somnolence"), not a generic word, and not said to be absent."""
    if not {word.casefold() for word in words(fact.text)} - GENERIC_HARM:
        return False
    source = item.paper.text_of(fact.span.field)
    return _NEGATION_BEFORE.search(source[max(0, fact.span.start - 60) : fact.span.start]) is None


def tolerated_evidence(item: StudyItem) -> list:
    """Evidence that the study calls the treatment well tolerated (empty when it does not)."""
    match = TOLERATED_RE.search(item.paper.abstract)
    if match is None:
        return []
    span = Span(field="abstract", start=match.start(), end=match.end(), text=match.group())
    return evidence(item, span)
