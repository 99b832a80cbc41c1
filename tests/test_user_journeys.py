"""A demanding first-time user, end to end through the CLI: every journey in one table or test.

Each case reads like the user's story: what they typed, the exit code, and what they must see.
Errors are one line on stderr (``evidentia: error: what, where, what to do``), never a
traceback without ``--debug``, and a refused run writes nothing to the library.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import sqlite3
import sys
from pathlib import Path

import pytest
from test_cli import run  # the CLI in-process: (exit code, stdout, stderr)

from evidentia.cli import main

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
DOCS = Path(__file__).resolve().parents[1] / "docs"
QUESTION = "Does melatonin reduce jet lag?"

GOOD_JSONL = b'{"pmid": "1", "title": "Aspirin for headache", "abstract": "Aspirin eased pain."}\n'
MIXED_JSONL = b"\n".join([
    b'{"pmid": "11", "title": "Good one", "abstract": "ok"}',
    b"not json",
    b'{"title": "Bad year", "year": "19x7"}',
    b"[1, 2]",
    b'{"title": "Good two"}',
    b'{"pmid": "abc", "title": "t"}',
]) + b"\n"
PUBMED_ARTICLE = (b"<PubmedArticle><MedlineCitation><PMID>%d</PMID><Article><ArticleTitle>Title %d"
                  b"</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n")
TRUNCATED_XML = (b"<PubmedArticleSet>\n" + PUBMED_ARTICLE % (21, 21) + PUBMED_ARTICLE % (22, 22)
                 + b"<PubmedArticle><MedlineCitation><PMID>23</PMID><Arti")
MIXED_BIB = b"@article{a, title={Good}, year=2001}\n@article{b, title={Bad, year=2002\n@article{c, title=\"ok c\"}\n"
MIXED_RIS = b"TY  - JOUR\nTI  - good ris\nER  - \nTY  - JOUR\nER  - \n"
DISTINCT_JSONL = b"".join(  # lines that do not compress away, so a cut gzip loses some
    b'{"pmid": "%d", "title": "Paper %d", "abstract": "%s"}\n'
    % (n, n, hashlib.sha256(b"%d" % n).hexdigest().encode()) for n in range(1, 2001))
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4
UNPAYWALL = (b'{"doi":"10.1000/xyz","doi_url":"https://doi.org/10.1000/xyz","title":"A title","genre":'
             b'"journal-article","is_oa":false,' + b'"x":"' + b"y" * 500 + b'","best_oa_location":null}\n')


def one_error_line(err: str) -> str:
    """The single stderr line of a failed command (asserts there is exactly one)."""
    lines = [line for line in err.splitlines() if line.strip() and not line.startswith("note:")]
    assert len(lines) == 1, err
    assert lines[0].startswith("evidentia: error: "), err
    assert "Traceback" not in err
    return lines[0]


def paper_count(library: Path) -> int:
    if not library.exists():
        return 0
    with sqlite3.connect(library) as db:
        return int(db.execute("SELECT count(*) FROM papers").fetchone()[0])


@pytest.fixture(scope="module")
def mini_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("journeys") / "mini.sqlite"
    try:
        main(["add", str(MINI), "--library", str(path), "--no-progress"])
    except SystemExit as exc:
        assert not exc.code
    return path


@pytest.fixture()
def library(mini_library: Path, tmp_path: Path) -> Path:
    """A private copy of the mini library (so a test that writes cannot disturb another)."""
    copy = tmp_path / "lib.sqlite"
    copy.write_bytes(mini_library.read_bytes())
    return copy


# --------------------------------------------------------------------------- add


ADD_SKIPS = [  # (story, file name, content, added, [(position, reason words) for each skip])
    ("mixed JSON Lines", "mixed.jsonl", MIXED_JSONL, 2,
     [("line 2", "invalid JSON"), ("line 3", "field 'year'"), ("line 4", "not a JSON object"),
      ("line 6", "field 'pmid'")]),
    ("gzipped JSON Lines", "mixed.jsonl.gz", gzip.compress(MIXED_JSONL), 2,
     [("line 2", "invalid JSON"), ("line 3", "year"), ("line 4", "object"), ("line 6", "pmid")]),
    ("truncated PubMed XML keeps what came before", "cut.xml", TRUNCATED_XML, 2,
     [("record 3", "not well-formed XML")]),
    ("truncated gzip keeps what came before", "cut.jsonl.gz", gzip.compress(DISTINCT_JSONL)[:6000],
     None, [("line", "invalid JSON"), ("byte", "corrupt or truncated")]),  # the cut line, then the cut
    ("BibTeX entry that never closes", "mixed.bib", MIXED_BIB, 2,
     [("entry 2 (line 2)", "does not close")]),
    ("RIS record without title or abstract", "mixed.ris", MIXED_RIS, 1,
     [("record 2 (line 4)", "no title and no abstract")]),
    ("a line past the record limit", "huge.jsonl",
     json.dumps({"title": "x", "abstract": "y " * 1_100_000}).encode() + b"\n" + GOOD_JSONL, 1,
     [("line 1", "line longer than")]),
    ("an empty file has no records", "empty.txt", b"", 0, []),
]


@pytest.mark.parametrize("story, name, content, added, skips", ADD_SKIPS, ids=[c[0] for c in ADD_SKIPS])
def test_add_names_file_position_and_reason_of_every_skip(
    story: str, name: str, content: bytes, added: int | None, skips: list[tuple[str, str]],
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    library = tmp_path / "lib.sqlite"
    code, out, err = run(capsys, "add", str(path), "--library", str(library), "--no-progress")
    assert code == 0, err
    if added is None:  # as many as came before the damage: some, not all
        added = int(out.split(",")[0].removeprefix("added "))
        assert 0 < added < 2000, out
    assert out.startswith(f"added {added}, ") and f"skipped {len(skips)}" in out, out
    skip_lines = [line for line in out.splitlines() if line.startswith("  skipped ")]
    assert len(skip_lines) == len(skips), out
    for line, (position, reason) in zip(skip_lines, skips, strict=True):
        assert line.startswith(f"  skipped {path}: {position}"), line
        assert reason in line, line
    assert paper_count(library) == added


def test_every_skip_can_be_listed_when_there_are_too_many_to_print(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(GOOD_JSONL + b"{not json\n" * 80)
    listing = tmp_path / "skipped.jsonl"
    code, out, err = run(capsys, "add", str(path), "--skipped-list", str(listing),
                         "--library", str(tmp_path / "l.sqlite"), "--no-progress")
    assert code == 0, err
    assert "... and 30 more skipped records" in out and str(listing) in out
    rows = [json.loads(line) for line in listing.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 80
    assert rows[79] == {"source": str(path), "position": "line 81", "reason": rows[79]["reason"]}
    assert "invalid JSON" in rows[79]["reason"]


def test_add_reads_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbf" + GOOD_JSONL)))
    code, out, err = run(capsys, "add", "-", "--library", str(tmp_path / "l.sqlite"), "--no-progress")
    assert code == 0, err
    assert out.startswith("added 1, ")


REFUSED_PATHS = [  # (story, name, content or None for "do not create", "folder", words in the error)
    ("a missing file", "missing.xml", None, "file not found"),
    ("a folder", "folder", "folder", "is a folder"),
    ("a binary file", "program.bin", ELF, "binary"),
    ("a PDF", "paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    ("a zip archive", "export.zip", b"PK\x03\x04\x14\x00\x00\x00" + bytes(64), "ZIP"),
    ("a gzip damaged from its first byte", "bad.jsonl.gz", b"\x1f\x8b\x08\x00garbage", "corrupt"),
    ("an xz file", "records.xml.xz", b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4F", "xz-compressed"),
    ("a library passed as input", "library.sqlite", b"SQLite format 3\x00" + bytes(100), "--library"),
    ("a saved error page", "page.html", b"<!DOCTYPE html><html><body>404</body></html>", "HTML page"),
    ("an Unpaywall record", "unpaywall.json", UNPAYWALL, "Unpaywall"),
]


@pytest.mark.parametrize("story, name, content, words", REFUSED_PATHS, ids=[c[0] for c in REFUSED_PATHS])
def test_a_bad_path_refuses_the_whole_run_before_anything_is_written(
    story: str, name: str, content: bytes | str | None, words: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good, bad, later = tmp_path / "good.jsonl", tmp_path / name, tmp_path / "later.jsonl"
    good.write_bytes(GOOD_JSONL)
    later.write_bytes(MIXED_JSONL)
    if content == "folder":
        bad.mkdir()
    elif content is not None:
        bad.write_bytes(content)
    library = tmp_path / "lib.sqlite"
    code, out, err = run(capsys, "add", str(good), str(bad), str(later), "--library", str(library),
                         "--no-progress")
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert str(bad) in line and words in line, line
    assert "\\x" not in line, "no escaped binary garbage in a message"
    assert paper_count(library) == 0, "a refused run writes nothing"


def test_debug_adds_the_traceback_and_keeps_the_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    args = ("add", str(tmp_path / "missing.xml"), "--library", str(tmp_path / "l.sqlite"))
    code, _, err = run(capsys, *args)
    assert code == 2 and "Traceback" not in err
    code, _, err = run(capsys, *args, "--debug")
    assert code == 2 and "Traceback" in err
    assert err.rstrip().splitlines()[-1].startswith("evidentia: error: ")


@pytest.mark.shared_data
def test_every_real_sample_is_added_or_refused_in_one_line(
    formats: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    library = tmp_path / "lib.sqlite"
    samples = [p for p in sorted(formats.rglob("*")) if p.is_file()
               and "licenses" not in p.parts and p.name != "README.md"]
    assert len(samples) > 150
    outcomes = {"added": 0, "refused": 0}
    for path in samples:
        code, out, err = run(capsys, "add", str(path), "--library", str(library), "--no-progress")
        if code == 0:
            outcomes["added"] += 1
            assert out.startswith("added "), (path, out)
            for line in out.splitlines()[1:]:
                assert line.startswith((f"  skipped {path}: ", "  ... and ")), (path, line)
        else:
            outcomes["refused"] += 1
            assert code == 2, (path, err)
            assert str(path) in one_error_line(err)
    assert outcomes["added"] > 60 and outcomes["refused"] > 60, outcomes


# --------------------------------------------------------------------------- ask


QUESTIONS = [  # (story, question, exit code, words in stderr)
    ("empty", "", 2, "nothing to search for"),
    ("only stopwords", "the of and is a", 2, "nothing to search for"),
    ("5,000 characters", "melatonin " * 500, 2, "the limit is 2,000"),
    ("FTS syntax is text, not a query language", '"a" NOT b* NEAR(c)', 0, ""),
    ("an unclosed parenthesis", "melatonin AND (jet lag OR", 0, ""),
    ("unicode and emoji", "💊 Does melatonin help 时差 jet lag?", 0, ""),
    ("a statement, not a question", "Melatonin reduces jet lag.", 0, ""),
    ("not English", "¿La melatonina reduce el jet lag?", 0, ""),
]


@pytest.mark.parametrize("story, question, code, words", QUESTIONS, ids=[c[0] for c in QUESTIONS])
def test_odd_questions(story: str, question: str, code: int, words: str, library: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    got, out, err = run(capsys, "ask", question, "--library", str(library))
    assert got == code, err
    if code:
        assert words in one_error_line(err)
    else:
        assert out.startswith("# "), out[:200]
        assert "Traceback" not in err


def test_an_unreachable_source_is_said_on_stderr_even_when_the_report_goes_to_a_file(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidentia import pipeline
    from evidentia.models import Claim, Report

    notice = "offline: no live source could be reached (no network); answered from the local library"
    monkeypatch.setattr(pipeline, "ask", lambda question, *_a, **_k: Report(
        question=question, answer=Claim(text="Too little evidence.", kind="answer"), notices=[notice]))
    code, _, err = run(capsys, "ask", QUESTION, "--out", str(tmp_path / "r.md"), "--library", str(library))
    assert code == 0 and f"note: {notice}" in err


def _check_csv(text: str) -> None:
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["number", "paper_id"] and len(rows) > 1


OUT_FORMATS = [  # (format, a check that the file is what it says)
    ("md", lambda text: text.startswith("# Does melatonin")),
    ("json", lambda text: json.loads(text)["question"] == QUESTION),
    ("html", lambda text: text.lstrip().lower().startswith("<!doctype html")),
    ("bibtex", lambda text: text.lstrip().startswith("@")),
    ("ris", lambda text: text.startswith("TY  - ")),
    ("csl-json", lambda text: isinstance(json.loads(text), list) and json.loads(text)[0]["id"]),
    ("csv", lambda text: _check_csv(text) is None),
]


@pytest.mark.parametrize("fmt, looks_right", OUT_FORMATS, ids=[c[0] for c in OUT_FORMATS])
def test_every_format_writes_a_file(fmt: str, looks_right, library: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                    capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / f"report.{fmt}"
    code, out, err = run(capsys, "ask", QUESTION, "--format", fmt, "--out", str(out_file),
                         "--library", str(library))
    assert code == 0, err
    assert out == "" and f"wrote {out_file}" in err
    assert looks_right(out_file.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_out_to_a_missing_folder_fails_before_the_work(library: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    from evidentia import pipeline

    def must_not_run(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("ask ran although the report could not be written")

    monkeypatch.setattr(pipeline, "ask", must_not_run)
    target = tmp_path / "no" / "such" / "report.md"
    code, _, err = run(capsys, "ask", QUESTION, "--out", str(target), "--library", str(library))
    line = one_error_line(err)
    assert code == 2
    assert str(target) in line and "does not exist" in line and "create it" in line


def test_out_that_cannot_be_written_is_one_line_and_leaves_no_part_file(
    library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Tests run as root here, so chmod cannot make a folder read-only: the write fails instead.
    def refuse(self: Path, *_args: object, **_kwargs: object) -> int:
        self.touch()
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "write_text", refuse)
    target = tmp_path / "report.md"
    code, _, err = run(capsys, "ask", QUESTION, "--out", str(target), "--library", str(library))
    line = one_error_line(err)
    assert code == 2 and str(target) in line and "permission denied" in line.lower()
    assert list(tmp_path.glob("*.part")) == []


def test_out_to_a_folder_is_one_line(library: Path, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "ask", QUESTION, "--out", str(tmp_path), "--library", str(library))
    assert code == 2 and "is a directory" in one_error_line(err)


@pytest.mark.parametrize("style", ["pro", "explainer"])
def test_styles_and_check(style: str, library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", QUESTION, "--style", style, "--library", str(library))
    assert code == 0 and out.startswith("# "), err
    code, out, err = run(capsys, "ask", QUESTION, "--style", style, "--check", "--library", str(library))
    assert code == 0, err
    assert re.search(r"^\s+1\. (PASS|FAIL|FIXED|DROPPED)", out, re.MULTILINE), out[:300]
    code, out, err = run(capsys, "ask", QUESTION, "--style", style, "--check", "--format", "json",
                         "--library", str(library))
    assert code == 0 and json.loads(out)[0]["part"] == "answer"


@pytest.mark.parametrize("fmt", ["html", "bibtex", "ris", "csl-json", "csv"])
def test_check_refuses_a_format_it_cannot_write(fmt: str, library: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", QUESTION, "--check", "--format", fmt, "--library", str(library))
    assert code == 2 and out == ""
    assert "--check" in one_error_line(err) and fmt in err


BAD_ARGUMENTS = [  # (story, extra arguments, words in the one error line)
    ("year past the range", ("--year-min", "3000"), "--year-min"),
    ("negative sample size", ("--min-n", "-1"), "--min-n"),
    ("unknown design", ("--design", "nonsense"), "--design"),
    ("years the wrong way round", ("--year-min", "2010", "--year-max", "2000"), "--year-min is after"),
    ("k of zero", ("--k", "0"), "--k"),
    ("unknown option", ("--frobnicate",), "--frobnicate"),
    ("unknown setting", ("--set", "foo.bar=1"), "unknown setting foo"),
    ("setting of the wrong type", ("--set", "retrieve.k=abc"), "retrieve.k"),
    ("setting without a value shape", ("--set", "retrieve"), "stage.field=value"),
]


@pytest.mark.parametrize("story, extra, words", BAD_ARGUMENTS, ids=[c[0] for c in BAD_ARGUMENTS])
def test_bad_arguments_are_one_line_with_a_way_out(story: str, extra: tuple[str, ...], words: str,
                                                  library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", QUESTION, *extra, "--library", str(library))
    line = one_error_line(err)
    assert code == 2 and out == ""
    assert words in line
    assert "--help" in line or "docs/settings.md" in line, "the line says where to look next"


@pytest.mark.parametrize("command", [(), ("bulk",)])
def test_a_bare_command_shows_its_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = run(capsys, *command)
    assert "Usage: evidentia" in out + err and "Commands:" in out + err
    assert "evidentia: error" not in err


def test_filters_that_match_nothing_still_answer(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", QUESTION, "--year-min", "2090", "--library", str(library))
    assert code == 0, err
    assert "Filters: published in 2090 or later" in out


BAD_PRESETS = [  # (story, file name, content, words in the one error line)
    ("broken TOML", "broken.toml", "[retrieve\nk = 5\n", "broken.toml is not valid"),
    ("broken JSON", "broken.json", '{"retrieve": {"k": 3}', "broken.json is not valid"),
    ("a value of the wrong type", "typed.toml", '[retrieve]\nk = "five"\n', "typed.toml"),
    ("an unknown section", "unknown.toml", "[nope]\nx = 1\n", "unknown setting nope"),
    ("not UTF-8", "latin.toml", b"\xff\xfe[retrieve]", "latin.toml is not valid"),
    ("missing", "missing.toml", None, "cannot read settings file"),
]


@pytest.mark.parametrize("story, name, content, words", BAD_PRESETS, ids=[c[0] for c in BAD_PRESETS])
def test_broken_settings_files(story: str, name: str, content: str | bytes | None, words: str,
                               library: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif content is not None:
        path.write_bytes(content)
    code, _, err = run(capsys, "ask", QUESTION, "--settings", str(path), "--library", str(library))
    assert code == 2
    assert words in one_error_line(err)


# --------------------------------------------------------------------------- search, info, index, eval


def test_search_json(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "search", "melatonin jet lag", "--json", "--k", "2", "--library", str(library))
    assert code == 0, err
    hits = json.loads(out)
    assert [hit["rank"] for hit in hits] == [1, 2]
    assert set(hits[0]) == {"rank", "id", "score", "title", "year", "pmid", "doi"}


BAD_BATCHES = [  # (story, lines, words in the one error line)
    ("not JSON", ['{"id": "q1", "query": "melatonin"}', "garbage"], "line 2: not JSON"),
    ("no query", ['{"id": "q1", "query": "melatonin"}', "", '{"id": "q3"}'], "line 3"),
    ("not an object", ['{"id": "q1", "query": "melatonin"}', '["x"]'], "line 2"),
    ("a query that is not text", ['{"id": "q1", "query": 5}'], "line 1"),
]


@pytest.mark.parametrize("story, lines, words", BAD_BATCHES, ids=[c[0] for c in BAD_BATCHES])
def test_a_malformed_batch_is_refused_before_any_search(story: str, lines: list[str], words: str,
                                                       library: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    batch = tmp_path / "queries.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run(capsys, "search", "--batch", str(batch), "--library", str(library))
    assert code == 2
    assert out == "", "no partial run file"
    line = one_error_line(err)
    assert f"{batch}: {words}" in line, line


def test_info_json_and_index_on_an_empty_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    library = tmp_path / "empty.sqlite"
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert run(capsys, "add", str(empty), "--library", str(library), "--no-progress")[0] == 0
    code, out, err = run(capsys, "info", "--json", "--library", str(library))
    assert code == 0, err
    assert json.loads(out)["papers"] == 0
    code, out, err = run(capsys, "index", "--no-progress", "--library", str(library),
                         "--set", "index.embedder=hash")
    assert code == 0, err
    assert "embedded 0" in out


def test_commands_on_a_library_that_does_not_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (("info",), ("index", "--no-progress"), ("search", "melatonin")):
        code, _, err = run(capsys, *command, "--library", str(tmp_path / "none.sqlite"))
        assert code == 3 and "evidentia add" in one_error_line(err)
    assert not (tmp_path / "none.sqlite").exists()


def test_eval_with_a_missing_data_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "eval", "pubmedqa", "--data", str(tmp_path / "nowhere"))
    assert code == 2
    assert "--data" in one_error_line(err)
    code, _, err = run(capsys, "eval", "no-such-task")
    assert code == 2 and "pubmedqa" in one_error_line(err)


# --------------------------------------------------------------------------- docs against the code


DOC_TABLES = {  # heading in docs/report-schema.md -> model name in Report.model_json_schema()
    "Top level": "Report", "claim": "Claim", "evidence": "Evidence", "meter": "Meter",
    "grade": "Grade", "section": "Section", "source": "Source", "study": "Study",
    "query": "QueryAnalysis", "filters": "Filters", "stance": "StanceJudgement",
    "facts": "StudyFacts", "span": "Span", "fact": "Fact", "sample size": "SampleSize",
    "dose": "Dose", "finding": "Finding", "sentence": "Sentence",
}


def documented_fields(markdown: str) -> dict[str, set[str]]:
    """heading -> the field names in the first column of its table (``a``, ``b`` split)."""
    fields: dict[str, set[str]] = {}
    heading = None
    for line in markdown.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
        elif heading and line.startswith("| `"):
            first_cell = line.split("|")[1]
            fields.setdefault(heading, set()).update(re.findall(r"`([a-z_]+)`", first_cell))
    return fields


def test_report_schema_doc_lists_every_field_and_no_other() -> None:
    from evidentia.models import Report

    schema = Report.model_json_schema()
    models = {"Report": schema, **schema["$defs"]}
    documented = documented_fields((DOCS / "report-schema.md").read_text(encoding="utf-8"))
    for heading, model in DOC_TABLES.items():
        assert heading in documented, f"docs/report-schema.md has no '## {heading}' table"
        actual = set(models[model]["properties"])
        assert documented[heading] == actual, (
            f"{heading}: undocumented {sorted(actual - documented[heading])}, "
            f"documented but absent {sorted(documented[heading] - actual)}")
    reachable = set(schema["$defs"]) - {"AbstractSection"}
    assert reachable <= set(DOC_TABLES.values()), f"models with no table: {reachable - set(DOC_TABLES.values())}"


def test_formats_doc_names_every_parser_and_only_those() -> None:
    from evidentia.ingest.reader import PARSERS

    doc = (DOCS / "formats.md").read_text(encoding="utf-8")
    first_table = doc.split("| --- | --- | --- |", 1)[1].split("\n\n", 1)[0]
    names = set(re.findall(r"^\| [^|]+ \| `([a-z_]+)` \|", first_table, re.MULTILINE))
    assert names == set(PARSERS)


def test_formats_doc_refusals_hold(tmp_path: Path) -> None:
    """Every kind of content formats.md says is refused is refused, naming the file."""
    from evidentia.errors import InputError
    from evidentia.ingest import read_path

    refused = {
        "page.html": b"<!doctype html><html>", "search.xml": b"<eSearchResult><Count>1</Count>",
        "crossref.json": b'{"status":"ok","message-type":"work","message":{}}',
        "s2.json": b'{"paperId": "abc", "title": "x"}', "unpaywall.json": UNPAYWALL,
        "error.json": b'{"error":"Not found"}', "pretty.json": b'{\n  "title": "x"\n}\n',
        "text.txt": b"Resource not found.",
    }
    for name, content in refused.items():
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(InputError, match=re.escape(str(path))):
            list(read_path(path))
