"""read_path / sniff_format: format sniffing, gzip, stdin, BOMs, limits and user-facing errors."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path

import pytest

from evidentia.errors import InputError
from evidentia.ingest import read_path, reader, sniff_format
from evidentia.ingest.reader import read_stream
from evidentia.models import Paper, Skipped

PUBMED = b'<?xml version="1.0"?>\n<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>9</PMID>' \
         b"<Article><ArticleTitle>T</ArticleTitle></Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"

SNIFF = [  # head, expected format
    (PUBMED, "pubmed_xml"),
    (b"\xef\xbb\xbf  \n<?xml version='1.0'?><!DOCTYPE PubmedArticleSet><PubmedArticleSet>", "pubmed_xml"),
    (b"<PubmedArticleSet>\n<DeleteCitation>", "pubmed_xml"),
    (b'{"title": "a", "abstract": "b"}\n{"title": "c"}\n', "jsonl"),
    (b'\n\n  {"_id": "1", "title": "t", "text": "x"}', "jsonl"),
    (b'[{"title": "a"}]', "jsonl"),
    (b'{\n  "version": "6.9",\n  "hitCount": 3,\n  "resultList": {', "europepmc_json"),
    (b'{"id":"https://openalex.org/W1","doi":null}', "openalex_json"),
    (b'{"meta":{"count":2,"groups_count":null},"results":[]}', "openalex_json"),
    (b"TY  - JOUR\nTI  - x\nER  - \n", "ris"),
    (b"Record #1 of 2\nProvider: X\n1.\nTY  - JOUR\n", "ris"),
    (b"FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\n", "ris"),
    (b"\nPMID- 12230038\nOWN - NLM\n", "medline"),
    (b" @article{key, title={x}}", "bibtex"),
    (b"% a comment\n@Comment{x}\n@INPROCEEDINGS(key, title = \"x\")", "bibtex"),
    (gzip.compress(b"TY  - JOUR\nER  - \n"), "ris"),
    ("TY  - JOUR\nTI  - Ünï\nER  - \n".encode("utf-16"), "ris"),
]


@pytest.mark.parametrize("head, expected", SNIFF)
def test_sniff_format(head: bytes, expected: str) -> None:
    assert sniff_format(head, "file") == expected


NOT_SUPPORTED = [  # head, words the message must contain
    (b"Resource not found.", "format not recognised"),
    (b"<!doctype html>\n<html lang=en><title>404", "HTML page"),
    (b'<?xml version="1.0"?><eSearchResult><Count>6</Count>', "root <eSearchResult>"),
    (b'<?xml version="1.0"?>\n<!DOCTYPE article><article xmlns:xlink="x">', "root <article>"),
    (b'{"status":"ok","message-type":"work","message":{}}', "Crossref"),
    (b'{"paperId": "abc", "title": "x"}', "Semantic Scholar"),
    (b'{"error":"Paper with id 0 not found"}', "error response"),
    (b'{\n  "title": "pretty printed"\n}', "JSON Lines"),
    (b"   \n\n", "empty"),
]


@pytest.mark.parametrize("head, words", NOT_SUPPORTED)
def test_sniff_rejects_other_content_with_a_clear_message(head: bytes, words: str) -> None:
    with pytest.raises(InputError) as error:
        sniff_format(head, "input.dat")
    assert words in str(error.value) and "input.dat" in str(error.value)
    assert "docs/formats.md" in str(error.value) or "JSONL" in str(error.value)


def test_every_real_sample_is_sniffed(formats: Path) -> None:
    expected = {"pubmed_xml": "pubmed_xml", "ris": "ris", "bibtex": "bibtex", "medline_txt": "medline",
                "europepmc_json": "europepmc_json"}
    for folder, fmt in expected.items():
        for path in sorted((formats / folder).rglob("*")):
            if path.is_file() and not path.name.endswith("_404.txt"):
                assert sniff_format(path.read_bytes()[:65536], path.name) == fmt, path


@pytest.mark.parametrize("name", ["crossref_transform_10.48550_arXiv.2304.05376_404.txt",
                                  "crossref_transform_10.48550_arXiv.2312.07559_404.txt"])
def test_404_bodies_among_bibtex_are_reported_not_crashed(formats: Path, name: str) -> None:
    path = formats / "bibtex" / name
    with pytest.raises(InputError) as error:
        list(read_path(path))
    assert str(path) in str(error.value) and "Resource not found." in str(error.value)


def test_missing_file_folder_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        list(read_path(tmp_path / "nope.xml"))
    with pytest.raises(InputError, match="is a folder"):
        list(read_path(tmp_path))


def test_empty_file_has_no_records(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"")
    assert list(read_path(path)) == []
    path.write_bytes(gzip.compress(b"\n\n"))
    assert list(read_path(path)) == []


def test_gzip_found_by_magic_bytes_not_suffix(tmp_path: Path) -> None:
    path = tmp_path / "records.txt"  # no .gz suffix
    path.write_bytes(gzip.compress(b'{"title": "Zipped"}\n'))
    [paper] = list(read_path(path))
    assert paper.title == "Zipped"


def test_concatenated_gzip_members(tmp_path: Path) -> None:
    path = tmp_path / "two.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"title": "one"}\n') + gzip.compress(b'{"title": "two"}\n'))
    assert [paper.title for paper in read_path(path)] == ["one", "two"]


def test_truncated_gzip_keeps_records_and_reports_the_rest(tmp_path: Path) -> None:
    lines = b"".join(b'{"title": "paper %d", "abstract": "%s"}\n' % (i, b"x" * 50) for i in range(3000))
    data = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    items = list(read_path(path))
    papers = [item for item in items if isinstance(item, Paper)]
    assert len(papers) > 100
    assert isinstance(items[-1], Skipped) and "corrupt or truncated" in items[-1].reason


def test_max_file_bytes_plain_file_fails_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(b'{"title": "x"}\n' * 100)
    with pytest.raises(InputError, match="larger than the limit of 1,000 bytes"):
        next(read_path(path, max_file_bytes=1000))


def test_max_file_bytes_counts_decompressed_bytes(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b'{"title": "' + b"x" * 3_000_000 + b'"}\n'))  # 3 MB inflated, 3 kB on disk
    assert path.stat().st_size < 50_000
    with pytest.raises(InputError, match="after decompression"):
        list(read_path(path, max_file_bytes=1_000_000))


def test_stdin_is_read_as_binary(tmp_path: Path) -> None:
    code = ("import sys; from evidentia.ingest import read_path; "
            "print([p.title for p in read_path('-')])")
    result = subprocess.run([sys.executable, "-c", code], input=gzip.compress(b"TY  - JOUR\nTI  - From stdin\nER  - \n"),
                            capture_output=True, check=True, timeout=60)
    assert result.stdout.decode().strip() == "['From stdin']"


def test_stdin_via_monkeypatch(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(PUBMED))
    monkeypatch.setattr(sys, "stdin", fake)
    [paper] = list(read_path("-"))
    assert paper.pmid == "9"


def test_utf16_ris_is_transcoded(tmp_path: Path) -> None:
    path = tmp_path / "export.ris"
    path.write_bytes("TY  - JOUR\r\nTI  - Über Größe\r\nER  - \r\n".encode("utf-16"))
    [paper] = list(read_path(path))
    assert paper.title == "Über Größe"


def test_format_without_module_is_recognised_but_not_supported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(reader.PARSERS, "ris", ("no_such_module", "parse"))
    with pytest.raises(InputError, match="recognised as RIS, which is not supported yet"):
        list(read_stream(io.BytesIO(b"TY  - JOUR\nER  - \n"), "x.ris"))


def test_parser_without_record_limit_argument_is_called_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def parse(stream: io.BufferedReader, source: str = "") -> list[Paper]:
        calls.append(source)
        return []

    monkeypatch.setattr(reader, "load_parser", lambda fmt, name="": parse)
    assert list(read_stream(io.BytesIO(b'{"id":"https://openalex.org/W1"}'), "w.json")) == []
    assert calls == ["w.json"]


def test_items_come_in_file_order_across_formats(formats: Path) -> None:
    items = list(read_path(formats / "ris/rispy_example_extraneous_data.ris"))
    assert [item.title for item in items] == ["Title of reference", "The title of the reference"]
