"""Small text helpers shared by the extractors: spans, facts, number words, sentence lookup.

Every extractor works on one string (a sentence or the whole abstract) plus the offset of that
string inside the paper's field, so that the spans it returns index the paper's text directly.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Literal

from ..models import Fact, Sentence, Span

Field = Literal["title", "abstract"]

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SCALES = {"hundred": 100, "thousand": 1000}

# One number written in words: "six", "Thirty", "twenty-four", "one hundred and twenty".
_WORD = "|".join(sorted([*_ONES, *_TENS, *_SCALES], key=len, reverse=True))
NUMBER_WORDS = rf"(?:(?:{_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_WORD}))*)"
# Thousands grouped by commas ("12,345") or by spaces as many journals print them ("12 345",
# also thin and no-break spaces); a spaced group must be followed by no further digit.
NUMBER_DIGITS = r"(?:\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d|[.,]\d)|\d{1,3}(?:,\d{3})+|\d+)"
NUMBER = rf"(?:{NUMBER_DIGITS}|{NUMBER_WORDS})"
# A decimal or integer, signed, "0.5", ".05", "−1.2" (unicode minus).
DECIMAL = r"[-−–]?(?:\d+(?:\.\d+)?|\.\d+)"


def parse_count(text: str) -> int | None:
    """``"1,234"`` → 1234, ``"Thirty"`` → 30, ``"one hundred and twenty"`` → 120."""
    text = text.strip().lower()
    digits = re.sub(r"[,\s\u00a0\u2009\u202f]", "", text) if re.fullmatch(NUMBER_DIGITS, text) else text
    if digits.isdigit():
        return int(digits)
    total, current = 0, 0
    for word in re.split(r"[\s-]+", text):
        if word == "and":
            continue
        if word in _ONES:
            current += _ONES[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word == "thousand":
            total += max(current, 1) * 1000
            current = 0
        else:
            return None
    return total + current


def parse_decimal(text: str) -> float | None:
    """``"−1.2"`` → -1.2; ``".05"`` → 0.05; None when it is not a number."""
    cleaned = text.strip().replace("−", "-").replace("–", "-").replace(",", "")
    try:
        return float(cleaned)
    except ValueError:
        return None


def make_span(source: str, start: int, end: int, field: Field = "abstract") -> Span:
    """A span over ``source[start:end]`` with surrounding whitespace trimmed."""
    while start < end and source[start].isspace():
        start += 1
    while end > start and source[end - 1].isspace():
        end -= 1
    # Plain construction: pydantic-core validation (~2 µs) is cheaper than ``model_construct``.
    return Span(field=field, start=start, end=end, text=source[start:end])


def make_fact(
    kind: str, source: str, start: int, end: int,
    value: str | float | None = None, field: Field = "abstract",
) -> Fact:
    span = make_span(source, start, end, field)
    return Fact(kind=kind, text=span.text, value=value, span=span)


def dedupe_facts(facts: list[Fact]) -> list[Fact]:
    """Drop facts whose (kind, value) was already seen (names compared without case), keeping
    the first mention."""
    seen: set[tuple[str, object]] = set()
    out: list[Fact] = []
    for fact in facts:
        value = fact.value if fact.value is not None else fact.text
        key = (fact.kind, value.lower() if isinstance(value, str) else value)
        if key not in seen:
            seen.add(key)
            out.append(fact)
    return out


class SentenceIndex:
    """Find the sentence that holds an abstract offset (binary search over sentence starts)."""

    def __init__(self, sentences: list[Sentence]) -> None:
        self.sentences = sentences
        self._starts = [s.start for s in sentences]

    def at(self, offset: int) -> Sentence | None:
        i = bisect_right(self._starts, offset) - 1
        if i < 0:
            return None
        sentence = self.sentences[i]
        return sentence if offset < sentence.end else None

    def role_at(self, offset: int) -> str | None:
        sentence = self.at(offset)
        return sentence.role if sentence else None
