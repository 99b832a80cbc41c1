"""Adverse effects (kind ``adverse_effect``): named harms and tolerability statements.

Terms come from the general vocabulary in ``data/adverse_effects.txt`` ("somnolence",
"dizziness", "adverse events", "was well tolerated" ...). Symptoms that double as conditions
("headache", "nausea") are only taken from sentences that talk about harms, so a migraine trial's
outcome is not reported as its side effect.
"""

from __future__ import annotations

import re

from ..models import Fact, Sentence
from ._text import SentenceIndex, dedupe_facts, make_fact
from .vocab import load

_HARM_CONTEXT = re.compile(
    r"\b(?:adverse|side[- ]effects?|tolerat\w*|safety|safe|toxicit\w*|complications?|"
    r"withdr[ae]w\w*|discontinu\w*|dropp?ed out|reported|experienced|occurred|developed|"
    r"common(?:est)?|frequent\w*|incidence of|harms?|events?)\b",
    re.IGNORECASE,
)
_ALWAYS = frozenset({"adverse events", "side effects", "toxicity", "well tolerated",
                     "discontinuation due to adverse events"})


def find_adverse_effects(text: str, sentences: list[Sentence]) -> list[Fact]:
    """Adverse effects named in study sentences (not background) of the abstract ``text``."""
    index = SentenceIndex(sentences)
    harmful: dict[int, bool] = {}
    facts: list[Fact] = []
    for m in load("adverse_effects").find(text):
        sentence = index.at(m.start)
        if sentence is None or sentence.role in ("background", "objective"):
            continue
        if sentence.index not in harmful:
            harmful[sentence.index] = bool(_HARM_CONTEXT.search(sentence.text))
        if m.canonical in _ALWAYS or harmful[sentence.index]:
            facts.append(make_fact("adverse_effect", text, m.start, m.end, m.canonical))
    return dedupe_facts(facts)
