"""Property-based fuzzing of every ingest parser with Hypothesis.

The contract: whatever bytes come in, a parser yields only ``Paper`` / ``Deletion`` / ``Skipped``
items (every ``Paper`` valid: an id, a title or an abstract, sections inside the abstract, a
plausible year) or raises ``InputError`` (``RecordError`` included). Nothing else may escape.

``EVIDENTIA_FUZZ_EXAMPLES`` sets the examples per test (default 150, to keep CI fast);
``benchmarks/fuzz_parsers.py`` runs thousands.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import FORMATS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidentia.errors import InputError
from evidentia.ingest.bibtex import parse_bibtex
from evidentia.ingest.jsonl import parse_jsonl
from evidentia.ingest.medline import parse_medline
from evidentia.ingest.pubmed_xml import parse_pubmed_xml
from evidentia.ingest.reader import read_stream
from evidentia.ingest.ris import parse_ris
from evidentia.models import Deletion, Paper, Skipped

EXAMPLES = int(os.environ.get("EVIDENTIA_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

Parser = Callable[..., Iterator[Paper | Deletion | Skipped]]


def _read_stream(stream: io.BytesIO, *, source: str, max_record_bytes: int) -> Iterator[object]:
    return read_stream(stream, source, max_file_bytes=1_000_000, max_record_bytes=max_record_bytes)


PARSERS: dict[str, Parser] = {
    "pubmed_xml": parse_pubmed_xml, "jsonl": parse_jsonl, "ris": parse_ris, "bibtex": parse_bibtex,
    "medline": parse_medline, "read_stream": _read_stream,  # type: ignore[dict-item]
}

BUILT_IN_SEEDS = {  # used when ../shared/data is absent
    "pubmed_xml": [(b'<?xml version="1.0"?><PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID>'
                   b"<Article><ArticleTitle>T <i>x</i></ArticleTitle><Abstract><AbstractText Label=\"A\">B"
                   b"</AbstractText></Abstract></Article></MedlineCitation></PubmedArticle>"
                   b"<DeleteCitation><PMID>2</PMID></DeleteCitation></PubmedArticleSet>")],
    "jsonl": [(b'{"pmid": "1", "title": "T", "abstract": "A", "authors": ["X Y"], "year": 2000}\n'
              b'{"_id": "a", "title": "t", "text": "x"}\n{"doc_id": 3, "abstract": ["s."]}\n')],
    "ris": [b"TY  - JOUR\nTI  - T\nAU  - Smith, J\nPY  - 2001\nAB  - x\n  y\nER  - \n"],
    "bibtex": [b'@string{j = "J"}\n@article{k, title={T {\\"o}}, author="A, B and C D", journal=j, year=2001}\n'],
    "medline": [b"PMID- 1\nTI  - T\nAB  - A\n      B\nAU  - Smith J\nDP  - 2001 Jan\n"],
}
SAMPLE_GLOBS = {
    "pubmed_xml": ["pubmed_xml/**/*.xml", "pubmed_xml/**/*.xml.gz"], "ris": ["ris/*.ris"],
    "bibtex": ["bibtex/*.bib"], "medline": ["medline_txt/*.txt"],
}
TOKENS = [b"<", b">", b"</", b"&", b"&lol;", b"&#0;", b"<![CDATA[", b"]]>", b"<!ENTITY x SYSTEM 'file:///etc/passwd'>",
          b"<PubmedArticle>", b"<DeleteCitation>", b"<AbstractText Label='X'>", b"{", b"}", b"[", b"]", b'"', b"\\",
          b",", b":", b"@article{", b"@string{", b"#", b"=", b"\nTY  - ", b"\nER  - \n", b"\nPMID- ", b"\n      ",
          b"\r", b"\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\x1f\x8b", b"\xc3", b"\xc2\xb2", b"\xef\xbc\x91", b"9" * 30, b"-1", b"null"]


def _samples(name: str) -> list[bytes]:
    seeds = list(BUILT_IN_SEEDS.get(name, []))
    for pattern in SAMPLE_GLOBS.get(name, []):
        for path in sorted(FORMATS.glob(pattern))[:8]:
            data = path.read_bytes()
            seeds.append(gzip.decompress(data) if path.suffix == ".gz" else data)
    if name == "jsonl" and (FORMATS.parent / "scifact" / "corpus.jsonl").exists():
        with open(FORMATS.parent / "scifact" / "corpus.jsonl", "rb") as handle:
            seeds.append(b"".join(handle.readline() for _ in range(3)))
    if name == "read_stream":
        seeds = [seed for other in BUILT_IN_SEEDS for seed in _samples(other)[:4]]
    return [seed[:20_000] for seed in seeds]


SEEDS = {name: _samples(name) for name in PARSERS}


@st.composite
def mutated(draw: st.DrawFn, name: str) -> bytes:
    """A real sample with a few byte-level edits: flips, cuts, splices and format tokens."""
    data = bytearray(draw(st.sampled_from(SEEDS[name])))
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "delete", "insert", "token", "truncate", "duplicate"]))
        if action == "flip" and where < len(data):
            data[where] ^= 1 << draw(st.integers(0, 7))
        elif action == "delete":
            del data[where: where + draw(st.integers(1, 64))]
        elif action == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
        elif action == "token":
            data[where:where] = draw(st.sampled_from(TOKENS))
        elif action == "truncate":
            del data[where:]
        elif action == "duplicate":
            data[where:where] = data[max(0, where - 200): where]
    if draw(st.booleans()) and name == "read_stream":
        return gzip.compress(bytes(data))
    return bytes(data)


def assert_contract(parser: Parser, data: bytes) -> None:
    try:
        for item in parser(io.BytesIO(data), source="fuzz", max_record_bytes=4096):
            assert isinstance(item, (Paper, Deletion, Skipped)), type(item)
            if isinstance(item, Paper):
                _check_paper(item)
            elif isinstance(item, Skipped):
                assert item.source == "fuzz" and item.position and item.reason
    except InputError as error:  # RecordError is an InputError
        assert str(error)


def _check_paper(paper: Paper) -> None:
    assert paper.id and (paper.title or paper.abstract)
    assert paper.year is None or 1000 <= paper.year <= 2100
    for section in paper.sections:
        assert 0 <= section.start <= section.end <= len(paper.abstract)


@pytest.mark.parametrize("name", list(PARSERS))
@FUZZ
@given(data=st.data())
def test_random_bytes(name: str, data: st.DataObject) -> None:
    assert_contract(PARSERS[name], data.draw(st.binary(max_size=3000)))


@pytest.mark.parametrize("name", list(PARSERS))
@FUZZ
@given(data=st.data())
def test_mutated_real_samples(name: str, data: st.DataObject) -> None:
    assert_contract(PARSERS[name], data.draw(mutated(name)))


@pytest.mark.parametrize("name", list(PARSERS))
def test_unmutated_samples_hold_the_contract(name: str) -> None:
    for seed in SEEDS[name]:
        assert_contract(PARSERS[name], seed)


def test_fuzz_seeds_include_real_samples_when_present(formats: Path) -> None:
    assert len(SEEDS["pubmed_xml"]) > len(BUILT_IN_SEEDS["pubmed_xml"])
    assert len(SEEDS["ris"]) > len(BUILT_IN_SEEDS["ris"])


# --------------------------------------------------------------------------- bounded memory


class _Endless(io.RawIOBase):
    """``head`` then ``filler`` repeated up to ``size`` bytes, produced lazily."""

    def __init__(self, head: bytes, filler: bytes, size: int) -> None:
        super().__init__()
        self._head, self._filler, self._left = head, filler * (65536 // len(filler) + 1), size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            data, self._head = self._head[: len(buffer)], self._head[len(buffer):]
        else:
            data = self._filler[: min(len(buffer), self._left, 65536)]
            self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)


PATHOLOGICAL = [  # parser, head, endless filler
    ("ris", b"TY  - JOUR\nTI  - never ends\n", b"AB  - " + b"more text " * 300 + b"\n"),
    ("ris", b"TY  - JOUR\nAB  - x\n", b"      " + b"continuation " * 300 + b"\n"),
    ("medline", b"PMID- 1\nTI  - T\n", b"AB  - " + b"more and more " * 300 + b"\n"),
    ("bibtex", b"@", b"abcdefghij"),  # an entry start that never gets its brace
    ("bibtex", b"@article{k, abstract={", b"never closed "),
    ("bibtex", b"junk ", b"no entries at all here\n"),
    ("jsonl", b"[", b" ,\n"),  # a JSON array of nothing but separators
]


@pytest.mark.parametrize("name, head, filler", PATHOLOGICAL)
def test_pathological_input_is_read_in_bounded_memory(name: str, head: bytes, filler: bytes) -> None:
    import tracemalloc

    stream = io.BufferedReader(_Endless(head, filler, 8 * 1024**2))
    tracemalloc.start()
    try:
        items = list(PARSERS[name](stream, source="big", max_record_bytes=64 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * 1024**2, f"peak {peak:,} bytes for 8 MB of input"
    assert all(isinstance(item, Skipped) for item in items)
