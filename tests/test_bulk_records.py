"""What the bulk job's executors run, without Spark: parse events, apply order, rows, filters."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="bulk builds need pyarrow (pip install pyarrow)")

from evidentia.bulk.layout import ROW_SCHEMA, paper_columns, paper_from_columns
from evidentia.bulk.records import enrich_rows, file_events, latest_papers
from evidentia.config import Settings
from evidentia.index.embedders import HashEmbedder
from evidentia.index.milvus import TermAnalyser, filter_expression, query_text
from evidentia.models import Filters, Paper

LIMITS = {"max_file_bytes": 10**9, "max_record_bytes": 2 * 1024**2}

ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>
<Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue>
<Title>J Test</Title></Journal><ArticleTitle>{title}</ArticleTitle>
<Abstract><AbstractText>{abstract}</AbstractText></Abstract></Article></MedlineCitation>
</PubmedArticle>"""


def pubmed_xml(*records: str) -> bytes:
    return ("<?xml version='1.0'?>\n<PubmedArticleSet>" + "".join(records)
            + "</PubmedArticleSet>").encode()


def article(pmid: str, title: str = "A trial", abstract: str = "Patients improved.") -> str:
    return ARTICLE.format(pmid=pmid, title=title, abstract=abstract)


def deletion(*pmids: str) -> str:
    return "<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in pmids) + "</DeleteCitation>"


def kinds(content: bytes, name: str = "f.xml") -> list[tuple[str, str]]:
    return [(event[3], event[0]) for event in file_events(3, name, content, **LIMITS)]


# --------------------------------------------------------------------------- parse


@pytest.mark.parametrize(("case", "content", "expected"), [
    ("papers in file order", pubmed_xml(article("2"), article("1")),
     [("paper", "pmid:2"), ("paper", "pmid:1")]),
    ("a deletion after the record it deletes", pubmed_xml(article("1"), deletion("1", "9")),
     [("paper", "pmid:1"), ("delete", "pmid:1"), ("delete", "pmid:9")]),
    ("a record without title and abstract is skipped, the rest kept",
     pubmed_xml(article("1", title="", abstract=""), article("2")),
     [("skip", ""), ("paper", "pmid:2")]),
    ("gzip is transparent", gzip.compress(pubmed_xml(article("5")), mtime=0), [("paper", "pmid:5")]),
    ("XML that breaks off keeps what came before",
     pubmed_xml(*[article(str(n), abstract="x" * 2000) for n in range(1, 201)])[:-40] + b"<<",
     [("paper", f"pmid:{n}") for n in range(1, 200)] + [("skip", "")]),  # 200 is cut
    ("a file of another format is one skip", b"%PDF-1.4 not records", [("skip", "")]),
    ("a corrupt gzip is one skip", b"\x1f\x8b\x08\x00garbage", [("skip", "")]),
    ("an empty file has no records", b"", []),
])
def test_file_events(case: str, content: bytes, expected: list[tuple[str, str]]) -> None:
    assert kinds(content) == expected, case


def test_events_carry_file_and_record_numbers_and_the_paper() -> None:
    events = list(file_events(7, "u.xml", pubmed_xml(article("1"), deletion("1")), **LIMITS))
    assert [(e[1], e[2]) for e in events] == [(7, 0), (7, 1)]
    paper = Paper.model_validate_json(events[0][4])
    assert paper.pmid == "1" and paper.source == "pubmed_xml"


def test_a_skip_says_where_and_why() -> None:
    (event,) = file_events(0, "x.bin", b"%PDF-1.4", **LIMITS)
    _, _, _, kind, _, _source, position, reason = event
    assert (kind, position) == ("skip", "file") and "x.bin" in reason and "not recognised" in reason


@pytest.mark.shared_data
def test_real_update_file_deletions_follow_its_papers(formats: Path) -> None:
    path = formats / "pubmed_xml" / "baseline_style" / "pmparser_updatefile_pubmed26n1335_sample.xml.gz"
    events = list(file_events(1, path.name, path.read_bytes(), **LIMITS))
    kinds_seen = [event[3] for event in events]
    assert kinds_seen.count("paper") == 30 and kinds_seen.count("delete") == 6
    assert kinds_seen.index("delete") > max(i for i, k in enumerate(kinds_seen) if k == "paper")


@pytest.mark.shared_data
def test_openalex_works_jsonl(formats: Path) -> None:
    folder = formats / "openalex_json"
    works = [json.loads((folder / name).read_text()) for name in (
        "works_doi_10.1073_pnas.1414271111.json", "works_doi_10.1007_s40278-023-41815-2.json")]
    lines = [json.dumps(work) for work in works] + ["{not json"]
    content = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    assert kinds(content, "part_000.gz") == [
        ("paper", "pmid:25349395"), ("paper", "doi:10.1007/s40278-023-41815-2"), ("skip", "")]


# --------------------------------------------------------------------------- apply in order


def event(key: str, file_no: int, record_no: int, kind: str) -> dict[str, object]:
    return {"key": key, "file_no": file_no, "record_no": record_no, "kind": kind, "paper": key}


@pytest.mark.parametrize(("case", "events", "kept"), [
    ("one paper", [event("a", 0, 0, "paper")], [("a", 0)]),
    ("a later version replaces", [event("a", 0, 0, "paper"), event("a", 1, 5, "paper")], [("a", 1)]),
    ("a delete removes", [event("a", 0, 0, "paper"), event("a", 1, 0, "delete")], []),
    ("a paper after its delete comes back",
     [event("a", 0, 0, "paper"), event("a", 0, 1, "delete"), event("a", 2, 0, "paper")], [("a", 2)]),
    ("a delete of an unknown id is harmless", [event("a", 0, 0, "delete"), event("b", 0, 1, "paper")],
     [("b", 0)]),
    ("keys are independent", [event("a", 0, 0, "paper"), event("b", 0, 1, "paper"),
                              event("b", 1, 0, "delete"), event("c", 1, 1, "paper")], [("a", 0), ("c", 1)]),
])
def test_latest_papers(case: str, events: list[dict[str, object]], kept: list[tuple[str, int]]) -> None:
    assert [(row["key"], row["file_no"]) for row in latest_papers(events)] == kept, case


# --------------------------------------------------------------------------- rows


def test_paper_columns_round_trip() -> None:
    paper = Paper.model_validate({
        "id": "pmid:1", "pmid": "1", "doi": "10.1/x", "title": "T", "abstract": "BACKGROUND: b.",
        "sections": [{"label": "BACKGROUND", "category": "BACKGROUND", "start": 0, "end": 14}],
        "authors": ["Doe J"], "year": 2001, "journal": "J", "publication_types": ["Review"],
        "mesh_terms": ["Humans"], "keywords": ["k"], "language": "eng", "retracted": True,
        "source": "f.xml",
    })
    assert paper_from_columns({"id": paper.id, **paper_columns(paper)}) == paper


def test_enrich_rows_analyses_and_embeds() -> None:
    paper = Paper(id="pmid:1", pmid="1", title="Aspirin for headache",
                  abstract="In this randomised controlled trial of 120 adults, aspirin reduced pain.")
    batch = enrich_rows([{"paper": paper.model_dump_json(), "bucket": 3}], HashEmbedder())
    assert batch.schema.equals(ROW_SCHEMA)
    (row,) = batch.to_pylist()
    assert (row["id"], row["bucket"], row["embedder"]) == ("pmid:1", 3, "hash-v1-d256")
    assert row["design"] == "rct" and row["sample_size"] == 120 and row["analysis_error"] is None
    assert json.loads(row["facts_json"])["paper_id"] == "pmid:1" and len(row["vector"]) == 256


# --------------------------------------------------------------------------- milvus helpers


@pytest.mark.parametrize(("filters", "expression"), [
    (Filters(), "retracted == false"),
    (Filters(include_retracted=True), ""),
    (Filters(year_min=2000, year_max=2010),
     "retracted == false and year >= 2000 and (year > 0 and year <= 2010)"),
    (Filters(designs=["rct", "cohort"]), 'retracted == false and design in ["rct", "cohort"]'),
    (Filters(designs=["made-up"]), "retracted == false and year < 0"),
    (Filters(min_sample_size=50), "retracted == false and sample_size >= 50"),
    (Filters(species="human"), 'retracted == false and species in ["human", "unknown"]'),
    (Filters(species="animal"), 'retracted == false and species == "animal"'),
])
def test_filter_expression(filters: Filters, expression: str) -> None:
    assert filter_expression(filters) == expression


@pytest.mark.parametrize(("fts_query", "text"), [
    ('"fractures" OR "older" OR "adults"', "fractur older adult"),
    ('"vitamin" OR "vitamin d"', "vitamin d"),  # a phrase's words, each once
    ('"say ""hi"""', "sai hi"),  # quotes inside a clause
    ('"COVID" OR "19"', "covid 19"),
    ("", ""),
])
def test_query_text_uses_the_library_stemmer(fts_query: str, text: str) -> None:
    assert query_text(TermAnalyser(), fts_query) == text


def test_backend_options_are_settings() -> None:
    from click.testing import CliRunner

    from evidentia.cli import State, cli

    seen: list[Settings] = []

    @cli.command(name="_probe")
    def probe() -> None:
        from click import get_current_context

        seen.append(get_current_context().ensure_object(State).settings())

    try:
        result = CliRunner().invoke(cli, ["--backend", "milvus", "--milvus-uri", "/tmp/m.db", "_probe"])
    finally:
        cli.commands.pop("_probe")
    assert result.exit_code == 0, result.output
    assert (seen[0].backend.name, seen[0].backend.milvus_uri) == ("milvus", "/tmp/m.db")
