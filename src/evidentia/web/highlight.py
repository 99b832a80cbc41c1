"""The paper page's highlighted abstract: the text cut into plain and highlighted pieces.

Each extracted fact carries the span it came from; the page marks those spans with the fact's
kind (``<mark class="hl hl-dose">`` in the template, text escaped). Overlapping spans are
resolved by keeping the more specific kind, then the longer span.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..models import Paper, Span, StudyFacts

# Kind -> label in the legend; order is priority when spans overlap (most specific first).
KINDS: dict[str, str] = {
    "sample": "sample size",
    "dose": "dose",
    "intervention": "intervention",
    "comparator": "comparator",
    "outcome": "outcome measure",
    "condition": "condition",
    "population": "population",
    "adverse": "adverse effect",
    "number": "result number",
    "design": "design cue",
    "species": "species",
    "mechanism": "mechanism",
}


@dataclass
class Piece:
    text: str
    kind: str | None = None

    @property
    def label(self) -> str:
        return KINDS.get(self.kind or "", "")


@dataclass
class Paragraph:
    label: str | None
    pieces: list[Piece]


def fact_spans(facts: StudyFacts) -> list[tuple[str, Span]]:
    """(kind, span) for every extracted fact that has a span."""
    spans: list[tuple[str, Span]] = []
    groups = (
        ("condition", facts.conditions), ("population", facts.population),
        ("intervention", facts.interventions), ("dose", facts.doses),
        ("comparator", facts.comparators), ("outcome", facts.outcome_measures),
        ("adverse", facts.adverse_effects), ("mechanism", facts.mechanisms),
        ("design", facts.design_cues),
    )
    for kind, items in groups:
        spans.extend((kind, item.span) for item in items)
    if facts.sample_size is not None:
        spans.append(("sample", facts.sample_size.span))
    if facts.species_span is not None:
        spans.append(("species", facts.species_span))
    for finding in facts.findings:
        spans.extend(("number", number.span) for number in finding.numbers)
    return spans


def chosen_spans(text: str, field: Literal["title", "abstract"], facts: StudyFacts) -> list[tuple[str, Span]]:
    """Non-overlapping spans of one field whose offsets match the text, in reading order."""
    priority = {kind: index for index, kind in enumerate(KINDS)}
    candidates = [
        (kind, span) for kind, span in fact_spans(facts)
        if span.field == field and 0 <= span.start < span.end <= len(text)
        and text[span.start : span.end] == span.text
    ]
    candidates.sort(key=lambda item: (priority[item[0]], item[1].start - item[1].end))
    chosen: list[tuple[str, Span]] = []
    for kind, span in candidates:
        if all(span.end <= other.start or span.start >= other.end for _, other in chosen):
            chosen.append((kind, span))
    return sorted(chosen, key=lambda item: item[1].start)


def pieces(text: str, spans: list[tuple[str, Span]], start: int = 0, end: int | None = None) -> list[Piece]:
    """``text[start:end]`` cut at the spans that fall inside it."""
    end = len(text) if end is None else end
    out: list[Piece] = []
    position = start
    for kind, span in spans:
        if span.start < start or span.end > end:
            continue
        if span.start > position:
            out.append(Piece(text[position : span.start]))
        out.append(Piece(text[span.start : span.end], kind))
        position = span.end
    if position < end:
        out.append(Piece(text[position:end]))
    return out


def highlighted_title(paper: Paper, facts: StudyFacts) -> list[Piece]:
    return pieces(paper.title, chosen_spans(paper.title, "title", facts))


def highlighted_abstract(paper: Paper, facts: StudyFacts) -> list[Paragraph]:
    """The abstract as paragraphs (one per labelled section when it is structured)."""
    text = paper.abstract
    spans = chosen_spans(text, "abstract", facts)
    if not text:
        return []
    # A span that crosses a section boundary is dropped rather than cut.
    return [Paragraph(label, pieces(text, spans, start, end))
            for label, start, end in _paragraph_bounds(paper)]


def _paragraph_bounds(paper: Paper) -> list[tuple[str | None, int, int]]:
    """Labelled sections in order, with any text between or after them as unlabelled paragraphs."""
    size = len(paper.abstract)
    bounds: list[tuple[str | None, int, int]] = []
    position = 0
    for section in sorted(paper.sections, key=lambda section: section.start):
        if section.start < position or not section.start < section.end <= size:
            continue
        gap = paper.abstract[position : section.start]
        if gap.strip() and not _is_label(gap, section.label):
            bounds.append((None, position, section.start))
        bounds.append((section.label, section.start, section.end))
        position = section.end
    if position < size and paper.abstract[position:].strip():
        bounds.append((None, position, size))
    return bounds


def _is_label(gap: str, label: str) -> bool:
    """True for the ``METHODS:`` printed before a section, which the page shows as its heading."""
    return gap.strip().rstrip(":").strip().casefold() == label.strip().casefold()


def kinds_present(paragraphs: list[Paragraph], title: list[Piece]) -> list[tuple[str, str]]:
    """(kind, label) for the legend: only the kinds that appear on the page."""
    seen = {piece.kind for paragraph in paragraphs for piece in paragraph.pieces if piece.kind}
    seen |= {piece.kind for piece in title if piece.kind}
    return [(kind, label) for kind, label in KINDS.items() if kind in seen]
