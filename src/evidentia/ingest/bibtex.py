"""BibTeX / BibLaTeX: ``@article{key, title={...}, author="A and B", year=2020}``.

A small tolerant reader of our own. Entries are found by ``@type{`` or ``@type(``; text between
entries is a comment (as in BibTeX). Values may be braced (nested braces fine), quoted, numbers,
``@string`` macros or month names, joined with ``#``. ``@comment`` and ``@preamble`` are skipped.
LaTeX in values becomes Unicode (``{\\"o}`` -> ``ö``). An entry that does not close before the
next ``@type{`` at the start of a line, or that cannot be parsed, becomes ``Skipped`` with its
entry number and line; the entries after it are read as usual.

Fields read: title, abstract, author, year (else date), journal / journaltitle / booktitle, doi
(else a doi.org url), pmid (or eprint with eprinttype pubmed), keywords, language / langid.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..errors import RecordError
from ..models import Paper, Skipped
from ._common import build_paper, doi_from_text, format_author
from ._latex import latex_to_text

FORMAT = "bibtex"
DEFAULT_MAX_RECORD_BYTES = 2 * 1024**2
CHUNK = 64 * 1024
HEADER_TAIL = 1024  # longest '@type  {' prefix kept while looking for an entry

MONTHS = {
    name[:3].lower(): name for name in (
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    )
}
TYPE_NAMES = {
    "article": "Journal Article", "inproceedings": "Conference Paper", "conference": "Conference Paper",
    "proceedings": "Conference Proceedings", "book": "Book", "inbook": "Book Chapter",
    "incollection": "Book Chapter", "phdthesis": "Thesis", "mastersthesis": "Thesis",
    "thesis": "Thesis", "techreport": "Report", "report": "Report", "online": "Web Page",
    "unpublished": "Unpublished Work", "misc": "Misc",
}
_SKIPPED_TYPES = ("comment", "preamble")

_OPEN = re.compile(r"@[ \t]*([A-Za-z][\w-]*)[ \t\r\n]*([{(])")
_LINE_OPEN = re.compile(r"\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t\r\n]*[{(]")
_BRACE_TOKENS = re.compile(r"[{}]|\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t\r\n]*[{(]")
_PAREN_TOKENS = re.compile(r"[{})]|\n[ \t]*@[ \t]*[A-Za-z][\w-]*[ \t\r\n]*[{(]")
_DELIMITER_TOKENS = re.compile(r'[{}"]')
_NAME = re.compile(r"[^\s\"#%'(),={}]+")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)

Item = Paper | Skipped


@dataclass
class _Block:
    """One ``@type{...}`` block as found in the text."""

    number: int
    line: int
    kind: str
    body: str | None  # None: the block never closed properly
    problem: str = ""


def parse_bibtex(
    stream: BinaryIO, *, source: str = "", max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES
) -> Iterator[Item]:
    """Papers and skipped entries of a BibTeX stream, in file order."""
    macros = dict(MONTHS)
    for block in _Scanner(stream, max_record_bytes).blocks():
        position = f"entry {block.number} (line {block.line})"
        if block.kind in _SKIPPED_TYPES:
            continue
        try:
            if block.body is None:
                raise RecordError(block.problem)
            item = _block_item(block, macros)
        except RecordError as exc:
            yield Skipped(source=source, position=position, reason=exc.reason)
            continue
        if item is not None:
            yield item


def _block_item(block: _Block, macros: dict[str, str]) -> Paper | None:
    parser = _EntryParser(block.body or "", macros)
    if block.kind == "string":
        name, value = parser.field()
        macros[name] = value
        return None
    key, fields = parser.entry()
    return _paper(block.kind, key, fields)


# --------------------------------------------------------------------------- finding entries


class _Scanner:
    """Finds ``@type{...}`` blocks in a stream, holding at most about one record in memory."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream, self._limit = stream, limit
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._buffer, self._eof, self._first = "", False, True
        self._line = 1  # line number of _buffer[0]
        self._count = 0

    def _more(self) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(CHUNK)
        self._eof = not chunk
        text = self._decode(chunk)
        if self._first:
            text, self._first = text.removeprefix("\ufeff"), False
        self._buffer += text
        return True

    def _decode(self, chunk: bytes) -> str:
        try:
            return self._decoder.decode(chunk, final=self._eof)
        except UnicodeDecodeError:  # not UTF-8: read the rest as Windows-1252
            self._decoder = codecs.getincrementaldecoder("cp1252")(errors="replace")
            return self._decoder.decode(chunk, final=self._eof)

    def _drop(self, upto: int) -> None:
        self._line += self._buffer.count("\n", 0, upto)
        self._buffer = self._buffer[upto:]

    def blocks(self) -> Iterator[_Block]:
        line_start_only = False  # after a runaway entry, resume at an entry that starts a line
        while True:
            match = (_LINE_OPEN if line_start_only else _OPEN).search(self._buffer)
            if match is None:
                self._drop(self._unmatched_prefix(line_start_only))
                if not self._more():
                    return
                continue
            self._drop(self._buffer.index("@", match.start()))
            block, line_start_only = self._block()
            if block is None:
                if not self._more():
                    return
                continue
            yield block

    def _unmatched_prefix(self, line_start_only: bool) -> int:
        """How much of a buffer without an entry start can go: all but a possible partial
        ``@type{`` at its end (never more than a short tail, so junk cannot pile up)."""
        tail = self._buffer.rfind("\n" if line_start_only else "@")
        return max(tail, len(self._buffer) - HEADER_TAIL) if tail >= 0 else len(self._buffer)

    def _block(self) -> tuple[_Block | None, bool]:
        """The block at the start of the buffer, or None when more text is needed."""
        match = _OPEN.match(self._buffer)
        if match is None:  # only possible after a resync on a partial line
            self._drop(1)
            return None, False
        kind, paren = match.group(1).lower(), match.group(2) == "("
        status, end = _find_close(self._buffer, match.end(), paren)
        if status == "open" and not self._eof and len(self._buffer) <= self._limit:
            return None, False
        self._count += 1
        line = self._line
        if status == "closed":
            body = self._buffer[match.end():end] if end <= self._limit else None
            self._drop(end + 1)
            return _Block(self._count, line, kind, body, f"entry larger than {self._limit:,} bytes"), False
        return self._broken(kind, line, status, end)

    def _broken(self, kind: str, line: int, status: str, end: int) -> tuple[_Block, bool]:
        if status == "next":
            self._drop(end)
            return _Block(self._count, line, kind, None, "entry does not close before the next entry"), False
        if status == "unbalanced":
            self._drop(end + 1)
            return _Block(self._count, line, kind, None, "unbalanced braces in the entry"), False
        runaway = len(self._buffer) > self._limit
        self._drop(len(self._buffer) - (1 if self._buffer.endswith("\n") else 0))
        problem = (f"entry larger than {self._limit:,} bytes or never closed" if runaway
                   else "entry does not close before the end of the file")
        return _Block(self._count, line, kind, None, problem), runaway


def _find_close(text: str, start: int, paren: bool) -> tuple[str, int]:
    """("closed", index of the closing delimiter), ("next", start of the next entry),
    ("unbalanced", index of a stray "}") or ("open", -1) when the text ends first."""
    depth = 0
    for token in (_PAREN_TOKENS if paren else _BRACE_TOKENS).finditer(text, start):
        char = token.group()
        if char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return ("unbalanced", token.start()) if paren else ("closed", token.start())
            depth -= 1
        elif char == ")":
            if depth == 0:
                return "closed", token.start()
        else:
            return "next", token.start() + 1
    return "open", -1


# --------------------------------------------------------------------------- parsing an entry


class _EntryParser:
    """Recursive-descent reader of ``key, name = value # value, ...``."""

    def __init__(self, body: str, macros: dict[str, str]) -> None:
        self.text, self.pos, self.macros = body, 0, macros

    def entry(self) -> tuple[str, dict[str, str]]:
        key = self._key()
        fields: dict[str, str] = {}
        while self._skip_space() < len(self.text):
            name, value = self.field()
            fields.setdefault(name, value)
            if self._skip_space() < len(self.text):
                self._expect(",")
        return key, fields

    def _key(self) -> str:
        comma = self.text.find(",")
        head = self.text[: comma if comma >= 0 else len(self.text)]
        if "=" in head:
            return ""  # no citation key
        self.pos = comma + 1 if comma >= 0 else len(self.text)
        return head.strip()

    def field(self) -> tuple[str, str]:
        self._skip_space()
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise RecordError(f"expected a field name at {self._where()}")
        self.pos = match.end()
        self._skip_space()
        self._expect("=")
        return match.group().lower(), self._value()

    def _value(self) -> str:
        parts = [self._part()]
        while self._skip_space() < len(self.text) and self.text[self.pos] == "#":
            self.pos += 1
            parts.append(self._part())
        return "".join(parts)

    def _part(self) -> str:
        self._skip_space()
        char = self.text[self.pos: self.pos + 1]
        if char == "{":
            return self._delimited("{", "}")
        if char == '"':
            return self._delimited('"', '"')
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise RecordError(f"expected a value at {self._where()}")
        self.pos = match.end()
        word = match.group()
        return word if word.isdigit() else self.macros.get(word.lower(), "")

    def _delimited(self, opener: str, closer: str) -> str:
        """Text up to the matching closer; braces inside must balance (as in BibTeX)."""
        depth, start = 0, self.pos + 1
        for token in _DELIMITER_TOKENS.finditer(self.text, start):
            char, index = token.group(), token.start()
            if char == "{":
                depth += 1
            elif char == "}" and depth:
                depth -= 1
            elif char == "}" and closer == "}":
                self.pos = index + 1
                return self.text[start:index]
            elif char == "}":
                break
            elif closer == '"' and depth == 0 and self.text[index - 1] != "\\":
                self.pos = index + 1
                return self.text[start:index]
        raise RecordError(f"unbalanced braces or quotes in a value starting at {self._where(start)}")

    def _skip_space(self) -> int:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1
        return self.pos

    def _expect(self, char: str) -> None:
        if self.text[self.pos: self.pos + 1] != char:
            raise RecordError(f"expected {char!r} at {self._where()}")
        self.pos += 1

    def _where(self, pos: int | None = None) -> str:
        pos = self.pos if pos is None else pos
        line = self.text.count("\n", 0, pos)
        snippet = self.text[pos: pos + 20].split("\n", 1)[0]
        return f"{'line +' + str(line) + ', ' if line else ''}{snippet!r}"


# --------------------------------------------------------------------------- entry -> Paper


def _paper(kind: str, key: str, fields: dict[str, str]) -> Paper:
    text = {name: latex_to_text(value) for name, value in fields.items()}
    journal = text.get("journal") or text.get("journaltitle")
    if not journal and kind in ("inproceedings", "incollection", "inbook"):
        journal = text.get("booktitle")
    pmid = fields.get("pmid") or (
        fields.get("eprint") if text.get("eprinttype", "").lower() == "pubmed" else None)
    return build_paper(
        source=FORMAT, title=text.get("title", ""), abstract=text.get("abstract", ""),
        authors=split_authors(fields.get("author", "")), year=text.get("year") or text.get("date"),
        journal=journal, doi=_doi(fields), pmid=_plain(pmid) or None,
        keywords=re.split(r"\s*[,;]\s*", text.get("keywords", "")),
        language=text.get("language") or text.get("langid"), ext_id=key, id_from_ext=False,
        publication_types=[TYPE_NAMES.get(kind, kind)],
    )


def _plain(value: str | None) -> str:
    """An identifier field: braces and TeX escapes removed, nothing else touched."""
    return re.sub(r"\\([_%&#])", r"\1", value or "").replace("{", "").replace("}", "").strip()


def _doi(fields: dict[str, str]) -> str | None:
    return doi_from_text(_plain(fields.get("doi"))) or doi_from_text(_plain(fields.get("url")))


def split_authors(value: str) -> list[str]:
    """``"Geary, Richard S. and {WHO Group} and others"`` -> ``["Geary RS", "WHO Group"]``."""
    names = []
    for raw in _split_top_level(value, _AND):
        raw = raw.strip()
        if not raw or raw.lower() == "others":
            continue
        if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
            names.append(latex_to_text(raw[1:-1]))  # a corporate name, kept whole
            continue
        names.append(_person(raw))
    return [name for name in names if name]


def _person(raw: str) -> str:
    parts = [latex_to_text(part) for part in _split_top_level(raw, re.compile(r","))]
    if len(parts) >= 2:  # "Last, First" or "Last, Jr, First"
        return format_author(parts[0], parts[-1])
    words = parts[0].split()
    if len(words) < 2:
        return parts[0]
    cut = next((i for i, word in enumerate(words[:-1]) if i and word[:1].islower()), len(words) - 1)
    return format_author(" ".join(words[cut:]), " ".join(words[:cut]))


def _split_top_level(value: str, separator: re.Pattern[str]) -> list[str]:
    """Split at ``separator`` where it is not inside braces."""
    pieces, depth, start = [], 0, 0
    index = 0
    while index < len(value):
        char = value[index]
        depth += (char == "{") - (char == "}")
        match = separator.match(value, index) if depth == 0 else None
        if match and match.end() > index:
            pieces.append(value[start:index])
            start = index = match.end()
            continue
        index += 1
    pieces.append(value[start:])
    return pieces


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "{") - (char == "}")
        if depth < 0:
            return False
    return depth == 0
