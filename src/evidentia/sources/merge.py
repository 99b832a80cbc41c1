"""Deduplicate papers across sources by PMID and DOI, merging what each source knows.

Sources are taken in order of preference (PubMed, then Europe PMC, then OpenAlex): the first
record of a work is kept as it is, and later records of the same work only fill the fields it
lacks (a DOI, an abstract with its sections, MeSH terms, keywords...). A retraction flag from any
source sticks. Two records are the same work when they share a PMID, or share a DOI while not
naming different PMIDs. The merged paper's id is recomputed, so a record first seen as
``doi:...`` becomes ``pmid:...`` once a PMID is known.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..models import Paper, make_paper_id

SOURCE_ORDER = ("pubmed", "europepmc", "openalex")
_SCALARS = ("pmid", "doi", "ext_id", "title", "year", "journal", "language")
_LISTS = ("authors", "publication_types", "mesh_terms", "keywords")


def merge_sources(by_source: dict[str, list[Paper]]) -> list[Paper]:
    """One paper per work, in source order then each source's rank order."""
    merged: list[Paper] = []
    index_of: dict[str, int] = {}
    for name in sorted(by_source, key=_preference):
        for paper in by_source[name]:
            found = _match(paper, merged, index_of)
            if found is None:
                merged.append(paper)
                found = len(merged) - 1
            else:
                merged[found] = fill_missing(merged[found], paper)
            index_of.update(dict.fromkeys(_keys(merged[found]), found))
    return merged


def fill_missing(primary: Paper, other: Paper) -> Paper:
    """``primary`` with the fields it lacks taken from ``other``."""
    update: dict[str, object] = {}
    for name in _SCALARS + _LISTS:
        if not getattr(primary, name) and getattr(other, name):
            update[name] = getattr(other, name)
    if not primary.abstract.strip() and other.abstract.strip():
        update["abstract"], update["sections"] = other.abstract, other.sections
    if other.retracted and not primary.retracted:
        update["retracted"] = True
    if not update:
        return primary
    paper = primary.model_copy(update=update)
    paper.id = make_paper_id(pmid=paper.pmid, doi=paper.doi, ext_id=paper.ext_id,
                             title=paper.title, abstract=paper.abstract)
    return paper


def _match(paper: Paper, merged: list[Paper], index_of: dict[str, int]) -> int | None:
    for key in _keys(paper):
        found = index_of.get(key)
        if found is None:
            continue
        other = merged[found]
        if paper.pmid and other.pmid and paper.pmid != other.pmid:
            continue  # a shared DOI but two PMIDs: two works (an erratum, a reprint)
        return found
    return None


def _keys(paper: Paper) -> Iterable[str]:
    if paper.pmid:
        yield f"pmid:{paper.pmid}"
    if paper.doi:
        yield f"doi:{paper.doi}"


def _preference(name: str) -> int:
    return SOURCE_ORDER.index(name) if name in SOURCE_ORDER else len(SOURCE_ORDER)
