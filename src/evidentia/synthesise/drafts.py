"""Draft sentences with citation slots, and the numbering that turns them into ``Claim``s.

Writers build ``Draft``s whose citations are paper ids, not numbers: a sentence may still be
dropped by the faithfulness check, and sources are numbered in order of first citation across the
sentences that survive. ``Numbering`` does that in reading order and renders ``[1, 3]`` markers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Claim, Evidence, Paper, Source

Cite = tuple[str, ...]  # paper ids cited at one point of a sentence
Part = str | Cite


@dataclass
class Draft:
    parts: list[Part]
    evidence: list[Evidence] = field(default_factory=list)
    kind: str = "finding"
    fallbacks: list[Draft] = field(default_factory=list)  # plainer versions, tried in order

    def versions(self) -> list[Draft]:
        return [self, *self.fallbacks]

    def cited_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for part in self.parts:
            if isinstance(part, tuple):
                seen.update(dict.fromkeys(part))
        return list(seen)

    def plain_text(self) -> str:
        """The sentence without its citation markers (what the checker reads before numbering)."""
        return tidy(" ".join(part.strip() for part in self.parts if isinstance(part, str)))

    def provisional_claim(self) -> Claim:
        return Claim(text=self.plain_text(), citations=self.cited_ids(),
                     evidence=unique_evidence(self.evidence), kind=self.kind)


def draft(
    *parts: Part | None, evidence: list[Evidence] | None = None, kind: str = "finding"
) -> Draft:
    """A draft from text pieces and citation tuples; ``None`` pieces are skipped."""
    return Draft([part for part in parts if part], list(evidence or []), kind)


def tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([.,;:)])", r"\1", text)
    return re.sub(r"([.!?])\.$", r"\1", text.strip())


def unique_evidence(items: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str, int, int]] = set()
    out = []
    for item in items:
        key = (item.paper_id, item.field, item.start, item.end)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


class Numbering:
    """Source numbers in order of first citation; renders drafts as numbered claims."""

    def __init__(self) -> None:
        self.numbers: dict[str, int] = {}

    def claim(self, item: Draft) -> Claim:
        pieces = [part if isinstance(part, str) else self._marker(part) for part in item.parts]
        text = tidy(" ".join(piece.strip() for piece in pieces if piece.strip()))
        text = re.sub(r"\s+([.,;:)])", r"\1", text)
        return Claim(text=text, citations=item.cited_ids(),
                     evidence=unique_evidence(item.evidence), kind=item.kind)

    def _marker(self, ids: Cite) -> str:
        for pid in ids:
            self.numbers.setdefault(pid, len(self.numbers) + 1)
        numbers = sorted({self.numbers[pid] for pid in ids})
        return "[" + ", ".join(str(n) for n in numbers) + "]"

    def sources(self, papers: dict[str, Paper]) -> list[Source]:
        return [source_for(papers[pid], number) for pid, number in
                sorted(self.numbers.items(), key=lambda pair: pair[1])]


def source_for(paper: Paper, number: int) -> Source:
    return Source(
        number=number, id=paper.id, pmid=paper.pmid, doi=paper.doi,
        title=paper.title or "(untitled)", year=paper.year, authors=list(paper.authors),
        journal=paper.journal, url=paper.url,
    )
