"""Helpers every format parser shares: whitespace, years, author names, inline labels, Paper.

Parsers collect raw field values and hand them to :func:`build_paper`, which cleans them,
normalises PMID and DOI, computes the stable id and raises :class:`RecordError` for a record
that has neither title nor abstract. Parsers turn that error into a ``Skipped`` item.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from ..errors import RecordError
from ..models import (
    AbstractSection,
    Paper,
    make_paper_id,
    normalise_doi,
    normalise_pmid,
)

YEAR_MIN, YEAR_MAX = 1000, 2100

RETRACTION_TYPES = frozenset({"retracted publication", "retraction of publication"})

_SPACES = re.compile(r"[ \t\r\n\f\v]{2,}|[\t\r\n\f\v]")  # only runs that need changing
_ASCII_SPACE = " \t\r\n\f\v"
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_DOI_IN_TEXT = re.compile(r"\b(10\.\d{2,9}/[^\s\"<>]+)", re.IGNORECASE)
_PMID_IN_URL = re.compile(r"(?:pubmed\.ncbi\.nlm\.nih\.gov/|ncbi\.nlm\.nih\.gov/pubmed/)(\d{1,10})")

# "BACKGROUND: ..." labels inside a flat abstract (MEDLINE text, RIS, BibTeX). Upper-case words
# followed by a colon, at the start or after a sentence end; two or more make a structure.
_INLINE_LABEL = re.compile(r"(?:^|(?<=[.?!]\s)|(?<=[.?!]\s\s))([A-Z][A-Z/&,\- ]{2,40}[A-Z]):\s+")

# General NLM categories for common structured-abstract labels (not topic specific).
_LABEL_CATEGORIES = {
    "BACKGROUND": "BACKGROUND", "INTRODUCTION": "BACKGROUND", "CONTEXT": "BACKGROUND",
    "RATIONALE": "BACKGROUND", "OBJECTIVE": "OBJECTIVE", "OBJECTIVES": "OBJECTIVE",
    "AIM": "OBJECTIVE", "AIMS": "OBJECTIVE", "PURPOSE": "OBJECTIVE", "GOAL": "OBJECTIVE",
    "METHODS": "METHODS", "METHOD": "METHODS", "DESIGN": "METHODS", "SETTING": "METHODS",
    "PARTICIPANTS": "METHODS", "PATIENTS": "METHODS", "INTERVENTIONS": "METHODS",
    "MATERIALS AND METHODS": "METHODS", "PATIENTS AND METHODS": "METHODS",
    "RESULTS": "RESULTS", "FINDINGS": "RESULTS", "MAIN RESULTS": "RESULTS",
    "CONCLUSION": "CONCLUSIONS", "CONCLUSIONS": "CONCLUSIONS",
    "INTERPRETATION": "CONCLUSIONS", "DISCUSSION": "CONCLUSIONS",
}


def clean_text(text: str | None) -> str:
    """Runs of ASCII whitespace become one space; ends trimmed. Other characters are kept."""
    return _SPACES.sub(" ", text).strip(_ASCII_SPACE) if text else ""


def year_from(text: object) -> int | None:
    """The first plausible 4-digit year in ``text`` ("1998 Dec-1999 Jan" -> 1998)."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if YEAR_MIN <= text <= YEAR_MAX else None
    for match in _YEAR.finditer(str(text or "")):
        year = int(match.group(1))
        if YEAR_MIN <= year <= YEAR_MAX:
            return year
    return None


def pmid_of(value: object) -> str | None:
    """A normalised PMID, or None. Only ASCII digits count ("12²3" is not a PMID)."""
    text = str(value).strip() if value is not None else ""
    return normalise_pmid(text) if text.isascii() else None


def doi_from_text(text: str | None) -> str | None:
    """A DOI found in a URL or a free-text field (``http://dx.doi.org/10.1/x`` -> ``10.1/x``)."""
    match = _DOI_IN_TEXT.search(text or "")
    return normalise_doi(match.group(1).rstrip(".,;)")) if match else None


def pmid_from_url(text: str | None) -> str | None:
    match = _PMID_IN_URL.search(text or "")
    return pmid_of(match.group(1)) if match else None


def initials(given: str) -> str:
    """``"Claude E."`` -> ``"CE"``; ``"Jean-Pierre"`` -> ``"JP"``; ``"JA"`` stays ``"JA"``."""
    given = given.strip()
    if re.fullmatch(r"[A-Z]{1,4}", given):
        return given
    parts = re.split(r"[\s.\-]+", given)
    return "".join(part[0].upper() for part in parts if part and part[0].isalpha())


def format_author(last: str, given: str = "") -> str:
    """One readable form for every format: ``"Smith JA"`` (surname, then initials)."""
    last, given = clean_text(last), clean_text(given)
    if not given:
        return last
    letters = initials(given)
    return f"{last} {letters}" if letters else last


def author_from_inverted(name: str) -> str:
    """``"Shannon, Claude E."`` -> ``"Shannon CE"``; a name without a comma is kept as written."""
    name = clean_text(name)
    if "," not in name:
        return name
    last, _, given = name.partition(",")
    return format_author(last, given) if last.strip() else clean_text(given)


def inline_sections(abstract: str) -> list[AbstractSection]:
    """Sections for ``LABEL: text`` parts of a flat abstract (offsets exclude the label)."""
    if not _INLINE_LABEL.match(abstract):  # cheap test first: a structure starts with a label
        return []
    matches = list(_INLINE_LABEL.finditer(abstract))
    if len(matches) < 2:
        return []
    sections = []
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(abstract)
        label = match.group(1).strip()
        body_end = len(abstract[:end].rstrip())
        sections.append(AbstractSection(
            label=label, category=label_category(label), start=match.end(), end=body_end,
        ))
    return sections


def label_category(label: str) -> str | None:
    """The NLM category of a common structured-abstract label (``AIMS`` -> ``OBJECTIVE``)."""
    return _LABEL_CATEGORIES.get(clean_text(label).upper().rstrip(":"))


def unique(values: Iterable[str]) -> list[str]:
    """Cleaned, non-empty values in first-seen order, without repeats."""
    seen: dict[str, None] = {}
    for value in values:
        text = clean_text(value)
        if text:
            seen.setdefault(text, None)
    return list(seen)


def is_retraction(publication_types: Sequence[str]) -> bool:
    return any(kind.strip().lower() in RETRACTION_TYPES for kind in publication_types)


def build_paper(
    *, source: str, title: str = "", abstract: str = "", pmid: object = None,
    doi: str | None = None, ext_id: str | None = None, id_from_ext: bool = True,
    sections: Sequence[AbstractSection] | None = None, authors: Iterable[str] = (),
    year: int | None = None, journal: str | None = None,
    publication_types: Iterable[str] = (), mesh_terms: Iterable[str] = (),
    keywords: Iterable[str] = (), language: str | None = None, retracted: bool = False,
) -> Paper:
    """A validated ``Paper``; raises ``RecordError`` when it has neither title nor abstract.

    ``sections`` must already point into ``abstract`` as given (it is not re-cleaned then);
    when ``sections`` is None the abstract is cleaned and inline labels are looked for.
    ``id_from_ext=False`` keeps ``ext_id`` as information without making it the paper id
    (for local record numbers that are not unique across files).
    """
    title = clean_text(title)
    if sections is None:
        abstract = clean_text(abstract)
        sections = inline_sections(abstract)
    pmid_norm, doi_norm = pmid_of(pmid) if pmid else None, normalise_doi(doi)
    ext = clean_text(ext_id) or None
    if not title and not abstract.strip():
        raise RecordError(f"record has no title and no abstract{_ids_hint(pmid_norm, doi_norm, ext)}")
    types = unique(publication_types)
    try:
        return Paper(
            id=make_paper_id(pmid=pmid_norm, doi=doi_norm, ext_id=ext if id_from_ext else None,
                             title=title, abstract=abstract),
            pmid=pmid_norm, doi=doi_norm, ext_id=ext, title=title, abstract=abstract,
            sections=list(sections), authors=unique(authors), year=year_from(year),
            journal=clean_text(journal) or None, publication_types=types,
            mesh_terms=unique(mesh_terms), keywords=unique(keywords),
            language=clean_text(language) or None,
            retracted=bool(retracted) or is_retraction(types), source=source,
        )
    except ValidationError as exc:  # a value of the wrong shape that slipped past a parser
        raise RecordError(f"record has a field of the wrong type ({exc.errors()[0]['msg']})") from exc


def _ids_hint(pmid: str | None, doi: str | None, ext: str | None) -> str:
    named = [f"PMID {pmid}" if pmid else "", f"DOI {doi}" if doi else "", f"id {ext}" if ext else ""]
    named = [part for part in named if part]
    return f" ({', '.join(named)})" if named else ""
