"""JSON Lines: one record per line in evidentia's schema, the BEIR corpus or the SciFact corpus.

evidentia's schema (every field optional except that title or abstract must be non-empty)::

    {"pmid": "123", "doi": "10.1/x", "title": "...", "abstract": "...", "authors": ["Smith JA"],
     "year": 2020, "journal": "...", "publication_types": [...], "mesh_terms": [...],
     "keywords": [...], "id": "own-id", "retracted": false, "language": "eng"}

BEIR: ``{"_id", "title", "text", "metadata"?}``; SciFact: ``{"doc_id", "title", "abstract":
[sentences], "structured"}``. Unknown keys are ignored; a field of the wrong type makes the line a
``Skipped`` item with the reason. A file that starts with ``[`` is read as a JSON array of such
objects, element by element.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from ..errors import RecordError
from ..models import Paper, Skipped
from ._common import YEAR_MAX, YEAR_MIN, build_paper, pmid_of
from ._stream import iter_lines

FORMAT = "jsonl"
DEFAULT_MAX_RECORD_BYTES = 2 * 1024**2
CHUNK = 64 * 1024
_LEADING = re.compile(r"[\ufeff \t\r\n]+")
_SEPARATORS = re.compile(r"[ \t\r\n,]+")
_LIST_FIELDS = ("authors", "publication_types", "mesh_terms", "keywords")

Item = Paper | Skipped


def parse_jsonl(
    stream: BinaryIO, *, source: str = "", max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[Item]:
    """Papers and skipped lines of a JSON Lines (or JSON array) stream, in file order."""
    stream = _peekable(stream)
    if stream.peek(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        yield from _array_items(stream, source, max_record_bytes)
        return
    for number, line in iter_lines(stream, max_record_bytes, split_cr=False):
        position = f"line {number}"
        if line is None:
            yield Skipped(source=source, position=position,
                          reason=f"line longer than {max_record_bytes:,} bytes")
        elif line.strip():
            yield _item(line, source, position)


def _peekable(stream: BinaryIO) -> io.BufferedReader:
    return stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[return-value]


def _item(line: str, source: str, position: str) -> Item:
    try:
        return record_to_paper(json.loads(line))
    except json.JSONDecodeError as exc:
        return Skipped(source=source, position=position, reason=f"invalid JSON ({exc.msg}, column {exc.colno})")
    except RecursionError:
        return Skipped(source=source, position=position, reason="invalid JSON (nested too deeply)")
    except RecordError as exc:
        return Skipped(source=source, position=position, reason=exc.reason)


def record_to_paper(record: Any) -> Paper:
    """One decoded JSON object (any of the three shapes) as a ``Paper``; ``RecordError`` if bad."""
    if not isinstance(record, dict):
        raise RecordError(f"not a JSON object but {type(record).__name__}")
    metadata = record.get("metadata") if isinstance(record.get("metadata"), dict) else {}
    lists = {name: _string_list(record, name) for name in _LIST_FIELDS}
    return build_paper(
        source=FORMAT, title=_string(record, "title") or "", abstract=_abstract(record),
        pmid=_pmid(record.get("pmid", metadata.get("pubmed_id"))),
        doi=_string(record, "doi") or _string(metadata, "doi"), ext_id=_ext_id(record),
        year=_year(record.get("year")), journal=_string(record, "journal"),
        language=_string(record, "language"), retracted=_bool(record, "retracted"), **lists,
    )


# --------------------------------------------------------------------------- field checks


def _string(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RecordError(f"field {key!r} must be a string, not {type(value).__name__}")


def _string_list(record: dict[str, Any], key: str) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecordError(f"field {key!r} must be a list of strings")
    return value


def _abstract(record: dict[str, Any]) -> str:
    """``abstract`` as a string or a list of sentences (SciFact), else BEIR's ``text``."""
    value = record.get("abstract")
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise RecordError("field 'abstract' must be a string or a list of strings")
        return " ".join(sentence.strip() for sentence in value)
    return _string(record, "abstract") or _string(record, "text") or ""


def _pmid(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not pmid_of(value):
        raise RecordError(f"field 'pmid' must be a PubMed id (digits), not {str(value)[:30]!r}")
    return pmid_of(value)


def _year(value: Any) -> int | None:
    if value is None or value == "":
        return None
    text = value.strip() if isinstance(value, str) else value
    valid_type = (isinstance(text, int) and not isinstance(text, bool)) or (
        isinstance(text, str) and text.isascii() and text.isdigit() and len(text) == 4)
    if not valid_type or not YEAR_MIN <= int(text) <= YEAR_MAX:
        raise RecordError(f"field 'year' must be a year {YEAR_MIN}..{YEAR_MAX}, not {str(value)[:30]!r}")
    return int(text)


def _bool(record: dict[str, Any], key: str) -> bool:
    value = record.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise RecordError(f"field {key!r} must be true or false, not {str(value)[:30]!r}")
    return value


def _ext_id(record: dict[str, Any]) -> str | None:
    for key in ("id", "_id", "doc_id"):
        value = record.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise RecordError(f"field {key!r} must be a string or a number")
        return str(value).removeprefix("doc:")
    return None


# --------------------------------------------------------------------------- JSON arrays


def _array_items(stream: BinaryIO, source: str, limit: int) -> Iterator[Item]:
    """Elements of a top-level JSON array, decoded one at a time from a bounded buffer."""
    decoder, text = json.JSONDecoder(), _TextBuffer(stream)
    position, number = text.skip(_LEADING) + 1, 0  # past the "["
    while True:
        position = text.skip(_SEPARATORS, position)
        if text.at(position) in ("]", ""):
            return
        number += 1
        try:
            element, position = text.decode(decoder, position, limit)
        except (ValueError, RecursionError) as exc:
            reason = f"invalid JSON ({getattr(exc, 'msg', exc)}); the rest of the array was skipped"
            yield Skipped(source=source, position=f"element {number}", reason=reason)
            return
        try:
            yield record_to_paper(element)
        except RecordError as exc:
            yield Skipped(source=source, position=f"element {number}", reason=exc.reason)


class _TextBuffer:
    """A growing window of decoded text over a byte stream; old text is dropped as it is used."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream, self._decoder = stream, codecs.getincrementaldecoder("utf-8")("replace")
        self.text, self.base, self.eof = "", 0, False

    def _more(self) -> bool:
        if self.eof:
            return False
        chunk = self._stream.read(CHUNK)
        self.eof = not chunk
        self.text += self._decoder.decode(chunk, final=self.eof)
        return True

    def at(self, position: int) -> str:
        """The character at ``position`` ("" at the end); text before it may be dropped."""
        if position - self.base > CHUNK:  # positions only move forward: forget what is behind
            self.text, self.base = self.text[position - self.base:], position
        while position - self.base >= len(self.text) and self._more():
            pass
        index = position - self.base
        return self.text[index] if index < len(self.text) else ""

    def skip(self, pattern: re.Pattern[str], position: int = 0) -> int:
        """The first position at or after ``position`` that ``pattern`` (a run) does not cover."""
        while self.at(position):
            run = pattern.match(self.text, position - self.base)
            if run is None or run.end() == run.start():
                return position
            position = self.base + run.end()
        return position

    def decode(self, decoder: json.JSONDecoder, position: int, limit: int) -> tuple[Any, int]:
        self.text, self.base = self.text[position - self.base:], position
        while True:
            try:
                value, end = decoder.raw_decode(self.text)
                if end < len(self.text) or self.eof:
                    return value, self.base + end
            except json.JSONDecodeError:
                if self.eof or len(self.text) > limit:
                    raise
            if len(self.text) > limit:
                raise ValueError(f"element longer than {limit:,} bytes")
            self._more()
