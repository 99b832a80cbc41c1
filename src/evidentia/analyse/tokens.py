"""Tokens with character offsets, cut the way EBM-NLP's CoNLL files cut them.

Words keep their inner punctuation ("double-blind", "mg/kg", "n=20", "0.05", "vs."), brackets and
clause punctuation stand alone. The PICO tagger is trained on EBM-NLP tokens, so the runtime
tokeniser follows the same convention: whitespace first, then brackets, commas, semicolons and
colons split off, then a sentence-final full stop.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A run of characters that are not space or splitting punctuation; or one splitting character.
_PIECE = re.compile(r"[^\s()\[\]{},;:\"“”]+|[()\[\]{},;:\"“”]")
_TRAILING_DOT = re.compile(r"(?<=[^.\s])\.+$")
_KEEP_DOT = re.compile(r"^(?:[A-Za-z]\.)+[A-Za-z]?\.?$|^(?:vs|al|e\.g|i\.e|approx|Dr|St|no|Fig)\.$")


class Token(NamedTuple):
    text: str
    start: int
    end: int


def tokenize(text: str, offset: int = 0) -> list[Token]:
    """Tokens of ``text`` with offsets shifted by ``offset`` (into the paper's field)."""
    tokens: list[Token] = []
    for m in _PIECE.finditer(text):
        piece, start = m.group(), m.start() + offset
        # Most pieces do not end with a full stop: skip the two regexes for them (hot path).
        dot = _TRAILING_DOT.search(piece) if piece[-1] == "." else None
        if dot and len(piece) > 1 and not _KEEP_DOT.match(piece):
            cut = dot.start()
            tokens.append(Token(piece[:cut], start, start + cut))
            tokens.append(Token(piece[cut:], start + cut, start + len(piece)))
        else:
            tokens.append(Token(piece, start, start + len(piece)))
    return tokens
