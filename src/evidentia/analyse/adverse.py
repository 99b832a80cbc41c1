"""Adverse effects (kind ``adverse_effect``) and tolerability statements (kind ``tolerability``).

Terms come from the general vocabulary in ``data/adverse_effects.txt`` ("somnolence",
"dizziness", "adverse events" ...). Symptoms that double as conditions ("headache", "nausea")
are only taken from sentences that talk about harms, so a migraine trial's outcome is not
reported as its side effect.

A harm that the text says did not happen ("No serious adverse events occurred", "without side
effects", "adverse events were not observed") is not an adverse effect: the phrase becomes a
``tolerability`` fact instead, as do "was well tolerated" and "good tolerability".
"""

from __future__ import annotations

import re

from ..models import Fact, Sentence
from ._text import SentenceIndex, dedupe_facts, make_fact
from .vocab import Match, load

_HARM_CONTEXT = re.compile(
    r"\b(?:adverse|side[- ]effects?|tolerat\w*|safety|safe|toxicit\w*|complications?|"
    r"withdr[ae]w\w*|discontinu\w*|dropp?ed out|reported|experienced|occurred|developed|"
    r"common(?:est)?|frequent\w*|incidence of|harms?|events?)\b",
    re.IGNORECASE,
)
_ALWAYS = frozenset({"adverse events", "side effects", "toxicity",
                     "discontinuation due to adverse events"})
_TOLERATED = frozenset({"well tolerated"})
# Harms that need a word saying which: "complications" alone is not a specific harm.
_UNSPECIFIC = frozenset({"complications"})
_QUALIFIER_BEFORE = re.compile(r"(?<![\w-])([A-Za-z][\w-]{2,})\s+$")
_GENERIC_QUALIFIERS = frozenset(
    ["postoperative", "post-operative", "perioperative", "peri-operative", "intraoperative",
     "major", "minor", "serious", "severe", "overall", "total", "any", "other", "early", "late",
     "all", "fewer", "more", "less", "related", "associated", "possible", "potential", "the",
     "and", "with", "without", "had", "were", "was", "for", "from", "rate", "rates", "of",
     "treatment-related", "surgical", "medical", "clinical", "significant", "common", "frequent"])
# A negator up to four words before the term, in the same clause: "no serious", "without any".
_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|without|none of|free of|free from|absence of|absent|neither|nor|never|lack of|"
    r"did not (?:cause|experience|report|develop|have)|were not associated with)"
    r"((?:\s+(?!but\b)[\w-]+){0,4})\s*$",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(
    r"^(?:[\s,]+[\w-]+){0,5}?\s+(?:were|was|have been|has been|are|is)\s+(?:\w+\s+)?"
    r"(?:not\s+(?:observed|reported|seen|found|noted|recorded|detected|experienced|present)|"
    r"absent|never\s+\w+)\b|^\s+(?:did not occur|occurred in no|were absent)",
    re.IGNORECASE,
)


def find_adverse_effects(text: str, sentences: list[Sentence]) -> list[Fact]:
    """Adverse effects named in study sentences (not background) of the abstract ``text``."""
    return _harm_facts(text, sentences)[0]


def find_tolerability(text: str, sentences: list[Sentence]) -> list[Fact]:
    """"Well tolerated" and harms said to be absent ("no serious adverse events occurred")."""
    return _harm_facts(text, sentences)[1]


def find_harms(text: str, sentences: list[Sentence]) -> tuple[list[Fact], list[Fact]]:
    """(adverse effects, tolerability facts) from one pass over the abstract."""
    return _harm_facts(text, sentences)


def _harm_facts(text: str, sentences: list[Sentence]) -> tuple[list[Fact], list[Fact]]:
    index = SentenceIndex(sentences)
    harmful: dict[int, bool] = {}
    harms: list[Fact] = []
    tolerated: list[Fact] = []
    for m in load("adverse_effects").find(text):
        sentence = index.at(m.start)
        if sentence is None or sentence.role in ("background", "objective"):
            continue
        if m.canonical in _TOLERATED:
            tolerated.append(make_fact("tolerability", text, m.start, m.end, m.canonical))
            continue
        negated = _negated_span(text, m, sentence)
        if negated is not None:
            start, end = negated
            tolerated.append(make_fact("tolerability", text, start, end, f"no {m.canonical}"))
            continue
        if sentence.index not in harmful:
            harmful[sentence.index] = bool(_HARM_CONTEXT.search(sentence.text))
        if m.canonical in _UNSPECIFIC:
            harms += _qualified(text, m, sentence)
        elif m.canonical in _ALWAYS or harmful[sentence.index]:
            harms.append(make_fact("adverse_effect", text, m.start, m.end, m.canonical))
    return dedupe_facts(harms), dedupe_facts(tolerated)


def _qualified(text: str, m: Match, sentence: Sentence) -> list[Fact]:
    """"wound complications" is a harm; "complications" or "postoperative complications" alone
    says nothing about which harm."""
    qualifier = _QUALIFIER_BEFORE.search(text, max(sentence.start, m.start - 30), m.start)
    words = m.text.lower().split()
    if len(words) > 1 and words[0] not in _GENERIC_QUALIFIERS:
        return [make_fact("adverse_effect", text, m.start, m.end, m.text.lower())]
    if not qualifier or qualifier.group(1).lower() in _GENERIC_QUALIFIERS:
        return []
    value = f"{qualifier.group(1).lower()} {words[-1]}"
    return [make_fact("adverse_effect", text, qualifier.start(1), m.end, value)]


def _negated_span(text: str, m: Match, sentence: Sentence) -> tuple[int, int] | None:
    """(start, end) of the negated phrase ("No serious adverse events") or None."""
    before = text[max(sentence.start, m.start - 60):m.start]
    clause_start = max(before.rfind(","), before.rfind(";"), before.rfind(":"))
    before = before[clause_start + 1:] if clause_start >= 0 else before
    neg = _NEGATED_BEFORE.search(before)
    if neg and "differ" not in neg.group(0).lower():
        return m.start - len(before) + neg.start(), m.end
    after = _NEGATED_AFTER.match(text[m.end:sentence.end])
    if after:
        return m.start, m.end + after.end()
    return None
