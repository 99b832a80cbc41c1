"""Findings: results and conclusion sentences with their numbers, direction and significance.

``direction`` is "no_difference" when the sentence reports no effect, "improved" or "worsened"
when it says which way things went for the patient (better/worse words, or a direction applied
to a good or bad outcome: "reduced mortality" is improved), else "unclear". ``key_finding`` is
the first conclusion sentence, else the last results sentence, else the last sentence.
"""

from __future__ import annotations

from ..models import Fact, Finding, Sentence
from ._text import make_span
from .polarity import Polarity, read_polarity


def find_findings(text: str, sentences: list[Sentence], numbers: list[Fact]) -> list[Finding]:
    """A finding for every results or conclusions sentence of the abstract ``text``."""
    return [
        make_finding(text, s, numbers) for s in sentences if s.role in ("results", "conclusions")
    ]


def make_finding(text: str, sentence: Sentence, numbers: list[Fact]) -> Finding:
    polarity = read_polarity(sentence.text)
    inside = [f for f in numbers if sentence.start <= f.span.start < sentence.end]
    return Finding(
        sentence_id=sentence.id, text=sentence.text,
        span=make_span(text, sentence.start, sentence.end), numbers=inside,
        direction=direction_of(polarity), significant=polarity.significant,
    )


def direction_of(polarity: Polarity) -> str:
    if polarity.no_effect and not (polarity.effect and polarity.significant):
        return "no_difference"
    if polarity.equivalent and not polarity.significant and polarity.benefit <= 0:
        return "no_difference"
    if polarity.benefit > 0:
        return "improved"
    if polarity.benefit < 0:
        return "worsened"
    return "unclear"


def pick_key_finding(text: str, sentences: list[Sentence], findings: list[Finding],
                     numbers: list[Fact]) -> Finding | None:
    """The sentence a reader would quote: first conclusion, else last result, else last sentence."""
    for role, pick_last in (("conclusions", False), ("results", True)):
        chosen = [f for f, s in _pairs(findings, sentences) if s.role == role]
        if chosen:
            return chosen[-1] if pick_last else chosen[0]
    return make_finding(text, sentences[-1], numbers) if sentences else None


def _pairs(findings: list[Finding], sentences: list[Sentence]) -> list[tuple[Finding, Sentence]]:
    by_id = {s.id: s for s in sentences}
    return [(f, by_id[f.sentence_id]) for f in findings if f.sentence_id in by_id]
