"""Named outcome measures, scales and instruments (kind ``outcome_measure``).

Matched from the general vocabulary in ``data/outcome_measures.txt``; ``value`` is the
canonical name ("VAS" → "visual analogue scale"), ``text`` the words as written.
"""

from __future__ import annotations

from ..models import Fact
from ._text import dedupe_facts, make_fact
from .vocab import load


def find_outcome_measures(text: str, start: int = 0, end: int | None = None) -> list[Fact]:
    """Outcome measures named in ``text[start:end]``, first mention of each."""
    vocabulary = load("outcome_measures")
    segment = text[start:end]
    facts = [
        make_fact("outcome_measure", text, m.start, m.end, m.canonical)
        for m in vocabulary.find(segment, start)
    ]
    return dedupe_facts(facts)
