"""JSON Lines: evidentia's schema, BEIR and SciFact corpora, JSON arrays, and bad lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from evidentia.ingest import read_path
from evidentia.ingest.jsonl import parse_jsonl
from evidentia.models import Paper, Skipped


def parse(text: str | bytes, **kwargs: object) -> list[Paper | Skipped]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return list(parse_jsonl(io.BytesIO(data), source="in.jsonl", **kwargs))


def one(record: dict[str, object]) -> Paper | Skipped:
    [item] = parse(json.dumps(record) + "\n")
    return item


def test_full_schema_record() -> None:
    paper = one({
        "pmid": "9161373", "doi": "https://doi.org/10.1000/ABC", "title": " Title ", "abstract": "Text.",
        "authors": ["Smith JA", "Doe J"], "year": "1997", "journal": "J", "publication_types": ["Review"],
        "mesh_terms": ["Humans"], "keywords": ["k"], "retracted": True, "language": "eng", "extra": {"x": 1},
    })
    assert isinstance(paper, Paper)
    assert (paper.id, paper.pmid, paper.doi, paper.title, paper.year) == (
        "pmid:9161373", "9161373", "10.1000/abc", "Title", 1997)
    assert (paper.authors, paper.publication_types, paper.mesh_terms, paper.keywords) == (
        ["Smith JA", "Doe J"], ["Review"], ["Humans"], ["k"])
    assert paper.retracted and paper.language == "eng" and paper.source == "jsonl"


IDS = [  # record, expected id, ext_id
    ({"title": "t", "pmid": 42}, "pmid:42", None),
    ({"title": "t", "doi": "10.55/X"}, "doi:10.55/x", None),
    ({"title": "t", "id": "mine-1"}, "doc:mine-1", "mine-1"),
    ({"title": "t", "id": "doc:mine-2"}, "doc:mine-2", "mine-2"),
    ({"_id": "4983", "title": "t", "text": "beir body"}, "doc:4983", "4983"),
    ({"doc_id": 4983, "title": "t", "abstract": ["a."], "structured": False}, "doc:4983", "4983"),
    ({"title": "t", "doi": "not a doi"}, None, None),  # an invalid DOI is dropped, not fatal
]


@pytest.mark.parametrize("record, paper_id, ext_id", IDS)
def test_ids(record: dict[str, object], paper_id: str | None, ext_id: str | None) -> None:
    paper = one(record)
    assert isinstance(paper, Paper)
    if paper_id:
        assert paper.id == paper_id
    else:
        assert paper.id.startswith("hash:") and paper.doi is None
    assert paper.ext_id == ext_id


def test_scifact_sentences_are_joined_with_spaces() -> None:
    paper = one({"doc_id": 1, "title": "T", "abstract": ["First one.", " Second one. "], "structured": True})
    assert paper.abstract == "First one. Second one."


def test_beir_metadata_ids() -> None:
    paper = one({"_id": "x1", "title": "T", "text": "B", "metadata": {"pubmed_id": "123", "url": "u"}})
    assert paper.id == "pmid:123" and paper.ext_id == "x1"


BAD_LINES = [  # line, reason fragment
    ('{"title": "t", "year": "19x7"}', "field 'year' must be a year"),
    ('{"title": "t", "year": 3000}', "field 'year' must be a year"),
    ('{"title": "t", "year": true}', "field 'year' must be a year"),
    ('{"title": "t", "authors": "Smith"}', "field 'authors' must be a list of strings"),
    ('{"title": "t", "authors": [1, 2]}', "field 'authors' must be a list of strings"),
    ('{"title": 5}', "field 'title' must be a string"),
    ('{"title": "t", "pmid": "abc"}', "field 'pmid' must be a PubMed id"),
    ('{"title": "t", "pmid": "1\u00b2"}', "field 'pmid' must be a PubMed id"),
    ('{"title": "t", "retracted": "yes"}', "field 'retracted' must be true or false"),
    ('{"title": "", "abstract": "  "}', "no title and no abstract"),
    ('{"pmid": "5"}', "no title and no abstract (PMID 5)"),
    ('["title"]', "not a JSON object"),
    ('{"title": "t",', "invalid JSON"),
    ("not json at all", "invalid JSON"),
    ("[" * 100_000, "invalid JSON"),
]


@pytest.mark.parametrize("line, reason", BAD_LINES)
def test_bad_lines_are_skipped_with_line_numbers(line: str, reason: str) -> None:
    items = parse('{"title": "ok 1"}\n' + line + '\n{"title": "ok 3"}\n')
    assert [type(item) for item in items] == [Paper, Skipped, Paper]
    assert items[1].position == "line 2" and reason in items[1].reason
    assert items[1].source == "in.jsonl"


def test_blank_lines_bom_crlf() -> None:
    items = parse(b'\xef\xbb\xbf{"title": "a"}\r\n\r\n   \n{"title": "b"}')
    assert [item.title for item in items] == ["a", "b"]


def test_overlong_line_is_skipped_and_reading_goes_on() -> None:
    text = '{"title": "a"}\n{"title": "' + "x" * 5000 + '"}\n{"title": "c"}\n'
    items = parse(text, max_record_bytes=1024)
    assert [type(item) for item in items] == [Paper, Skipped, Paper]
    assert items[1].position == "line 2" and "longer than 1,024 bytes" in items[1].reason


def test_json_array_file() -> None:
    items = parse('[\n {"title": "a"},\n {"title": 7},\n {"_id": "b", "text": "body"}\n]\n')
    assert [type(item) for item in items] == [Paper, Skipped, Paper]
    assert items[1].position == "element 2"


def test_json_array_broken_midway_reports_the_rest() -> None:
    items = parse('[{"title": "a"}, {"title": "b"}, {"title": oops}, {"title": "d"}]')
    assert [type(item) for item in items] == [Paper, Paper, Skipped]
    assert "rest of the array was skipped" in items[2].reason


def test_json_array_larger_than_one_chunk() -> None:
    records = [{"title": f"paper {i}", "abstract": "y" * 300} for i in range(500)]
    items = parse(json.dumps(records))
    assert [item.title for item in items] == [f"paper {i}" for i in range(500)]


def test_scifact_corpus(shared_data: Path) -> None:
    items = list(read_path(shared_data / "scifact" / "corpus.jsonl"))
    assert len(items) == 5183 and all(isinstance(item, Paper) for item in items)
    first = items[0]
    assert first.id == "doc:4983" and first.title.startswith("Microstructural development")
    assert first.abstract.startswith("Alterations of the architecture of cerebral white matter")
    assert len({item.id for item in items}) == 5183


def test_beir_scifact_corpus_matches_scifact(shared_data: Path) -> None:
    path = shared_data / "beir" / "scifact" / "corpus.jsonl"
    if not path.exists():
        pytest.skip("BEIR SciFact corpus not present")
    beir = {item.id: item.title for item in read_path(path)}
    assert len(beir) == 5183 and beir["doc:4983"].startswith("Microstructural development")
