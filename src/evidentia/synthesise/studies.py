"""One study as synthesis sees it: the hit, the paper, its facts and stance, and its weight.

The weight says how much a study counts when the evidence is weighed: design strength first
(``models.DESIGNS`` order), then sample size (log scale), then people over animals and cells. It is
used for the answer, section order and which studies are named as the strongest; never a raw vote.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from ..analyse.directness import Directness
from ..models import (
    Evidence,
    Fact,
    Hit,
    Paper,
    Span,
    StanceJudgement,
    StudyFacts,
    design_rank,
)
from .relevance import Topic
from .textfacts import durations, source_numbers, to_decimal

# How much one study of each design counts, before size and species.
DESIGN_WEIGHT: dict[str, float] = {
    "meta_analysis": 1.0,
    "systematic_review": 0.9,
    "rct": 0.8,
    "non_randomised_trial": 0.5,
    "trial": 0.6,  # a controlled trial whose abstract does not say whether it was randomised
    "cohort": 0.45,
    "case_control": 0.4,
    "cross_sectional": 0.3,
    "case_series": 0.2,
    "case_report": 0.1,
    "guideline": 0.3,
    "narrative_review": 0.15,
    "animal": 0.1,
    "in_vitro": 0.05,
    "other": 0.2,
}
NON_HUMAN_FACTOR = 0.3  # an animal or cell study counts for less than the same design in people
TRIAL_DESIGNS = frozenset({"rct", "trial", "non_randomised_trial"})
CONTROLLED_DESIGNS = frozenset({"meta_analysis", "systematic_review", "rct"})
SUPPORTIVE = frozenset({"yes", "possibly"})
STANCE_SCORE = {"yes": 1.0, "possibly": 0.5, "no": -1.0}


@dataclass(frozen=True)
class StudyItem:
    hit: Hit
    paper: Paper
    facts: StudyFacts
    stance: StanceJudgement
    order: int  # position in retrieval order, 0 = best
    topic: Topic = Topic()  # what the question is about
    on_topic: bool = True  # the study addresses the question (``relevance.addresses``)
    directness: Directness = Directness()  # tested, given to every group, or only measured

    @property
    def id(self) -> str:
        return self.paper.id

    @property
    def design(self) -> str:
        return self.facts.design

    @property
    def kind(self) -> str:
        """human | animal | in_vitro (unknown species counts as human: most abstracts are)."""
        if self.facts.species == "in_vitro" or self.facts.design == "in_vitro":
            return "in_vitro"
        if self.facts.species == "animal" or self.facts.design == "animal":
            return "animal"
        return "human"

    @property
    def measured(self) -> bool:
        """The study observes levels of the question's agent rather than giving it."""
        return self.directness.kind == "measured"

    @property
    def background(self) -> bool:
        """Every group received the question's agent; the study compared something else."""
        return self.directness.kind == "background"

    @property
    def relevant(self) -> bool:
        """Counted in the meter, answer and grades: on topic and with a stance."""
        return self.on_topic and self.stance.stance != "unclear"

    @property
    def text(self) -> str:
        return f"{self.paper.title}\n{self.paper.abstract}"

    @property
    def n(self) -> int | None:
        return self.facts.sample_size.n if self.facts.sample_size else None

    @property
    def weight(self) -> float:
        base = DESIGN_WEIGHT.get(self.design, DESIGN_WEIGHT["other"])
        species = 1.0 if self.kind == "human" else NON_HUMAN_FACTOR
        return base * size_factor(self.n) * species

    @property
    def variant(self) -> int:
        """A stable per-paper number for choosing sentence templates (never ``hash()``)."""
        return int(hashlib.sha256(self.id.encode("utf-8")).hexdigest()[:8], 16)


def size_factor(n: int | None) -> float:
    """0.6 when unknown; 0.4 for one subject rising to 1.0 at a thousand."""
    if n is None:
        return 0.6
    return min(1.0, 0.4 + 0.2 * math.log10(max(n, 1)))


def number_is_written(item: StudyItem, n: int) -> bool:
    """Only state a count the paper states (a sample size, not a sum of arms it never writes)."""
    return to_decimal(str(n)) in source_numbers(f"{item.paper.title}\n{item.paper.abstract}")


def longest_duration(item: StudyItem) -> tuple[float, str] | None:
    """(weeks, as written) of the longest duration the abstract states, if any."""
    found = durations(item.text)
    return max(found, key=lambda pair: pair[0]) if found else None


def strength_key(item: StudyItem) -> tuple[float, int, int]:
    """Sort key, strongest first; ties keep retrieval order."""
    return (-item.weight, design_rank(item.design), item.order)


def strongest(items: list[StudyItem]) -> list[StudyItem]:
    return sorted(items, key=strength_key)


def weighted_score(items: list[StudyItem]) -> float | None:
    """-1 (all no) .. +1 (all yes) over relevant studies, by weight; None when none is relevant."""
    relevant = [item for item in items if item.relevant]
    total = sum(item.weight for item in relevant)
    if not relevant or total <= 0:
        return None
    return sum(item.weight * STANCE_SCORE[item.stance.stance] for item in relevant) / total


# --------------------------------------------------------------------------- facts as text


def fact_label(fact: Fact) -> str:
    """A fact's words as a reader should see them (the text as written)."""
    return fact.text.strip()


def fact_key(fact: Fact) -> str:
    """A fact's normalised form for grouping: its value when it has one, lower-cased."""
    raw = fact.value if isinstance(fact.value, str) and fact.value.strip() else fact.text
    key = re.sub(r"[^\w\s'-]", " ", raw.casefold())
    key = re.sub(r"^(?:the|a|an)\s+", "", key.strip())
    return re.sub(r"\s+", " ", key).strip()


def soften_case(text: str, span: Span, paper: Paper) -> str:
    """Lower-case a first word capitalised only because it starts a sentence of the abstract."""
    first = text.split(" ", 1)[0]
    if not first[:1].isupper() or not first[1:].islower() or "'" in first or "’" in first:
        return text
    source = paper.text_of(span.field)
    before = source[: span.start].rstrip()
    # A section label in capitals ("CONTEXT Aspirin is ...") starts a sentence too.
    at_sentence_start = not before or before[-1] in ".:;!?" \
        or re.search(r"(?:^|\s)[A-Z]{3,}$", before) is not None
    if not at_sentence_start or is_name(first, f"{paper.title}\n{paper.abstract}"):
        return text
    return first.lower() + text[len(first):]


def is_name(word: str, source: str) -> bool:
    """True when the text writes the word capitalised mid-sentence and never in lower case."""
    capitalised = re.search(rf"[a-z,][ \t]+{re.escape(word)}\b", source)
    lower = re.search(rf"\b{re.escape(word.lower())}\b", source)
    return capitalised is not None and lower is None


def evidence(item: StudyItem, span: Span | None) -> list[Evidence]:
    """The span as report evidence, with the sentence it sits in."""
    if span is None:
        return []
    return [Evidence(
        paper_id=item.id, field=span.field, start=span.start, end=span.end, text=span.text,
        sentence_id=_sentence_at(item.facts, span),
    )]


def _sentence_at(facts: StudyFacts, span: Span) -> str | None:
    if span.field != "abstract":
        return None
    for sentence in facts.sentences:
        if sentence.start <= span.start < sentence.end:
            return sentence.id
    return None


def stance_evidence(item: StudyItem) -> list[Evidence]:
    span = item.stance.span
    if span is None and item.facts.key_finding is not None:
        span = item.facts.key_finding.span
    return evidence(item, span)
