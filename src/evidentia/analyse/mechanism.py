"""Mechanism statements (kind ``mechanism``): sentences that say how something works.

A sentence counts when it has a mechanism cue ("mechanism", "acts by", "mediated by",
"inhibits", "binds to", "via", "through activation of", "receptor", "pathway" ...). The fact's
span is the whole sentence; ``value`` is the cue that matched, lower-cased.
"""

from __future__ import annotations

import re

from ..models import Fact, Sentence
from ._text import make_fact

_CUE = re.compile(
    r"\b(?:mechanisms?|mechanistic(?:ally)?|acts? (?:by|as|through|via|on)|mediated (?:by|through|via)|"
    r"inhibit(?:s|ed|ing|ion of|or of)|binds? to|binding (?:to|of)|agonists?|antagonists?|"
    r"block(?:s|ed|ing|ade of)|modulat(?:es|ed|ing|ion of)|activat(?:es|ed|ing|ion of)|"
    r"up-?regulat\w+|down-?regulat\w+|signal(?:l)?ing pathways?|pathways?|receptors?|"
    r"through (?:the )?(?:inhibition|activation|modulation|blockade|induction|suppression)|"
    r"by (?:inhibiting|increasing|reducing|blocking|activating|enhancing|suppressing|inducing|"
    r"modulating|stimulating)|via)\b",
    re.IGNORECASE,
)
_ROLES = ("background", "objective", "results", "conclusions")


def find_mechanisms(text: str, sentences: list[Sentence]) -> list[Fact]:
    """One fact per sentence that states a mechanism (methods sentences are skipped)."""
    facts = []
    for sentence in sentences:
        if sentence.role not in _ROLES:
            continue
        m = _CUE.search(sentence.text)
        if m:
            facts.append(make_fact("mechanism", text, sentence.start, sentence.end, m.group().lower()))
    return facts
