"""Open any supported input file, sniff its format from the content, and parse it.

``read_path`` is the one entry point of the ingest stage::

    for item in read_path("pubmed26n0001.xml.gz"):   # Paper | Deletion | Skipped, in file order
        ...

Compression is found by magic bytes (``.gz`` need not be in the name), ``-`` reads standard
input, and the format comes from the first 64 KiB of (decompressed) content, never from the file
name alone. Parsers live one per module and are found through ``PARSERS``; a format whose module
is absent is recognised but reported as not supported yet.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import inspect
import io
import re
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import InputError
from ..models import Deletion, Paper, Skipped
from ._stream import GZIP_MAGIC, UTF16_BOMS, MeteredReader, Utf16ToUtf8

Item = Paper | Deletion | Skipped
Parser = Callable[..., Iterator[Item]]

HEAD_BYTES = 64 * 1024
DEFAULT_MAX_FILE_BYTES = 4 * 1024**3
DEFAULT_MAX_RECORD_BYTES = 2 * 1024**2

# format name -> (module in this package, parser function). Missing modules: "not supported yet".
PARSERS: dict[str, tuple[str, str]] = {
    "pubmed_xml": ("pubmed_xml", "parse_pubmed_xml"),
    "jsonl": ("jsonl", "parse_jsonl"),
    "ris": ("ris", "parse_ris"),
    "bibtex": ("bibtex", "parse_bibtex"),
    "medline": ("medline", "parse_medline"),
    "europepmc_json": ("europepmc_json", "parse"),
    "openalex_json": ("openalex_json", "parse"),
}

FORMAT_NAMES = {
    "pubmed_xml": "PubMed XML", "jsonl": "JSON Lines", "ris": "RIS", "bibtex": "BibTeX",
    "medline": "MEDLINE text", "europepmc_json": "Europe PMC JSON", "openalex_json": "OpenAlex JSON",
}

SUPPORTED_HINT = (
    "supported: PubMed XML, JSON Lines, RIS (incl. Web of Science), BibTeX, MEDLINE/.nbib, "
    "Europe PMC and OpenAlex JSON, each optionally gzipped; see docs/formats.md"
)

_PUBMED_ROOTS = re.compile(
    r"<(?:PubmedArticleSet|PubmedArticle|PubmedBookArticle|DeleteCitation|MedlineCitation)[\s>/]"
)
_TAGGED = {  # format -> where its first record marker may sit
    "ris": re.compile(r"^(?:TY {1,2}-|(?:FN|PT) [A-Z])", re.MULTILINE),
    "medline": re.compile(r"^PMID- *\d", re.MULTILINE),
    "bibtex": re.compile(r"^[ \t]*@[A-Za-z]+[ \t]*[{(]", re.MULTILINE),
}


# --------------------------------------------------------------------------- sniffing


def sniff_format(head: bytes, name: str = "") -> str:
    """The format of a file from its first bytes; ``InputError`` when it is not one we read.

    Returns one of ``pubmed_xml``, ``jsonl``, ``ris``, ``bibtex``, ``medline``,
    ``europepmc_json``, ``openalex_json``. ``head`` may be gzip-compressed or UTF-16.
    """
    text = _head_text(head).lstrip()
    where = name or "input"
    if not text:
        raise InputError(f"{where}: the file is empty", hint=SUPPORTED_HINT)
    if text.startswith("<"):
        return _sniff_markup(text, where)
    if text.startswith(("{", "[")):
        return _sniff_json(text, where)
    return _sniff_tagged(text, where)


def _head_text(head: bytes) -> str:
    if head.startswith(GZIP_MAGIC):
        with contextlib.suppress(zlib.error):
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, HEAD_BYTES)
    if head.startswith(UTF16_BOMS):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _sniff_markup(text: str, where: str) -> str:
    if _PUBMED_ROOTS.search(text):
        return "pubmed_xml"
    if re.match(r"<!doctype html|<html[\s>]", text, re.IGNORECASE):
        raise InputError(f"{where}: this is an HTML page (an error page?), not records",
                         hint=SUPPORTED_HINT)
    root = re.search(r"<([A-Za-z_][\w.:-]*)", re.sub(r"<[?!][^>]*>", "", text))
    kind = f"XML with root <{root.group(1)}>" if root else "XML or markup"
    raise InputError(f"{where}: {kind}, not PubMed XML", hint=SUPPORTED_HINT)


def _sniff_json(text: str, where: str) -> str:
    if '"resultList"' in text or ('"hitCount"' in text and '"version"' in text):
        return "europepmc_json"
    if "openalex.org/" in text or '"groups_count"' in text or '"any_repository_has_fulltext"' in text:
        return "openalex_json"
    other = _other_api(text[:400])
    if other:
        raise InputError(f"{where}: {other}, which is not an input format", hint=SUPPORTED_HINT)
    first_line = text.split("\n", 1)[0].strip()
    if text.startswith("[") or first_line != "{":
        return "jsonl"
    raise InputError(
        f"{where}: one JSON document spread over lines, not JSON Lines",
        hint="write one record per line (see docs/formats.md for the JSONL schema)",
    )


# Single-line API responses that would otherwise pass for one JSONL line (checked near the start).
_OTHER_APIS = (
    (re.compile(r'"message-type"'), "a Crossref API response"),
    (re.compile(r'"(?:paperId|authorId|recommendedPapers)"|^\{"(?:data|total)":'),
     "a Semantic Scholar API response"),
    (re.compile(r'"best_oa_location"|"oa_locations"|^\{"results":\[\{"response"'
                r'|^\{"doi":"[^"]*","doi_url":'),
     "an Unpaywall API response"),
    (re.compile(r'^\{\s*"(?:error|message)"\s*:\s*"[^"]*"\s*\}'), "an error response from a web API"),
)


def _other_api(start: str) -> str | None:
    return next((what for pattern, what in _OTHER_APIS if pattern.search(start)), None)


def _sniff_tagged(text: str, where: str) -> str:
    found = {fmt: m.start() for fmt, pattern in _TAGGED.items() if (m := pattern.search(text))}
    if found:
        return min(found, key=found.__getitem__)
    raise InputError(f"{where}: format not recognised ({_describe_unknown(text)})",
                     hint=SUPPORTED_HINT)


# Files people add by mistake, by their first bytes (after any gzip layer).
_KNOWN_BINARIES = (
    ("%PDF-", "a PDF document; evidentia reads records (titles and abstracts), not full texts"),
    ("PK\x03\x04", "a ZIP archive (or an Office file); unpack it and add the files inside"),
    ("BZh", "bzip2-compressed; decompress it first (gzip is read as is)"),
    ("\ufffd7zXZ", "xz-compressed; decompress it first (gzip is read as is)"),
    ("SQLite format 3\x00", "an SQLite database (a library?); pass it with --library instead"),
)


def _describe_unknown(text: str) -> str:
    """What an unrecognised head looks like, in words; never a dump of binary bytes."""
    for magic, what in _KNOWN_BINARIES:
        if text.startswith(magic):
            return what
    sample = text[:1024]
    odd = sum(1 for ch in sample if ch == "\ufffd" or (ch < " " and ch not in "\t\r\n\f"))
    if "\x00" in sample or odd > len(sample) // 10:
        return "binary data, not a text export"
    snippet = text[:40].split("\n", 1)[0]
    return f"starts with {snippet!r}"


# --------------------------------------------------------------------------- reading


PROGRESS_EVERY = 200  # records between two progress reports


def read_path(
    path: str | Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES, on_bytes: Callable[[int], None] | None = None,
) -> Iterator[Item]:
    """Every record of a file, in file order: ``Paper``, ``Deletion`` or ``Skipped``.

    ``path`` ``-`` reads standard input. Raises ``InputError`` when the file cannot be read,
    is not a supported format, or grows past ``max_file_bytes`` (counted after decompression).
    Malformed records come out as ``Skipped`` items and the file goes on. ``on_bytes`` is told,
    now and then, how far into the file (in bytes as stored, compressed or not) reading is.
    """
    name = "<stdin>" if str(path) == "-" else str(path)
    with _open_binary(path, name, max_file_bytes) as raw:
        items = read_stream(raw, name, max_file_bytes=max_file_bytes,
                            max_record_bytes=max_record_bytes)
        for count, item in enumerate(items, 1):
            yield item
            if on_bytes is not None and count % PROGRESS_EVERY == 0:
                _report_position(raw, on_bytes)
        if on_bytes is not None:
            _report_position(raw, on_bytes)


def _report_position(raw: BinaryIO, on_bytes: Callable[[int], None]) -> None:
    try:
        on_bytes(raw.tell())
    except (OSError, ValueError):
        pass  # pipes and closed streams have no position; progress is only a courtesy


def read_stream(
    raw: BinaryIO, name: str = "<stream>", *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
) -> Iterator[Item]:
    """``read_path`` for an open binary stream (``name`` is used in positions and messages)."""
    if not hasattr(raw, "peek"):
        raw = io.BufferedReader(raw)  # type: ignore[arg-type]
    meter = MeteredReader(_maybe_gunzip(raw), limit=max_file_bytes, name=name)
    head = meter.head(HEAD_BYTES)
    fmt = _format_of_head(head, meter, name)
    if fmt is None:
        return  # an empty file has no records; that is not an error
    parser = load_parser(fmt, name)
    yield from _call_parser(parser, _text_stream(meter, head, fmt), name, max_record_bytes)
    if meter.error:
        yield Skipped(source=name, position=f"byte {meter.count:,}",
                      reason=f"{meter.error}; the rest of the file was skipped")


def check_path(path: str | Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
    """Raise ``InputError`` now if ``read_path`` would refuse the whole file; reads only its head.

    Lets a caller refuse a run of many files before it writes anything: a missing file, a
    folder, an unreadable or oversized file, or content that is not a supported format.
    Standard input (``-``) cannot be read twice and is not checked.
    """
    if str(path) == "-":
        return
    name = str(path)
    with _open_binary(path, name, max_file_bytes) as raw:
        meter = MeteredReader(_maybe_gunzip(raw), limit=max_file_bytes, name=name)
        fmt = _format_of_head(meter.head(HEAD_BYTES), meter, name)
        if fmt is not None:
            load_parser(fmt, name)


def _format_of_head(head: bytes, meter: MeteredReader, name: str) -> str | None:
    """The sniffed format, or None for an empty file; ``InputError`` for an unreadable one."""
    if _is_blank(head) and meter.error is not None:
        raise InputError(f"{name}: {meter.error}; nothing could be read",
                         hint="download or compress the file again")
    if _is_blank(head) and len(head) < HEAD_BYTES:
        return None
    return sniff_format(head, name)


@contextlib.contextmanager
def _open_binary(path: str | Path, name: str, max_file_bytes: int) -> Iterator[BinaryIO]:
    if str(path) == "-":
        yield sys.stdin.buffer
        return
    file_path = Path(path)
    try:
        if file_path.is_dir():
            raise InputError(f"{name}: is a folder", hint="pass the files inside it")
        size = file_path.stat().st_size
        handle = file_path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{name}: file not found", hint="check the path") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot be read ({exc.strerror or exc})",
                         hint="check the path and its permissions") from None
    with handle:
        if size > max_file_bytes and handle.peek(2)[:2] != GZIP_MAGIC:
            raise InputError(f"{name}: file is larger than the limit of {max_file_bytes:,} bytes",
                             hint="split it, or raise ingest.max_file_bytes")
        yield handle


def _is_blank(head: bytes) -> bool:
    return not head.removeprefix(b"\xef\xbb\xbf").strip()


def _maybe_gunzip(raw: BinaryIO) -> BinaryIO:
    peek = getattr(raw, "peek", None)
    first = peek(2)[:2] if peek else b""
    return gzip.GzipFile(fileobj=raw, mode="rb") if first == GZIP_MAGIC else raw


def _text_stream(meter: MeteredReader, head: bytes, fmt: str) -> BinaryIO:
    stream: BinaryIO = io.BufferedReader(meter, buffer_size=HEAD_BYTES)
    if head.startswith(UTF16_BOMS) and fmt != "pubmed_xml":  # lxml reads UTF-16 XML itself
        stream = io.BufferedReader(Utf16ToUtf8(stream), buffer_size=HEAD_BYTES)
    return stream


def load_parser(fmt: str, name: str = "") -> Parser:
    """The parser function registered for ``fmt``; ``InputError`` when it is not available."""
    module_name, function_name = PARSERS.get(fmt, ("", ""))
    full_name = f"{__package__}.{module_name}"
    try:
        return getattr(importlib.import_module(full_name), function_name)
    except ModuleNotFoundError as exc:
        if module_name and exc.name != full_name:
            raise  # the module exists but something it imports is missing: a real bug
    except AttributeError:
        pass
    label = FORMAT_NAMES.get(fmt, fmt)
    raise InputError(f"{name or 'input'}: recognised as {label}, which is not supported yet",
                     hint=SUPPORTED_HINT)


def _call_parser(parser: Parser, stream: BinaryIO, name: str, max_record_bytes: int
                 ) -> Iterator[Item]:
    try:
        accepts_limit = "max_record_bytes" in inspect.signature(parser).parameters
    except (TypeError, ValueError):
        accepts_limit = False
    if accepts_limit:
        return parser(stream, source=name, max_record_bytes=max_record_bytes)
    return parser(stream, source=name)


__all__ = ["PARSERS", "check_path", "load_parser", "read_path", "read_stream", "sniff_format"]
