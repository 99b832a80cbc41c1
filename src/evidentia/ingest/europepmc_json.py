"""Europe PMC REST ``search`` responses (JSON, ``resultType=core`` or ``lite``) as ``Paper`` records.

Accepted shapes: a whole search response (``{"hitCount": .., "resultList": {"result": [..]}}``),
a list of result objects, or one result object. A saved API response can therefore be added with
``evidentia add``; the live client in ``evidentia.sources`` uses :func:`papers_from_payload` on
the JSON it already parsed.

Europe PMC abstracts and titles carry a little HTML (``<h4>Methods</h4>``, ``<i>``, ``<sub>``)
while comparison signs stay raw (``p < .001``). :func:`html_segments` strips only known tags, so
no character of the text is lost, and turns ``<h4>`` headings into labelled sections. (A known
tag name right after ``<`` with a ``>`` later, as in ``x <b and c> y``, still reads as a tag.)
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import InputError, RecordError
from ..models import AbstractSection, Paper, Skipped
from ._common import build_paper, clean_text, format_author, label_category, year_from

FORMAT = "europepmc_json"
MAX_JSON_BYTES = 256 * 1024**2

_HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_BLOCK_TAGS = ("p", "br", "div", "li", "ul", "ol", "section", "title", "blockquote", "hr", "tr")
_INLINE_TAGS = (
    "i", "b", "em", "strong", "sub", "sup", "u", "span", "a", "sc", "small", "big", "font",
    "abbr", "tt", "code", "mml:math", "math", "inline-formula", "italic", "bold",
)
_KNOWN_TAGS = "|".join(re.escape(t) for t in _HEADING_TAGS + _BLOCK_TAGS + _INLINE_TAGS)
# Only these tags are markup; any other "<" (``p < .001``, ``<5 mm``) is text and is kept.
_TAG = re.compile(rf"<(/?)({_KNOWN_TAGS})(?=[\s/>])[^<>]*>", re.I)


def parse(stream: BinaryIO, *, source: str = "") -> Iterator[Paper | Skipped]:
    """Papers from a saved Europe PMC search response; malformed records come back as ``Skipped``."""
    name = source or FORMAT
    data = load_json(stream, name)
    yield from papers_from_payload(data, source=name)


def load_json(stream: BinaryIO, name: str) -> Any:
    raw = stream.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise InputError(f"{name}: JSON file is larger than {MAX_JSON_BYTES:,} bytes")
    try:
        return json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{name}: not valid JSON ({exc})",
                         hint="is this an API response saved as JSON?") from None


def result_objects(data: Any) -> list[Any]:
    """The result records of any accepted shape (see the module docstring)."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and "resultList" in data:
        results = (data.get("resultList") or {}).get("result") or []
        return results if isinstance(results, list) else []
    if isinstance(data, dict) and ("source" in data or "pmid" in data or "title" in data):
        return [data]
    if isinstance(data, dict) and "hitCount" in data:
        return []
    raise InputError("not a Europe PMC search response (no resultList)")


def papers_from_payload(data: Any, *, source: str = "europepmc") -> Iterator[Paper | Skipped]:
    for index, record in enumerate(result_objects(data), start=1):
        position = f"record {index}"
        try:
            yield parse_record(record, source=source)
        except RecordError as exc:
            yield Skipped(source=source, position=position, reason=exc.reason)


def parse_record(record: Any, *, source: str = "europepmc") -> Paper:
    """One Europe PMC result object as a ``Paper``; raises ``RecordError`` when unusable."""
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object, found {type(record).__name__}")
    abstract, sections = abstract_with_sections(_text(record.get("abstractText")))
    journal_info = _dict(record.get("journalInfo"))
    types = _strings(_dict(record.get("pubTypeList")).get("pubType"))
    return build_paper(
        source=source, title=html_to_text(_text(record.get("title"))), abstract=abstract,
        sections=sections or None, pmid=record.get("pmid"), doi=_text(record.get("doi")) or None,
        ext_id=_ext_id(record), authors=_authors(record),
        year=year_from(journal_info.get("yearOfPublication") or record.get("pubYear")),
        journal=_text(_dict(journal_info.get("journal")).get("title")) or None,
        publication_types=types, mesh_terms=_mesh(record),
        keywords=_strings(_dict(record.get("keywordList")).get("keyword")),
        language=_text(record.get("language")) or None,
    )


def _ext_id(record: dict[str, Any]) -> str | None:
    ident, src = _text(record.get("id")), _text(record.get("source"))
    return f"{src}:{ident}" if ident and src else ident or None


def _authors(record: dict[str, Any]) -> list[str]:
    people = _dict(record.get("authorList")).get("author")
    names = []
    for person in people if isinstance(people, list) else []:
        if not isinstance(person, dict):
            continue
        if person.get("lastName"):
            names.append(format_author(_text(person["lastName"]), _text(person.get("firstName"))))
        elif person.get("fullName") or person.get("collectiveName"):
            names.append(_text(person.get("fullName") or person.get("collectiveName")))
    if not names and record.get("authorString"):
        names = [part for part in _text(record["authorString"]).rstrip(".").split(", ") if part]
    return names


def _mesh(record: dict[str, Any]) -> list[str]:
    headings = _dict(record.get("meshHeadingList")).get("meshHeading")
    if not isinstance(headings, list):
        return []
    return [_text(h.get("descriptorName")) for h in headings if isinstance(h, dict)]


# --------------------------------------------------------------------------- HTML to text


def html_segments(markup: str) -> list[tuple[str | None, str]]:
    """``(heading, text)`` parts of an HTML fragment; text before any heading has heading None.

    Only known tags are removed (inline ones without a space, block ones as a space); entities
    are decoded afterwards, so an escaped ``&lt;`` becomes ``<`` and a raw ``<`` stays as it is.
    """
    segments: list[tuple[str | None, list[str]]] = [(None, [])]
    in_heading, heading_parts = False, []
    pos = 0
    for match in _TAG.finditer(markup):
        chunk = markup[pos:match.start()]
        (heading_parts if in_heading else segments[-1][1]).append(chunk)
        pos = match.end()
        closing, tag = match.group(1) == "/", match.group(2).lower()
        if tag in _HEADING_TAGS:
            if closing and in_heading:
                segments.append((_clean(" ".join(heading_parts)), []))
                in_heading, heading_parts = False, []
            elif not closing:
                in_heading, heading_parts = True, []
        elif tag in _BLOCK_TAGS:
            (heading_parts if in_heading else segments[-1][1]).append(" ")
    (heading_parts if in_heading else segments[-1][1]).append(markup[pos:])
    if in_heading:  # an unclosed heading: keep its words as text
        segments[-1][1].extend(heading_parts)
    return [(label or None, _clean("".join(parts))) for label, parts in segments
            if _clean("".join(parts)) or label]


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment (a title): its parts joined by a space."""
    return " ".join(text for _, text in html_segments(markup or "") if text)


def abstract_with_sections(markup: str) -> tuple[str, list[AbstractSection]]:
    """The plain abstract and, for ``<h4>`` headed parts, sections that point into it.

    The layout matches the PubMed parser: parts joined by ``\n``, the labels kept in the
    sections only, each section's ``start``/``end`` covering its text.
    """
    parts: list[str] = []
    sections: list[AbstractSection] = []
    offset = 0
    for label, text in html_segments(markup or ""):
        if not text:
            continue  # a heading with nothing under it
        offset += 1 if parts else 0  # the "\n" between parts
        if label:
            label = label.rstrip(":").strip()
            sections.append(AbstractSection(label=label, category=label_category(label),
                                            start=offset, end=offset + len(text)))
        parts.append(text)
        offset += len(text)
    return "\n".join(parts), sections


def _clean(text: str) -> str:
    return clean_text(html.unescape(text))


# --------------------------------------------------------------------------- JSON helpers


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value) if isinstance(value, int) else ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
