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
    found = {name: _study_matches(paper, sentences, rx) for name, rx in
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


def _study_matches(paper: Paper, sentences: list[Sentence], regex: re.Pattern[str]) -> list[_Hit]:
    """(field, start, end) of ``regex`` in the title and in sentences about this study."""
    hits: list[_Hit] = [("title", m.start(), m.end()) for m in regex.finditer(paper.title)]
    index = SentenceIndex(sentences)
    for m in regex.finditer(paper.abstract):
        sentence = index.at(m.start())
        if sentence is not None and about_this_study(sentence, len(sentences)):
            hits.append(("abstract", m.start(), m.end()))
    return hits


def _span(paper: Paper, hit: _Hit) -> Span:
    field, start, end = hit
    return make_span(paper.text_of(field), start, end, field)  # type: ignore[arg-type]
