"""Who or what was studied: humans, animals or cells (``StudyFacts.species``).

MeSH check tags decide first ("Humans" without "Animals" → human and the reverse). Otherwise
cue words in the title and in sentences that describe this study (not background) are counted;
human cues win ties, since clinical abstracts often mention animal work in passing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Paper, Sentence, Span, Species
from ._text import SentenceIndex, make_span
from .sentences import about_this_study

_HUMAN = re.compile(
    r"\b(?:patients?|participants?|volunteers?|outpatients|inpatients|(?:wo)?men|children|"
    r"adults?|adolescents|infants|neonates|newborns|people|persons|individuals|humans?|"
    r"subjects|residents|students|pregnant|veterans|smokers|mothers|survivors|boys|girls|"
    r"(?:\d+|a|an)-year-old)\b",
    re.IGNORECASE,
)
_ANIMAL = re.compile(
    r"\b(?:rats?|mice|mouse|murine|rodents?|rabbits?|dogs?|canine|cats|feline|pigs?|piglets|"
    r"swine|porcine|sheep|ovine|monkeys?|primates|macaques?|zebrafish|hamsters?|guinea pigs|"
    r"animal models?|in vivo models?|knockout|transgenic|Drosophila|C\. elegans|xenografts?)\b",
    re.IGNORECASE,
)
_IN_VITRO = re.compile(
    r"\b(?:in vitro|cell lines?|cultured (?:cells|neurons|cardiomyocytes|fibroblasts|"
    r"hepatocytes|macrophages)|cell cultures?|primary cultures?|organoids?)\b",
    re.IGNORECASE,
)
# The same cues matched case-sensitively on the lower-cased text, without the leading ``\b``:
# the regex engine then skips to possible first letters; the word start is checked in Python.
_FAST = {name: re.compile(rx.pattern.lower().removeprefix(r"\b")) for name, rx in
         (("human", _HUMAN), ("animal", _ANIMAL), ("in_vitro", _IN_VITRO))}
_MESH_IN_VITRO = ("Cells, Cultured", "Cell Line", "Cell Line, Tumor", "In Vitro Techniques")


_Hit = tuple[str, int, int]


@dataclass(frozen=True)
class SpeciesResult:
    species: Species
    span: Span | None = None
    source: str = "default"  # "mesh" | "text" | "default"


def mesh_names(paper: Paper) -> set[str]:
    """MeSH descriptors without qualifiers or major-topic stars: "*Rats/drug effects" → "Rats"."""
    return {term.split("/")[0].strip().lstrip("*").strip() for term in paper.mesh_terms}


def detect_species(paper: Paper, sentences: list[Sentence]) -> SpeciesResult:
    """Human, animal or in vitro, with the span of a cue word when the text says so."""
    index = SentenceIndex(sentences)
    title, abstract = _lowered(paper.title), _lowered(paper.abstract)
    found = {name: _study_matches(paper, (title, abstract), sentences, rx, _FAST[name], index) for name, rx in
             (("human", _HUMAN), ("animal", _ANIMAL), ("in_vitro", _IN_VITRO))}
    first = {name: _span(paper, spans[0]) if spans else None for name, spans in found.items()}
    mesh = mesh_names(paper)
    if "Humans" in mesh and "Animals" not in mesh:
        return SpeciesResult("human", first["human"], "mesh")
    if "Animals" in mesh and "Humans" not in mesh:
        return SpeciesResult("animal", first["animal"], "mesh")
    human, animal = len(found["human"]), len(found["animal"])
    if human and human >= animal:
        return SpeciesResult("human", first["human"], "text")
    if animal:
        return SpeciesResult("animal", first["animal"], "text")
    if found["in_vitro"] or any(name in mesh for name in _MESH_IN_VITRO):
        return SpeciesResult("in_vitro", first["in_vitro"], "text" if found["in_vitro"] else "mesh")
    return SpeciesResult("unknown")


def _lowered(text: str) -> str | None:
    """The text lower-cased, or None where lower-casing would move offsets (rare scripts)."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def _cues(text: str, lowered: str | None, regex: re.Pattern[str], fast: re.Pattern[str]) -> list[tuple[int, int]]:
    if lowered is None:
        return [m.span() for m in regex.finditer(text)]
    out, m = [], fast.search(lowered)
    while m:
        start = m.start()
        if start and (lowered[start - 1].isalnum() or lowered[start - 1] == "_"):  # not at \b
            m = fast.search(lowered, start + 1)
            continue
        out.append(m.span())
        m = fast.search(lowered, m.end())
    return out


def _study_matches(paper: Paper, lowered: tuple[str | None, str | None], sentences: list[Sentence],
                   regex: re.Pattern[str], fast: re.Pattern[str], index: SentenceIndex) -> list[_Hit]:
    """(field, start, end) of a cue in the title and in sentences about this study."""
    hits: list[_Hit] = [("title", a, b) for a, b in _cues(paper.title, lowered[0], regex, fast)]
    for a, b in _cues(paper.abstract, lowered[1], regex, fast):
        sentence = index.at(a)
        if sentence is not None and about_this_study(sentence, len(sentences)):
            hits.append(("abstract", a, b))
    return hits


def _span(paper: Paper, hit: _Hit) -> Span:
    field, start, end = hit
    return make_span(paper.text_of(field), start, end, field)  # type: ignore[arg-type]
