"""``evidentia bulk build`` on Spark (local[2], one session for the module), then ``bulk load``
into milvus-lite and ``ask --backend milvus``: the whole path, on the PubMed baseline sample.

Skipped, saying why, without pyspark, Java or milvus-lite. About 30-60 s on 2 cores.
``EVIDENTIA_TEST_MILVUS_URI=http://host:19530`` loads into a real Milvus instead of milvus-lite.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("pyarrow", reason="bulk builds need pyarrow (pip install pyarrow)")
pytest.importorskip("pyspark", reason="bulk builds need pyspark (pip install pyspark)")
if shutil.which("java") is None:
    pytest.skip("bulk builds need Java 17+ on PATH", allow_module_level=True)

import pyarrow.parquet as pq
from click.testing import CliRunner
from test_bulk_records import article, deletion, pubmed_xml

from evidentia import pipeline
from evidentia.analyse import analyse
from evidentia.bulk import build
from evidentia.bulk.layout import DATASETS, paper_from_columns, read_manifest
from evidentia.bulk.spark import spark_session
from evidentia.cli import cli
from evidentia.config import Settings
from evidentia.errors import ConfigError, InputError
from evidentia.index.dense import DenseIndex
from evidentia.index.embedders import document_text, get_embedder
from evidentia.models import Filters, Report
from evidentia.synthesise import synthesise

QUESTION = "Does treatment improve survival in patients with cancer?"
PARTITIONS = 3


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    try:
        session, started = spark_session(Settings().bulk)
    except ConfigError as exc:  # e.g. a Java too old for this pyspark
        pytest.skip(f"Spark cannot start here: {exc}")
    yield session
    if started:
        session.stop()


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three small files: versions, a deletion, a comeback, a malformed record, a non-record."""
    folder = tmp_path_factory.mktemp("crafted")
    (folder / "f1.xml").write_bytes(pubmed_xml(
        article("90000001", title="Old title"), article("90000002"), article("90000003"),
        article("90000004", title="", abstract="")))
    (folder / "f2.xml.gz").write_bytes(gzip.compress(pubmed_xml(
        article("90000001", title="New title"), deletion("90000002", "90000003")), mtime=0))
    (folder / "f3.xml").write_bytes(pubmed_xml(article("90000002", title="Back again")))
    (folder / "f4.txt").write_bytes(b"%PDF-1.4 not records")
    # DOI merges, as `add` merges: a DOI-only copy of a baseline paper joins it; a PMID record
    # joins the DOI-only record seen before it (whose id is kept).
    (folder / "f5.jsonl").write_text("\n".join(json.dumps(record) for record in [
        {"doi": "10.1016/J.PEDIATRNEUROL.2025.12.024", "title": "DOI-only copy",
         "abstract": "A cohort of children with epilepsy."},
        {"doi": "10.1000/evidentia.first", "title": "First seen by DOI",
         "abstract": "A randomised trial of exercise in adults."},
        {"pmid": "90000006", "doi": "10.1000/evidentia.first", "title": "Later from PubMed",
         "abstract": "A randomised trial of exercise in 40 adults."},
    ]) + "\n")
    return folder


@pytest.fixture(scope="module")
def built(spark, formats: Path, crafted: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``evidentia bulk build`` through the CLI, as a user runs it."""
    out = tmp_path_factory.mktemp("bulk") / "out"
    sources = [str(formats / "pubmed_xml" / "baseline_style"), str(crafted)]
    result = CliRunner().invoke(cli, ["bulk", "build", *sources, "--out", str(out), "--partitions",
                                      str(PARTITIONS), "--embedder", "hash", "--json"])
    assert result.exit_code == 0, result.output
    return out


def needs_milvus() -> None:
    pytest.importorskip("pymilvus", reason="the Milvus backend needs pymilvus (pip install pymilvus)")
    if not os.environ.get("EVIDENTIA_TEST_MILVUS_URI"):
        pytest.importorskip("milvus_lite", reason="the Milvus tests run on milvus-lite (pip install milvus-lite)")


def milvus_uri(folder: Path) -> str:
    """milvus-lite in ``folder``, or the real Milvus named by ``EVIDENTIA_TEST_MILVUS_URI``."""
    return os.environ.get("EVIDENTIA_TEST_MILVUS_URI") or str(folder / "milvus.db")


def table(out: Path, dataset: str) -> list[dict[str, object]]:
    return pq.read_table(out / dataset).to_pylist()


def test_counts_and_the_skipped_list(built: Path) -> None:
    counts = read_manifest(built).counts
    # 60 sample papers + 4 crafted ids + 2 records that merge into one (f5); 6 sample deletions
    # (of ids not in the sample) + 90000003.
    assert counts == {"papers": 63, "deleted": 7, "skipped": 4, "analysis_errors": 0, "analysed": 63,
                      "records": 60 + 6 + 2 + 4 + 3 + 1 + 1 + 3}
    skipped = [json.loads(line) for line in (built / "skipped.jsonl").read_text().splitlines()]
    assert [s["source"] for s in skipped] == ["pmparser_pubmed_no_rows.xml"] * 2 + ["f1.xml", "f4.txt"]
    assert all(s["reason"] for s in skipped)


def test_updates_and_deletions_apply_in_file_order(built: Path) -> None:
    papers = {row["id"]: row for row in table(built, "papers")}
    assert papers["pmid:90000001"]["title"] == "New title"  # f2 replaced f1's version
    assert papers["pmid:90000002"]["title"] == "Back again"  # deleted in f2, back in f3
    assert "pmid:90000003" not in papers  # deleted in f2


def test_records_sharing_a_doi_merge_as_add_merges_them(built: Path) -> None:
    papers = {row["id"]: row for row in table(built, "papers")}
    copy = papers["pmid:41576520"]  # the baseline paper, updated by its DOI-only copy
    assert (copy["title"], copy["pmid"]) == ("DOI-only copy", "41576520")
    assert "doi:10.1016/j.pediatrneurol.2025.12.024" not in papers
    first = papers["doi:10.1000/evidentia.first"]  # the id seen first is kept
    assert (first["title"], first["pmid"]) == ("Later from PubMed", "90000006")
    assert "pmid:90000006" not in papers


def test_buckets_are_files_and_rows_are_sorted(built: Path) -> None:
    for dataset in DATASETS:
        names = sorted(path.name for path in (built / dataset).iterdir())
        assert names == [f"part-{b:05d}.parquet" for b in range(PARTITIONS)]
        for bucket, name in enumerate(names):
            rows = pq.read_table(built / dataset / name, columns=["id", "bucket"]).to_pylist()
            assert {row["bucket"] for row in rows} == {bucket}
            assert [row["id"] for row in rows] == sorted(row["id"] for row in rows)


def test_facts_and_vectors_are_what_the_library_computes(built: Path) -> None:
    facts = {row["id"]: row for row in table(built, "facts")}
    vectors = {row["id"]: row["vector"] for row in table(built, "embeddings")}
    embedder = get_embedder("hash")
    for row in table(built, "papers"):
        paper = paper_from_columns(row)
        assert facts[paper.id]["facts_json"] == analyse(paper).model_dump_json(), paper.id
        expected = embedder.embed([document_text(paper.title, paper.abstract)])[0]
        assert vectors[paper.id] == pytest.approx(expected.tolist(), abs=1e-6)


def test_a_rerun_after_a_killed_job_gives_the_same_output(built: Path, formats: Path, crafted: Path,
                                                          tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(built, out)
    before = {dataset: table(out, dataset) for dataset in DATASETS}
    manifest = (out / "manifest.json").read_text()
    # What a job killed while writing leaves: no manifest, a half-written staging folder,
    # one dataset moved aside.
    (out / "manifest.json").unlink()
    (out / ".staging" / "papers").mkdir(parents=True)
    (out / ".staging" / "papers" / "part-00000-junk.parquet").write_bytes(b"half")
    (out / "facts").rename(out / ".old-facts")
    with pytest.raises(InputError, match="no finished bulk build"):
        read_manifest(out)
    settings = Settings.load(None, ["index.embedder=hash", f"bulk.partitions={PARTITIONS}"])
    build([str(formats / "pubmed_xml" / "baseline_style"), str(crafted)], str(out), settings)
    assert (out / "manifest.json").read_text() == manifest
    assert {dataset: table(out, dataset) for dataset in DATASETS} == before
    assert sorted(p.name for p in out.iterdir()) == ["embeddings", "facts", "manifest.json", "papers",
                                                     "skipped.jsonl"]


def test_load_then_ask_with_the_milvus_backend(built: Path, tmp_path: Path) -> None:
    needs_milvus()
    uri = milvus_uri(tmp_path)
    runner = CliRunner()
    loaded = runner.invoke(cli, ["bulk", "load", str(built), "--milvus-uri", uri, "--json"])
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout)["rows"] == 63
    again = runner.invoke(cli, ["bulk", "load", str(built), "--milvus-uri", uri, "--json"])
    assert json.loads(again.stdout)["already_loaded"] is True
    asked = runner.invoke(cli, ["ask", QUESTION, "--backend", "milvus", "--milvus-uri", uri,
                                "--format", "json", "--k", "5"])
    assert asked.exit_code == 0, asked.output
    report = Report.model_validate_json(asked.stdout)
    papers = {row["id"] for row in table(built, "papers")}
    assert len(report.studies) == 5 and {s.paper_id for s in report.studies} <= papers


def test_same_hits_give_the_same_report_as_the_embedded_library(built: Path, formats: Path,
                                                                crafted: Path, tmp_path: Path) -> None:
    """Spark's papers and facts, read back from Milvus, make the report the library makes."""
    needs_milvus()
    from evidentia.bulk import load
    from evidentia.index.milvus import open_index

    uri = milvus_uri(tmp_path)
    load(built, Settings.load(None, [f"backend.milvus_uri={uri}"]))
    embedded = Settings.load(None, [f"library.path={tmp_path / 'lib.sqlite'}", "index.embedder=hash"])
    folder = formats / "pubmed_xml" / "baseline_style"
    records = sorted(p for p in crafted.iterdir() if p.suffix != ".txt")  # add stops at a non-record file
    pipeline.add(sorted(folder.iterdir()) + records, embedded)
    with pipeline.open_library(embedded) as library:
        DenseIndex.open(library.path, get_embedder("hash")).sync(library)
        query = pipeline.prepare_query(QUESTION, embedded)
        found = pipeline.retrieve(library, query, embedded, Filters(), k=8)
    stored = open_index(uri).fetch(hit.paper_id for hit in found.hits)
    from_milvus = pipeline.Retrieved(query, [
        hit.model_copy(update={"paper": stored[hit.paper_id].paper}) for hit in found.hits
    ], {pid: row.facts for pid, row in stored.items()})
    reports = [synthesise(query, pipeline._judge(query, result), settings=embedded.synthesise)
               for result in (found, from_milvus)]
    assert len(found.hits) == 8 and reports[0].studies
    assert reports[0].model_dump_json() == reports[1].model_dump_json()


@pytest.fixture(scope="module")
def incremental(spark, formats: Path, crafted: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline sample built alone, then the crafted files applied with ``--base``."""
    root = tmp_path_factory.mktemp("incremental")
    settings = Settings.load(None, ["index.embedder=hash", f"bulk.partitions={PARTITIONS}"])
    build([str(formats / "pubmed_xml" / "baseline_style")], str(root / "base"), settings)
    result = CliRunner().invoke(cli, ["bulk", "build", str(crafted), "--base", str(root / "base"),
                                      "--out", str(root / "new"), "--partitions", str(PARTITIONS),
                                      "--embedder", "hash", "--json"])
    assert result.exit_code == 0, result.output
    return root


def test_an_incremental_build_equals_a_full_build(incremental: Path, built: Path) -> None:
    new = incremental / "new"
    for dataset in DATASETS:
        assert table(new, dataset) == table(built, dataset), dataset
    manifest = read_manifest(new)
    assert manifest.data["base"]["build"] == read_manifest(incremental / "base").build
    assert [f["uri"].rsplit("/", 1)[-1] for f in manifest.data["inputs"]] == [
        "f1.xml", "f2.xml.gz", "f3.xml", "f4.txt", "f5.jsonl"]
    # Analysed again: 90000001 (new title), 90000002 (back), the baseline paper its DOI-only
    # copy updated, the new DOI paper; the other 59 are copied from the base.
    assert (manifest.counts["analysed"], manifest.counts["carried"], manifest.counts["papers"]) == (4, 59, 63)


def test_an_incremental_build_refuses_a_base_made_otherwise(incremental: Path, crafted: Path) -> None:
    other = Settings.load(None, ["index.embedder=minilm-static", f"bulk.partitions={PARTITIONS}"])
    with pytest.raises(InputError, match="embedder"):
        build([str(crafted)], str(incremental / "other"), other, base=str(incremental / "base"))
    with pytest.raises(InputError, match="same folder"):
        build([str(crafted)], str(incremental / "base"), other, base=str(incremental / "base"))


def test_check_and_the_paper_api_read_papers_from_milvus(built: Path, tmp_path: Path) -> None:
    """``ask --check`` and ``/api/papers/{id}`` find Milvus-only papers (no library holds them)."""
    needs_milvus()
    from fastapi.testclient import TestClient

    from evidentia.bulk import load
    from evidentia.web import create_app

    uri = milvus_uri(tmp_path)
    load(built, Settings.load(None, [f"backend.milvus_uri={uri}"]))
    checked = CliRunner().invoke(cli, ["ask", QUESTION, "--backend", "milvus", "--milvus-uri", uri,
                                       "--check", "--format", "json", "--k", "5"])
    assert checked.exit_code == 0, checked.output
    verdicts = json.loads(checked.stdout)
    assert verdicts and all(v["verdict"] == "pass" for v in verdicts), verdicts
    settings = Settings.load(None, ["backend.name=milvus", f"backend.milvus_uri={uri}",
                                    f"library.path={tmp_path / 'cache.sqlite'}"])
    with TestClient(create_app(settings)) as client:
        for ref in ("pmid:41576520", "41576520", "doi:10.1000/evidentia.first", "10.1000/EVIDENTIA.FIRST"):
            response = client.get(f"/api/papers/{ref}")
            assert response.status_code == 200, (ref, response.text)
            assert response.json()["facts"]["paper_id"] == response.json()["paper"]["id"]
        assert client.get("/api/papers/pmid:41576520").json()["paper"]["title"] == "DOI-only copy"
        assert client.get("/api/papers/pmid:90000003").status_code == 404


def test_every_event_knows_its_file_number(spark, crafted: Path) -> None:
    from evidentia.bulk.job import _Job

    job = _Job(spark, Settings(), lambda _: None)
    inputs = job._inputs([str(crafted)])
    assert [uri.rsplit("/", 1)[-1] for uri, _ in inputs] == ["f1.xml", "f2.xml.gz", "f3.xml", "f4.txt",
                                                             "f5.jsonl"]
    numbers = {row["file_no"] for row in job._events(inputs).select("file_no").collect()}
    assert numbers == {0, 1, 2, 3, 4}
