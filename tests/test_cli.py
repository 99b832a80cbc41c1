"""The CLI end to end on real SQLite files: add, search, ask, info, errors and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidentia.cli import main
from evidentia.config import settings_markdown
from evidentia.store.library import Library

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "lib.sqlite"
    code, out, err = run(capsys, "add", str(MINI), "--library", str(path), "--no-progress")
    assert code == 0, err
    return path


def test_add_prints_a_summary_and_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "lib.sqlite"
    code, out, _ = run(capsys, "add", str(MINI), "--library", str(path), "--no-progress")
    assert code == 0
    assert out.startswith("added 9, updated 0, unchanged 0, deleted 0, skipped 0")
    code, out, _ = run(capsys, "--library", str(path), "add", str(MINI), "--no-progress")
    assert out.startswith("added 0, updated 0, unchanged 9, deleted 0, skipped 0")


def test_add_reports_malformed_records_with_their_line_and_keeps_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    lines = MINI.read_text(encoding="utf-8").splitlines()
    bad.write_text("\n".join([lines[0], "{not json", lines[1], '{"year": 2001}']) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "add", str(bad), "--library", str(tmp_path / "l.sqlite"), "--no-progress")
    assert code == 0
    assert "added 2" in out and "skipped 2" in out
    assert "line 2" in out and "line 4" in out


def test_ask_markdown_cites_only_papers_in_the_library(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", "Does melatonin reduce jet lag?", "--library", str(library))
    assert code == 0, err
    assert "melatonin" in out.lower()
    assert "[1]" in out


def test_ask_json_has_the_report_contract(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", "Does melatonin reduce jet lag?", "--format", "json",
                         "--library", str(library))
    assert code == 0, err
    report = json.loads(out)
    for key in ("question", "answer", "meter", "sections", "sources"):
        assert key in report
    source_ids = {source["id"] for source in report["sources"]}
    with Library.open(library, create=False) as lib:
        for section in report["sections"]:
            assert section["heading"]
            for sentence in section["sentences"]:
                assert sentence["text"]
                for paper_id in sentence["citations"]:
                    assert paper_id in source_ids
                    assert lib.get(paper_id) is not None
        for source in report["sources"]:
            assert {"id", "pmid", "doi", "title", "year"} <= source.keys()
    # The retracted record matches the question but is never cited.
    assert "pmid:1000007" not in source_ids


def test_ask_is_deterministic(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ("ask", "Does melatonin reduce jet lag?", "--format", "json", "--library", str(library))
    first = run(capsys, *args)[1]
    second = run(capsys, *args)[1]
    assert first == second


def test_ask_html_to_file(library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "report.html"
    code, _, err = run(capsys, "ask", "Does melatonin reduce jet lag?", "--format", "html",
                       "--out", str(out_file), "--library", str(library))
    assert code == 0, err
    html = out_file.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "<script" not in html.lower()


def test_filters_apply(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "search", "melatonin jet lag", "--json", "--year-min", "2000",
                       "--library", str(library))
    assert code == 0
    years = [hit["year"] for hit in json.loads(out)]
    assert years and all(year >= 2000 for year in years)
    code, out, _ = run(capsys, "search", "melatonin", "--json", "--species", "animal",
                       "--library", str(library))
    assert [hit["id"] for hit in json.loads(out)] == ["pmid:1000003"]
    code, out, _ = run(capsys, "search", "melatonin", "--json", "--min-n", "100",
                       "--library", str(library))
    ids = {hit["id"] for hit in json.loads(out)}
    assert "pmid:1000006" in ids and "pmid:1000002" not in ids


def test_search_batch_round_trip(library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"id": "q1", "query": "exercise blood pressure"}\n'
                       '{"id": "q2", "query": "statin muscle pain"}\n', encoding="utf-8")
    code, out, err = run(capsys, "search", "--batch", str(queries), "--k", "3", "--library", str(library))
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == ["q1", "q2"]
    assert rows[0]["hits"][0] == "pmid:1000004"
    assert rows[1]["hits"][0] == "pmid:1000009"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("ask", "Does melatonin reduce jet lag?", "--library", "{tmp}/missing.sqlite"), 3, "no library"),
        (("ask", "what is the?", "--library", "{lib}"), 2, "nothing to search for"),
        (("search", "x", "--set", "retrieve.k=many", "--library", "{lib}"), 2, "retrieve.k"),
        (("search", "x", "--set", "nosuch.field=1", "--library", "{lib}"), 2, "unknown setting"),
        (("search", "x", "--set", "oops", "--library", "{lib}"), 2, "stage.field=value"),
        (("add", "{tmp}/nope.xml", "--library", "{lib}", "--no-progress"), 2, "nope.xml"),
        (("search", "--batch", "{tmp}/bad.jsonl", "--library", "{lib}"), 2, "line 2"),
        (("ask", "x" * 5000, "--library", "{lib}"), 2, "the limit is 2,000"),
    ],
)
def test_errors_are_one_clear_line(
    args: tuple[str, ...], code: int, message: str, library: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "bad.jsonl").write_text('{"id": 1, "query": "ok"}\nnot json\n', encoding="utf-8")
    filled = [a.replace("{tmp}", str(tmp_path)).replace("{lib}", str(library)) for a in args]
    got, out, err = run(capsys, *filled)
    assert got == code, err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_info_reports_counts(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "info", "--json", "--library", str(library))
    assert code == 0
    stats = json.loads(out)
    assert stats["papers"] == 9
    assert stats["path"] == str(library)


def test_settings_doc_is_generated_from_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (Path(__file__).parents[1] / "docs" / "settings.md").read_text(encoding="utf-8")
    assert doc == settings_markdown(), "run: python -m evidentia.config > docs/settings.md"
    code, out, _ = run(capsys, "info", "--settings-list")
    assert code == 0
    for line in out.splitlines():
        name = line.split(" = ")[0]
        assert f"`{name}`" in doc, f"docs/settings.md does not describe {name}"


def test_cli_doc_is_generated_from_the_code() -> None:
    import subprocess
    import sys

    repo = Path(__file__).parents[1]
    generated = subprocess.run([sys.executable, str(repo / "scripts" / "gen_cli_doc.py")],
                               capture_output=True, text=True, check=True).stdout
    doc = (repo / "docs" / "cli.md").read_text(encoding="utf-8")
    assert doc == generated, "run: python scripts/gen_cli_doc.py > docs/cli.md"


def test_index_makes_search_hybrid(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    hash_embedder = ("--set", "index.embedder=hash")
    code, _, err = run(capsys, "search", "melatonin", "--library", str(library), *hash_embedder)
    assert code == 0 and "no embedding index" in err
    code, out, err = run(capsys, "index", "--no-progress", "--library", str(library), *hash_embedder)
    assert code == 0, err
    assert "embedded 9" in out
    code, out, err = run(capsys, "search", "melatonin", "--library", str(library), *hash_embedder)
    assert code == 0 and "no embedding index" not in err
    code, out, _ = run(capsys, "index", "--no-progress", "--library", str(library), *hash_embedder)
    assert "embedded 0" in out  # resumable and incremental: nothing new to embed
