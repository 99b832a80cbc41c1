"""Exports: BibTeX, RIS, CSL-JSON of a report's sources or selected papers; CSV of study facts.

Round trips go through evidentia's own ingest parsers, so an export can be added back to a library.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from evidentia import pipeline
from evidentia.cli import cli
from evidentia.config import Settings
from evidentia.ingest import read_path
from evidentia.models import Paper, Report
from evidentia.render import render
from evidentia.render.citations import (
    citation_keys,
    references_from_papers,
    to_bibtex,
    to_csl_json,
    to_ris,
)
from evidentia.render.csv import COLUMNS, facts_csv, safe_cell

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
OFFLINE = "sources.offline=true"  # answers come from the test library only: no network
QUESTION = "Does melatonin reduce jet lag?"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    path = tmp_path_factory.mktemp("exports") / "library.sqlite"
    settings = Settings.load(None, [f"library.path={path}", OFFLINE])
    pipeline.add([MINI], settings)
    return settings


@pytest.fixture(scope="module")
def report(library: Settings) -> Report:
    report = pipeline.ask(QUESTION, library)
    assert report.sources and report.studies
    return report


def _paper(**fields: object) -> Paper:
    base: dict[str, object] = {"id": "pmid:123", "pmid": "123", "title": "A title", "abstract": "An abstract.",
                               "authors": ["Smith J"], "year": 2001, "journal": "J Test"}
    base.update(fields)
    return Paper.model_validate(base)


def _read_back(text: str, suffix: str, tmp_path: Path) -> list[Paper]:
    path = tmp_path / f"export{suffix}"
    path.write_text(text, encoding="utf-8")
    items = list(read_path(path))
    assert all(isinstance(item, Paper) for item in items), items
    return items  # type: ignore[return-value]


# --------------------------------------------------------------------------- formats of a report


@pytest.mark.parametrize("fmt", ["bibtex", "ris", "csl-json", "csv"])
def test_export_formats_are_registered_with_render(report: Report, fmt: str) -> None:
    assert render(report, fmt).strip()


def test_bibtex_has_one_entry_per_source_with_unique_keys(report: Report) -> None:
    text = render(report, "bibtex")
    keys = [line.split("{", 1)[1].rstrip(",") for line in text.splitlines() if line.startswith("@")]
    assert len(keys) == len(report.sources)
    assert len(set(keys)) == len(keys)


def test_ris_has_one_record_per_source_in_source_order(report: Report) -> None:
    text = render(report, "ris")
    titles = [line[6:] for line in text.splitlines() if line.startswith("TI  - ")]
    assert titles == [" ".join(source.title.split()) for source in report.sources]
    assert text.count("ER  -") == len(report.sources)


def test_csl_json_items_carry_authors_dates_and_numbers(report: Report) -> None:
    items = json.loads(render(report, "csl-json"))
    assert [item["citation-number"] for item in items] == [s.number for s in report.sources]
    for item, source in zip(items, report.sources, strict=True):
        assert item["title"] == " ".join(source.title.split())
        if source.year:
            assert item["issued"] == {"date-parts": [[source.year]]}
        assert len(item.get("author", [])) == len(source.authors)


def test_csv_has_one_row_per_study_and_one_column_per_fact(report: Report) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert tuple(rows[0].keys()) == COLUMNS
    assert sorted(row["paper_id"] for row in rows) == sorted(s.paper_id for s in report.studies)
    by_id = {row["paper_id"]: row for row in rows}
    for study in report.studies:
        row = by_id[study.paper_id]
        assert row["design"] == study.facts.design
        assert row["stance"] == study.stance.stance
        expected_n = str(study.facts.sample_size.n) if study.facts.sample_size else ""
        assert row["sample_size"] == expected_n


# --------------------------------------------------------------------------- hostile fields

TRICKY_TITLES = [
    "Plain title",
    "Effects of 50% & more_data #1 on $n$ ~ ^",
    "Balanced {braces} kept",
    "Unbalanced } brace and { another {",
    "Backslash \\ and \\end{document}",
    "Line\nbreak TY  - JOUR\nER  -",
    "Unicode: Müller’s β-blocker — 95 % CI",
]


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_bibtex_entry_survives_any_title(title: str, tmp_path: Path) -> None:
    paper = _paper(title=title, doi="10.1000/ab_c")
    text = to_bibtex(references_from_papers([paper]))
    assert text.count("@article{") == 1
    depth = 0
    for ch in text.replace("\\{", "").replace("\\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    [back] = _read_back(text, ".bib", tmp_path)
    assert back.doi == "10.1000/ab_c" and back.year == 2001 and back.pmid == "123"


@pytest.mark.parametrize("title", TRICKY_TITLES)
def test_ris_record_survives_any_title(title: str, tmp_path: Path) -> None:
    paper = _paper(title=title, abstract="First line.\nTY  - BOOK\nSecond line.")
    text = to_ris(references_from_papers([paper]))
    [back] = _read_back(text, ".ris", tmp_path)
    assert back.title == " ".join(title.split())
    assert back.abstract == "First line. TY - BOOK Second line."
    assert back.authors == ["Smith J"] and back.journal == "J Test"


def test_bibtex_round_trips_authors_including_corporate_names(tmp_path: Path) -> None:
    paper = _paper(authors=["Smith J", "Brown KL", "World Health Organization", "Research and Development Group"])
    [back] = _read_back(to_bibtex(references_from_papers([paper])), ".bib", tmp_path)
    assert back.authors == paper.authors


def test_citation_keys_are_ascii_and_unique() -> None:
    papers = [_paper(id=f"pmid:{i}", pmid=str(i), authors=["Ñúñez A"], title="Über effects") for i in range(1, 4)]
    keys = citation_keys(references_from_papers(papers))
    assert keys == ["nunez2001uber", "nunez2001ubera", "nunez2001uberb"]


def test_csl_json_names_split_into_family_and_given() -> None:
    papers = [_paper(authors=["Smith JA", "Müller, Hans", "World Health Organization"])]
    [item] = json.loads(to_csl_json(references_from_papers(papers)))
    assert item["author"] == [
        {"family": "Smith", "given": "J. A."}, {"family": "Müller", "given": "Hans"},
        {"literal": "World Health Organization"},
    ]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-x", "'-x"),
        ("-0.48", "-0.48"),
        ("+1.5e3", "+1.5e3"),
        (42, "42"),
        (True, "yes"),
        (None, ""),
        ("two\nlines", "two lines"),
    ],
)
def test_csv_cells_are_safe_for_spreadsheets(value: object, cell: str) -> None:
    assert safe_cell(value) == cell


def test_csv_of_selected_papers_reads_back_with_quotes_and_commas(library: Settings) -> None:
    with pipeline.open_library(library, create=False) as lib:
        papers = list(lib.get_many(["pmid:1000001", "pmid:1000002"]).values())
    from evidentia.analyse import analyse

    tricky = papers[0].model_copy(update={"title": 'Quotes "here", commas, and\nnewlines'})
    text = facts_csv([(tricky, analyse(tricky)), (papers[1], analyse(papers[1]))])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["paper_id"] for row in rows] == ["pmid:1000001", "pmid:1000002"]
    assert rows[0]["title"] == 'Quotes "here", commas, and newlines'
    assert rows[0]["design"] == "rct" and rows[0]["sample_size"]


# --------------------------------------------------------------------------- CLI


@pytest.mark.parametrize(("fmt", "marker"), [
    ("bibtex", "@article{"), ("ris", "TY  - JOUR"), ("csl-json", '"citation-number"'),
    ("csv", "paper_id"), ("md", QUESTION), ("json", '"question"'), ("html", "<html"),
])
def test_cli_ask_writes_every_export_format(library: Settings, fmt: str, marker: str) -> None:
    result = CliRunner().invoke(
        cli, ["ask", QUESTION, "--library", str(library.library.path), "--set", OFFLINE, "--format", fmt]
    )
    assert result.exit_code == 0, result.output
    assert marker in result.output
