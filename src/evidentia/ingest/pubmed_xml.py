"""PubMed XML: EFetch responses and the NLM baseline / daily-update files.

Streams with ``lxml.etree.iterparse`` and frees each record once converted, so a 4 GB
baseline file parses in constant memory. Entities are never resolved and nothing is fetched
(no DTD, no network), so entity bombs and external entities stay inert: an unresolved entity
reference contributes its character when it is a standard HTML name (``&eacute;``) and nothing
otherwise.

Records: ``PubmedArticle`` and ``PubmedBookArticle`` become ``Paper``; every PMID of a
``DeleteCitation`` becomes a ``Deletion``, in document order. A record without a PMID, without
title and abstract, or larger than ``max_record_bytes`` becomes ``Skipped``. XML that stops
being well-formed yields one ``Skipped`` for the rest of the file; what came before is kept.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from ..errors import RecordError
from ..models import AbstractSection, Deletion, Paper, Skipped
from ._common import (
    build_paper,
    clean_text,
    initials,
    label_category,
    pmid_of,
    year_from,
)

FORMAT = "pubmed_xml"
RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
MATHML = "{http://www.w3.org/1998/Math/MathML}"
DEFAULT_MAX_RECORD_BYTES = 2 * 1024**2

Item = Paper | Deletion | Skipped


class _RecordTooLarge(Exception):
    """Raised from the byte counter when one record keeps growing past any sane size."""


class _CountingStream:
    """Counts what lxml reads, so record sizes can be told and runaway records stopped."""

    def __init__(self, stream: BinaryIO, hard_limit: int) -> None:
        self._stream = stream
        self.count = 0
        self.mark = 0  # count at the end of the previous record
        self.largest_read = 0
        self._hard_limit = hard_limit

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        self.largest_read = max(self.largest_read, len(data))
        if self.count - self.mark > self._hard_limit:
            raise _RecordTooLarge
        return data


def parse_pubmed_xml(
    stream: BinaryIO, *, source: str = "", max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[Item]:
    """Papers, deletions and skipped records of a PubMed XML stream, in document order."""
    counter = _CountingStream(stream, hard_limit=8 * max_record_bytes + 1024**2)
    events = etree.iterparse(
        counter, events=("end",), tag=RECORD_TAGS, resolve_entities=False, no_network=True,
        huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True,
    )
    number = 0
    try:
        for _event, element in events:
            number += 1
            # lxml reports a record after parsing the read that holds its end, so the record
            # is at most (bytes read since the previous record) + (one read) long.
            bound = counter.count - counter.mark + counter.largest_read
            counter.mark = counter.count
            yield from _convert(element, source, number, bound, max_record_bytes)
            _release(element)
    except etree.LxmlError as exc:
        line, message = _error_location(exc, events)
        reason = f"not well-formed XML from here on ({message}); the rest of the file was skipped"
        yield Skipped(source=source, position=f"record {number + 1} (line {line})", reason=reason)
    except _RecordTooLarge:
        yield Skipped(source=source, position=f"record {number + 1} (byte {counter.count:,})",
                      reason=f"record larger than {max_record_bytes:,} bytes; the rest of the file was skipped")


def _error_location(exc: Exception, events: etree.iterparse) -> tuple[int | str, str]:
    """Line and message of a parse error; libxml2's own log is more precise than the exception."""
    last = getattr(getattr(events, "error_log", None), "last_error", None)
    if last is not None and last.line:
        return last.line, last.message.strip()[:200]
    message = getattr(exc, "msg", None) or str(exc)
    return getattr(exc, "lineno", None) or "?", message.split("\n", 1)[0][:200]


def _release(element: etree._Element) -> None:
    """Free a converted record and everything before it (keeps memory flat on bulk files)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _convert(element: etree._Element, source: str, number: int, size_bound: int, limit: int
             ) -> Iterator[Item]:
    position = f"record {number} (line {element.sourceline})"
    if element.tag == "DeleteCitation":
        yield from _deletions(element, source, position)
        return
    if size_bound > limit and len(etree.tostring(element)) > limit:  # measure only when it may be
        yield Skipped(source=source, position=position, reason=f"record larger than {limit:,} bytes")
        return
    try:
        yield _paper(element)
    except RecordError as exc:
        yield Skipped(source=source, position=position, reason=exc.reason)


def _deletions(element: etree._Element, source: str, position: str) -> Iterator[Item]:
    for pmid_element in element.iter("PMID"):
        raw = inline_text(pmid_element)
        pmid = pmid_of(raw)
        if pmid:
            yield Deletion(pmid=pmid, source=source, position=position)
        else:
            yield Skipped(source=source, position=position,
                          reason=f"DeleteCitation lists an invalid PMID {raw[:40]!r}")


# --------------------------------------------------------------------------- text


def inline_text(element: etree._Element | None) -> str:
    """All text inside ``element`` (``<i>``, ``<sup>``, MathML ... included), whitespace runs
    collapsed. Whitespace-only text between MathML elements is layout, not content: dropped."""
    if element is None:
        return ""
    if len(element) == 0:  # the common case: plain text, no markup
        return clean_text(element.text)
    parts: list[str] = []
    _collect(element, parts, in_math=False)
    return clean_text("".join(parts))


def _collect(element: etree._Element, parts: list[str], in_math: bool) -> None:
    in_math = in_math or str(element.tag).startswith(MATHML)
    if element.text and not (in_math and element.text.isspace()):
        parts.append(element.text)
    for child in element:
        if isinstance(child, etree._Entity):
            parts.append(_entity_text(child))
        elif isinstance(child.tag, str):
            _collect(child, parts, in_math)
        if child.tail and not (in_math and child.tail.isspace()):
            parts.append(child.tail)


def _entity_text(entity: etree._Entity) -> str:
    """``&eacute;`` -> ``é``; anything else (``&lol9;``, ``&xxe;``) -> nothing."""
    reference = entity.text or ""
    decoded = html.unescape(reference)
    return decoded if decoded != reference and len(decoded) <= 2 else ""


def _all_text(parent: etree._Element | None, path: str) -> list[str]:
    if parent is None:
        return []
    return [text for node in parent.iterfind(path) if (text := inline_text(node))]


def _first_text(parent: etree._Element | None, *paths: str) -> str:
    for path in paths:
        texts = _all_text(parent, path)
        if texts:
            return texts[0]
    return ""


# --------------------------------------------------------------------------- records


def _paper(element: etree._Element) -> Paper:
    doc = element.find("MedlineCitation")
    if doc is None:
        doc = element.find("BookDocument")
    if doc is None:
        raise RecordError(f"<{element.tag}> has no MedlineCitation or BookDocument")
    pmid = inline_text(doc.find("PMID"))
    if not pmid_of(pmid):
        raise RecordError(f"record has no valid PMID ({pmid[:40]!r})" if pmid else "record has no PMID")
    article = doc.find("Article")
    part = article if article is not None else doc  # books keep the fields on BookDocument
    abstract, sections = _abstract(part.find("Abstract"))
    types = _all_text(part, "PublicationTypeList/PublicationType") or _all_text(doc, "PublicationType")
    return build_paper(
        source=FORMAT, pmid=pmid, title=_title(part, doc), abstract=abstract, sections=sections,
        doi=_doi(element, part), authors=_authors(part), year=_year(element, part, doc),
        journal=_journal(part, doc), publication_types=types,
        mesh_terms=_all_text(doc, "MeshHeadingList/MeshHeading/DescriptorName"),
        keywords=_all_text(doc, "KeywordList/Keyword"),
        language=_first_text(part, "Language"), retracted=_retraction_notice(doc),
    )


def _title(part: etree._Element, doc: etree._Element) -> str:
    return _first_text(part, "ArticleTitle", "VernacularTitle") or _first_text(doc, "Book/BookTitle")


def _abstract(node: etree._Element | None) -> tuple[str, list[AbstractSection]]:
    """Abstract parts joined by ``\\n``; labelled parts become sections pointing at their text."""
    parts: list[str] = []
    sections: list[AbstractSection] = []
    offset = 0
    for text_node in node.iterfind("AbstractText") if node is not None else ():
        body = inline_text(text_node)
        if not body:
            continue
        offset += 1 if parts else 0  # the "\n" between parts
        label = clean_text(text_node.get("Label"))
        if label:
            category = text_node.get("NlmCategory")
            if not category or category == "UNASSIGNED":
                category = label_category(label)
            sections.append(AbstractSection(label=label, category=category, start=offset,
                                            end=offset + len(body)))
        parts.append(body)
        offset += len(body)
    return "\n".join(parts), sections


def _authors(part: etree._Element) -> list[str]:
    names = []
    for author in part.iterfind("AuthorList/Author"):
        if author.get("ValidYN") == "N":
            continue
        collective = inline_text(author.find("CollectiveName"))
        last = inline_text(author.find("LastName"))
        letters = inline_text(author.find("Initials")) or initials(inline_text(author.find("ForeName")))
        name = collective or (f"{last} {letters}".strip() if last else "")
        if name:
            names.append(name)
    return names


def _year(element: etree._Element, part: etree._Element, doc: etree._Element) -> int | None:
    for text in (
        _first_text(part, "Journal/JournalIssue/PubDate/Year"),
        _first_text(part, "Journal/JournalIssue/PubDate/MedlineDate"),
        _first_text(part, "ArticleDate/Year"),
        _first_text(doc, "Book/PubDate/Year", "Book/PubDate/MedlineDate"),
        _first_text(element, "PubmedData/History/PubMedPubDate[@PubStatus='pubmed']/Year"),
    ):
        year = year_from(text)
        if year:
            return year
    return None


def _journal(part: etree._Element, doc: etree._Element) -> str:
    return _first_text(part, "Journal/Title", "Journal/ISOAbbreviation") or _first_text(
        doc, "MedlineJournalInfo/MedlineTA", "Book/BookTitle"
    )


def _doi(element: etree._Element, part: etree._Element) -> str | None:
    """The article's own DOI (never one from its reference list)."""
    for path in (
        "PubmedData/ArticleIdList/ArticleId[@IdType='doi']",
        "PubmedBookData/ArticleIdList/ArticleId[@IdType='doi']",
    ):
        found = _first_text(element, path)
        if found:
            return found
    for location in part.iterfind("ELocationID[@EIdType='doi']"):
        if location.get("ValidYN") != "N" and inline_text(location):
            return inline_text(location)
    return _first_text(part, "ArticleIdList/ArticleId[@IdType='doi']") or None


def _retraction_notice(doc: etree._Element) -> bool:
    """True when PubMed links the record to a retraction notice (``RetractionIn``)."""
    return doc.find("CommentsCorrectionsList/CommentsCorrections[@RefType='RetractionIn']") is not None
