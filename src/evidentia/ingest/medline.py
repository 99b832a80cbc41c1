"""MEDLINE / ``.nbib`` tagged text, as PubMed's "Save -> PubMed format" writes it.

Each record starts at ``PMID- ``; a tag is up to four letters padded to four columns, then
``- ``; continuation lines are indented by six spaces. Text before the first ``PMID-`` is
ignored.

Fields read: PMID, TI (else BTI), AB, AU (already "Smith JA"; else FAU), CN (collective
author), DP / DEP (year), JT / TA (journal), LID / AID ``[doi]``, PT, MH (descriptor, without
``*`` and qualifiers), OT (keywords), LA. Retracted: PT "Retracted Publication" / "Retraction of
Publication", or an ``RIN`` (retraction in) tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import RecordError
from ..models import Paper, Skipped
from ._common import author_from_inverted, build_paper, doi_from_text
from ._stream import iter_lines

FORMAT = "medline"
DEFAULT_MAX_RECORD_BYTES = 2 * 1024**2

_TAG = re.compile(r"[A-Z][A-Z0-9]{0,3}")

Item = Paper | Skipped
Fields = list[tuple[str, str]]


def parse_medline(
    stream: BinaryIO, *, source: str = "", max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[Item]:
    """Papers and skipped records of a MEDLINE text stream, in file order."""
    fields: Fields | None = None
    number = start_line = size = 0
    for line_number, line in iter_lines(stream, max_record_bytes):
        tag, value = _split(line if line is not None else "")
        if tag == "PMID":
            if fields is not None:
                yield _finish(fields, source, number, start_line, size > max_record_bytes)
            fields, number, start_line, size = [], number + 1, line_number, 0
        if fields is None:
            continue
        size += len(line) + 1 if line is not None else max_record_bytes + 1
        if size > max_record_bytes:
            continue  # too big already: its fields are no longer kept
        if tag is not None:
            fields.append((tag, value))
        elif line and line.strip() and fields:
            fields[-1] = (fields[-1][0], f"{fields[-1][1]} {line.strip()}")
    if fields is not None:
        yield _finish(fields, source, number, start_line, size > max_record_bytes)


def _split(line: str) -> tuple[str | None, str]:
    """``"TI  - Title"`` -> ``("TI", "Title")``; a continuation line -> ``(None, line)``."""
    tag = line[:4].rstrip()
    if len(line) >= 5 and line[4] == "-" and _TAG.fullmatch(tag):
        return tag, line[5:].strip()
    return None, line


def _finish(fields: Fields, source: str, number: int, line: int, too_big: bool) -> Item:
    position = f"record {number} (line {line})"
    if too_big:
        return Skipped(source=source, position=position, reason="record larger than the size limit")
    try:
        return _paper(fields)
    except RecordError as exc:
        return Skipped(source=source, position=position, reason=exc.reason)


def _values(fields: Fields, *tags: str) -> list[str]:
    return [value for tag, value in fields if tag in tags and value]


def _first(fields: Fields, *tags: str) -> str:
    for tag in tags:
        found = _values(fields, tag)
        if found:
            return found[0]
    return ""


def _paper(fields: Fields) -> Paper:
    authors = _values(fields, "AU") or [author_from_inverted(name) for name in _values(fields, "FAU")]
    return build_paper(
        source=FORMAT, pmid=_first(fields, "PMID"), title=_first(fields, "TI", "BTI"),
        abstract=_first(fields, "AB"), authors=authors + _values(fields, "CN"),
        year=_first(fields, "DP", "DEP"), journal=_first(fields, "JT", "TA"), doi=_doi(fields),
        publication_types=_values(fields, "PT"), mesh_terms=[_descriptor(v) for v in _values(fields, "MH")],
        keywords=_values(fields, "OT"), language=_first(fields, "LA"),
        retracted=bool(_values(fields, "RIN")),
    )


def _doi(fields: Fields) -> str | None:
    for value in _values(fields, "LID", "AID"):
        if value.endswith("[doi]"):
            found = doi_from_text(value.removesuffix("[doi]"))
            if found:
                return found
    return None


def _descriptor(heading: str) -> str:
    """``"Sequence Alignment/*methods"`` -> ``"Sequence Alignment"``; ``"*Software"`` -> ``"Software"``."""
    return heading.split("/", 1)[0].lstrip("*").strip()
