"""RIS (``TY  - JOUR`` ... ``ER  -``) and Web of Science tagged exports (``PT J`` ... ``ER``).

A small tolerant reader of our own. RIS: a record starts at ``TY`` and ends at ``ER``; text
before the first ``TY`` or between records is ignored; a line that is not a tag continues the
value before it; empty and unknown tags are fine; a new ``TY`` or the end of the file closes a
record whose ``ER`` is missing. Web of Science: two-letter tags followed by one space,
continuation lines indented by three spaces, records from ``PT`` to ``ER``.

Fields read: title TI/T1/CT/ST, abstract AB/N2, authors AU/A1 (WoS: AU, else AF), year PY/Y1/DA,
journal JF/JO/T2/JA/J2 (WoS: SO), DOI DO/DI or a doi.org URL in UR/L1-L4, PMID (WoS: PM; a PubMed
URL), keywords KW (WoS: DE, ID), language LA, publication type TY/DT. RIS ``ID``/``AN`` are kept
as ``ext_id`` but not used as the paper id: many exporters number records 1, 2, 3 per file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from ..errors import RecordError
from ..models import Paper, Skipped
from ._common import (
    author_from_inverted,
    build_paper,
    doi_from_text,
    pmid_from_url,
    year_from,
)
from ._stream import iter_lines

FORMAT = "ris"
DEFAULT_MAX_RECORD_BYTES = 2 * 1024**2

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?: (.*)|\s*)$")
_WOS_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_WOS_START = re.compile(r"^(?:FN|VR|PT) ")
_WOS_HEADERS = ("FN", "VR", "EF", "ER")
_SPLIT_LIST = re.compile(r"\s*;\s*")

TYPE_NAMES = {
    "JOUR": "Journal Article", "JFULL": "Journal Article", "EJOUR": "Journal Article",
    "ABST": "Abstract", "BOOK": "Book", "EBOOK": "Book", "CHAP": "Book Chapter",
    "ECHAP": "Book Chapter", "CONF": "Conference Proceedings", "CPAPER": "Conference Paper",
    "RPRT": "Report", "THES": "Thesis", "GEN": "Generic", "NEWS": "Newspaper Article",
    "ELEC": "Web Page", "PAT": "Patent", "UNPB": "Unpublished Work",
}

Item = Paper | Skipped


@dataclass
class _Record:
    number: int
    line: int
    wos: bool
    fields: list[tuple[str, list[str]]] = field(default_factory=list)
    size: int = 0

    def add(self, tag: str, value: str) -> None:
        self.fields.append((tag, [value] if value else []))

    def continue_value(self, text: str) -> None:
        if self.fields and text:
            self.fields[-1][1].append(text)

    def values(self, *tags: str) -> list[str]:
        """Values of the tags in file order; a value's continuation lines joined by spaces."""
        return [" ".join(lines) for tag, lines in self.fields if tag in tags and lines]

    def lines(self, *tags: str) -> list[str]:
        """Every line of the tags, one item each (WoS lists one author per line)."""
        return [line for tag, lines in self.fields if tag in tags for line in lines]

    def first(self, *tags: str) -> str:
        for tag in tags:
            found = self.values(tag)
            if found:
                return found[0]
        return ""


def parse_ris(
    stream: BinaryIO, *, source: str = "", max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[Item]:
    """Papers and skipped records of a RIS or Web of Science stream, in file order."""
    reader = _Reader(source, max_record_bytes)
    for number, line in iter_lines(stream, max_record_bytes):
        yield from reader.feed(number, line)
    if reader.record is not None:
        yield _finish(reader.record, source, max_record_bytes)


class _Reader:
    """Line-by-line state: the record being read, and whether the file is Web of Science."""

    def __init__(self, source: str, limit: int) -> None:
        self.source, self.limit = source, limit
        self.record: _Record | None = None
        self.count = 0
        self.wos: bool | None = None  # None until the first tag line says which

    def feed(self, number: int, line: str | None) -> Iterator[Item]:
        if line is None:  # a runaway line: mark the record too big, read on
            line = ""
            if self.record is not None:
                self.record.size = self.limit + 1
        if self.wos is None:
            self.wos = _mode(line)
        tag, value = _split(line, bool(self.wos))
        if self.record is None:
            if tag in ("TY", "PT") or (self.wos and tag is not None and tag not in _WOS_HEADERS):
                self._start(number, tag, value)
        elif tag == "ER" or (tag == "TY" and not self.wos):
            yield _finish(self.record, self.source, self.limit)
            self.record = None
            if tag == "TY":  # a new record without the previous one's ER
                self._start(number, tag, value)
        else:
            self._add(self.record, line, tag, value)

    def _start(self, number: int, tag: str, value: str) -> None:
        self.count += 1
        self.record = _Record(self.count, number, bool(self.wos))
        self.record.add(tag, value)

    def _add(self, record: _Record, line: str, tag: str | None, value: str) -> None:
        record.size += len(line) + 1
        if record.size > self.limit:
            return  # too big already: only its end is still looked for
        if tag is None:
            record.continue_value(line.strip())
        else:
            record.add(tag, value)


def _mode(line: str) -> bool | None:
    """True for Web of Science, False for RIS, None while no tag line has been seen."""
    if _RIS_TAG.match(line):
        return False
    if _WOS_START.match(line):
        return True
    return None


def _split(line: str, wos: bool) -> tuple[str | None, str]:
    if wos:
        if line.startswith("   "):
            return None, line
        match = _WOS_TAG.match(line)
    else:
        match = _RIS_TAG.match(line)
    if not match:
        return None, line
    return match.group(1), (match.group(2) or "").strip()


def _finish(record: _Record, source: str, limit: int) -> Item:
    position = f"record {record.number} (line {record.line})"
    if record.size > limit:
        return Skipped(source=source, position=position, reason=f"record larger than {limit:,} bytes")
    try:
        return _wos_paper(record) if record.wos else _ris_paper(record)
    except RecordError as exc:
        return Skipped(source=source, position=position, reason=exc.reason)


def _ris_paper(record: _Record) -> Paper:
    urls = record.values("UR", "L1", "L2", "L3", "L4", "LK")
    kind = record.first("TY")
    return build_paper(
        source=FORMAT, title=record.first("TI", "T1", "CT", "ST"), abstract=record.first("AB", "N2"),
        authors=[author_from_inverted(name) for name in record.values("AU", "A1")],
        year=_year(record.first("PY", "Y1", "DA", "Y2")),
        journal=record.first("JF", "JO", "T2", "JA", "J2"),
        doi=doi_from_text(record.first("DO")) or _first_doi(urls),
        pmid=_first(pmid_from_url(url) for url in urls),
        ext_id=record.first("AN", "ID"), id_from_ext=False,
        keywords=_keywords(record.values("KW")), language=record.first("LA"),
        publication_types=[TYPE_NAMES.get(kind.upper(), kind)] if kind else [],
    )


def _wos_paper(record: _Record) -> Paper:
    authors = record.lines("AU") or record.lines("AF")
    return build_paper(
        source=FORMAT, title=record.first("TI"), abstract=record.first("AB"),
        authors=[author_from_inverted(name) for name in authors],
        year=_year(record.first("PY", "PD", "EA")), journal=record.first("SO"),
        doi=doi_from_text(record.first("DI")), pmid=record.first("PM") or None,
        ext_id=record.first("UT"), keywords=_keywords(record.values("DE", "ID")),
        language=record.first("LA"), publication_types=_keywords(record.values("DT")),
    )


def _year(text: str) -> int | None:
    return year_from(text)


def _first_doi(urls: list[str]) -> str | None:
    return _first(doi_from_text(url) for url in urls)


def _first(values: Iterator[str | None] | list[str | None]) -> str | None:
    return next((value for value in values if value), None)


def _keywords(values: list[str]) -> list[str]:
    return [part.lstrip("*") for value in values for part in _SPLIT_LIST.split(value) if part.strip("* ")]
