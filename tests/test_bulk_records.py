"""What the bulk job's executors run, without Spark: parse events, apply order, rows, filters."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="bulk builds need pyarrow (pip install pyarrow)")

from evidentia.bulk.layout import ROW_SCHEMA, paper_columns, paper_from_columns
from evidentia.bulk.merge import apply_group, paper_labels
from evidentia.bulk.records import enrich_rows, file_events
from evidentia.config import Settings
from evidentia.index.embedders import HashEmbedder
from evidentia.index.milvus import TermAnalyser, filter_expression, query_text
from evidentia.models import Deletion, Filters, Paper, make_paper_id
from evidentia.store.library import Library

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
    _, _, _, kind, _, _source, position, reason, labels = event
    assert labels == []
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


def rec(pmid: str | None = None, doi: str | None = None, title: str = "A trial",
        abstract: str = "Patients improved.", **fields: object) -> Paper:
    return Paper(id=make_paper_id(pmid=pmid, doi=doi), pmid=pmid, doi=doi, title=title,
                 abstract=abstract, **fields)


def gone(pmid: str) -> Deletion:
    return Deletion(pmid=pmid)


# Each case: files of records in order -> the papers left (id, pmid, doi, title).
APPLY_CASES = [
    ("one paper", [[rec("1")]], [("pmid:1", "1", None, "A trial")]),
    ("a later version replaces", [[rec("1", title="Old")], [rec("1", title="New")]],
     [("pmid:1", "1", None, "New")]),
    ("a delete removes", [[rec("1")], [gone("1")]], []),
    ("a paper after its delete comes back", [[rec("1"), gone("1")], [rec("1", title="Back")]],
     [("pmid:1", "1", None, "Back")]),
    ("a delete of an unknown id is harmless", [[gone("9"), rec("2")]], [("pmid:2", "2", None, "A trial")]),
    ("a DOI-only record joins the PMID record with its DOI",
     [[rec("1", "10.1/a", title="PubMed")], [rec(None, "10.1/A", title="OpenAlex")]],
     [("pmid:1", "1", "10.1/A", "OpenAlex")]),
    ("a PMID record joins the DOI-only record before it (its id is kept, as add keeps it)",
     [[rec(None, "10.1/a", title="OpenAlex")], [rec("1", "10.1/a", title="PubMed")]],
     [("doi:10.1/a", "1", "10.1/a", "PubMed")]),
    ("in one file too", [[rec("1", "10.1/a"), rec(None, "10.1/a", title="Other")]],
     [("pmid:1", "1", "10.1/a", "Other")]),
    ("a deletion of the PMID removes the merged paper",
     [[rec(None, "10.1/a"), rec("1", "10.1/a")], [gone("1")]], []),
    ("two PMIDs with one DOI stay two papers", [[rec("1", "10.1/a"), rec("2", "10.1/a")]],
     [("pmid:1", "1", "10.1/a", "A trial"), ("pmid:2", "2", "10.1/a", "A trial")]),
    ("a field the update lacks is kept", [[rec("1", keywords=["k"])], [rec("1", title="T2")]],
     [("pmid:1", "1", None, "T2")]),
]


def fold(files: list[list[Paper | Deletion]], base: list[Paper] = ()) -> list[tuple[str, str, bool]]:
    events = [{"key": p.id, "file_no": -1, "kind": "base", "paper": p.model_dump_json()} for p in base]
    for file_no, items in enumerate(files):
        for item in items:
            if isinstance(item, Deletion):
                events.append({"key": f"pmid:{item.pmid}", "file_no": file_no, "kind": "delete", "paper": ""})
            else:
                events.append({"key": item.id, "file_no": file_no, "kind": "paper",
                               "paper": item.model_dump_json()})
    return apply_group(events)


def summary(papers: list[Paper]) -> list[tuple[str, str | None, str | None, str]]:
    return sorted((p.id, p.pmid, p.doi, p.title) for p in papers)


@pytest.mark.parametrize(("case", "files", "left"), APPLY_CASES, ids=[c[0] for c in APPLY_CASES])
def test_apply_group(case: str, files: list[list[Paper | Deletion]], left: list[tuple]) -> None:
    papers = [Paper.model_validate_json(text) for _, text, _ in fold(files)]
    assert summary(papers) == left, case


@pytest.mark.parametrize(("case", "files", "left"), APPLY_CASES, ids=[c[0] for c in APPLY_CASES])
def test_apply_group_gives_what_add_stores(case: str, files: list, left: list, tmp_path: Path) -> None:
    """The library's writer, one batch per file, keeps the same papers under the same ids."""
    with Library.open(tmp_path / "lib.sqlite", create=True) as library:
        for items in files:
            library.write_batch(items)
        stored = list(library.iter_papers())
    folded = [Paper.model_validate_json(text) for _, text, _ in fold(files)]
    assert [p.model_dump_json() for p in sorted(folded, key=lambda p: p.id)] == \
        [p.model_dump_json() for p in sorted(stored, key=lambda p: p.id)], case


def test_base_papers_are_the_state_updates_apply_to() -> None:
    baseline = [[rec("1", "10.1/a"), rec("2")], [rec("3")]]
    updates = [[rec(None, "10.1/a", title="New"), gone("3")], [rec("4")]]
    full = fold(baseline + updates)
    base = [Paper.model_validate_json(text) for _, text, _ in fold(baseline)]
    incremental = fold([[]] * len(baseline) + updates, base=base)
    assert [(pid, text) for pid, text, _ in incremental] == [(pid, text) for pid, text, _ in full]
    assert {pid: same for pid, _, same in incremental} == {"pmid:1": False, "pmid:2": True, "pmid:4": False}


def test_labels_are_id_pmid_and_normalised_doi() -> None:
    assert paper_labels("doi:10.1000/AB", None, "https://doi.org/10.1000/AB") == [
        "doi:10.1000/AB", "doi:10.1000/ab"]
    assert paper_labels("pmid:7", "7", None) == ["pmid:7"]


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
