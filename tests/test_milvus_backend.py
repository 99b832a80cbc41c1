"""The Milvus search backend on milvus-lite: search, filters, facts, publishing, errors, reports.

The collection is loaded in-process from the PubMed baseline sample (analysed here, hash
embedder); ``test_bulk_spark`` loads one built by Spark. What milvus-lite does not prove is in
docs/scale.md; set ``EVIDENTIA_TEST_MILVUS_URI=http://host:19530`` to run these against a real
Milvus.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="the Milvus backend needs pymilvus (pip install pymilvus)")
if not os.environ.get("EVIDENTIA_TEST_MILVUS_URI"):
    pytest.importorskip("milvus_lite", reason="these tests run on milvus-lite (pip install milvus-lite)")

from evidentia import pipeline
from evidentia.analyse import ANALYSER_VERSION, analyse
from evidentia.bulk.layout import Manifest
from evidentia.bulk.loader import load_records
from evidentia.config import Settings
from evidentia.errors import ConfigError, LibraryError
from evidentia.index.dense import DenseIndex
from evidentia.index.embedders import document_text, get_embedder
from evidentia.index.milvus import PaperRecord, open_index
from evidentia.ingest import read_path
from evidentia.models import Filters, Paper, StudyFacts
from evidentia.retrieve.backend import search_backend
from evidentia.store.library import Library
from evidentia.synthesise import synthesise

QUESTION = "Does treatment improve survival in patients with cancer?"


def milvus_uri(folder: Path) -> str:
    return os.environ.get("EVIDENTIA_TEST_MILVUS_URI") or str(folder / "milvus.db")


@pytest.fixture(scope="module")
def corpus(formats: Path) -> list[tuple[Paper, StudyFacts]]:
    folder = formats / "pubmed_xml" / "baseline_style"
    papers = [item for name in ("pmparser_baseline_pubmed26n1334_sample.xml.gz",
                                "pmparser_updatefile_pubmed26n1335_sample.xml.gz")
              for item in read_path(folder / name) if isinstance(item, Paper)]
    return [(paper, analyse(paper)) for paper in papers]


def load(index, corpus, build: str, version: str = ANALYSER_VERSION) -> None:
    embedder = get_embedder("hash")
    vectors = embedder.embed([document_text(p.title, p.abstract) for p, _ in corpus])
    records = [PaperRecord.of(p, f.model_copy(update={"analyser_version": version}), v)
               for (p, f), v in zip(corpus, vectors, strict=True)]
    manifest = Manifest({"build": build, "embedder": embedder.key, "embedder_name": embedder.name,
                         "analyser_version": version, "counts": {"papers": len(records)}})
    load_records(index, manifest, iter([records[:25], records[25:]]), Settings(), lambda _: None)


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, corpus) -> Settings:
    folder = tmp_path_factory.mktemp("milvus")
    uri = milvus_uri(folder)
    load(open_index(uri, "evidentia_test"), corpus, "b1")
    return Settings.load(None, [
        "backend.name=milvus", f"backend.milvus_uri={uri}", "backend.collection=evidentia_test",
        f"library.path={folder / 'library.sqlite'}"])


def search(settings: Settings, filters: Filters | None = None, k: int = 10, question: str = QUESTION):
    query = pipeline.prepare_query(question, settings)
    return search_backend(None, query, settings, filters or Filters(), k=k)


def test_hits_carry_the_stored_papers_and_facts(settings: Settings, corpus) -> None:
    by_id = {p.id: (p, f) for p, f in corpus}
    found = search(settings)
    assert len(found.hits) == 10 and [h.rank for h in found.hits] == list(range(1, 11))
    for hit in found.hits:
        assert hit.paper == by_id[hit.paper_id][0]
        assert found.facts[hit.paper_id] == by_id[hit.paper_id][1]
        assert {"dense", "fused", "rerank"} <= set(hit.scores)


@pytest.mark.parametrize(("filters", "check"), [
    (Filters(year_min=2026), lambda p, f: p.year is not None and p.year >= 2026),
    (Filters(year_max=2025), lambda p, f: p.year is not None and p.year <= 2025),
    (Filters(designs=["cohort", "cross_sectional"]), lambda p, f: f.design in ("cohort", "cross_sectional")),
    (Filters(min_sample_size=100), lambda p, f: f.sample_size is not None and f.sample_size.n >= 100),
    (Filters(species="human"), lambda p, f: f.species in ("human", "unknown")),
    (Filters(species="animal"), lambda p, f: f.species == "animal"),
])
def test_filters_run_in_milvus(settings: Settings, corpus, filters: Filters, check) -> None:
    expected = {p.id for p, f in corpus if check(p, f)}
    found = search(settings, filters, k=100, question="patients study results")
    ids = {hit.paper_id for hit in found.hits}
    assert ids and ids <= expected


def test_server_side_fusion_and_single_retrievers(settings: Settings) -> None:
    for override in ("backend.fusion=server", "index.mode=bm25", "index.mode=dense", "index.rerank=false"):
        found = search(settings.with_overrides([override]))
        assert len(found.hits) == 10, override


def test_same_hits_give_the_same_report(settings: Settings, corpus, tmp_path: Path) -> None:
    """The embedded library and Milvus hold the same papers and facts: same hits, same report."""
    embedded = Settings.load(None, [f"library.path={tmp_path / 'lib.sqlite'}", "index.embedder=hash"])
    with Library.open(tmp_path / "lib.sqlite") as library:
        library.write_batch([p for p, _ in corpus])
        library.put_facts([f for _, f in corpus], {p.id: p.content_hash() for p, _ in corpus})
        DenseIndex.open(library.path, get_embedder("hash")).sync(library)
        query = pipeline.prepare_query(QUESTION, embedded)
        found = pipeline.retrieve(library, query, embedded, Filters(), k=8)
    stored = open_index(settings.backend.milvus_uri, "evidentia_test").fetch(h.paper_id for h in found.hits)
    from_milvus = pipeline.Retrieved(query, [
        hit.model_copy(update={"paper": stored[hit.paper_id].paper}) for hit in found.hits
    ], {pid: row.facts for pid, row in stored.items()})
    reports = [synthesise(query, pipeline._judge(query, result), settings=embedded.synthesise)
               for result in (found, from_milvus)]
    assert len(found.hits) == 8
    assert reports[0].model_dump_json() == reports[1].model_dump_json()


def test_ask_answers_from_milvus_without_a_library(settings: Settings, corpus) -> None:
    report = pipeline.ask(QUESTION, settings, k=5)
    ids = {p.id for p, _ in corpus}
    assert report.studies and {study.paper_id for study in report.studies} <= ids
    assert {source.id for source in report.sources} <= ids
    assert settings.library.resolved_path().is_file()  # an empty cache, created on the way


def test_facts_of_an_older_analyser_are_analysed_again(tmp_path: Path, corpus) -> None:
    uri = milvus_uri(tmp_path)
    load(open_index(uri, "evidentia_old"), corpus, "b0", version="older-0")
    old = Settings.load(None, ["backend.name=milvus", f"backend.milvus_uri={uri}",
                               "backend.collection=evidentia_old", f"library.path={tmp_path / 'l.sqlite'}"])
    assert search(old).facts == {}
    with pipeline.open_library(old) as library:
        found = pipeline.retrieve(library, pipeline.prepare_query(QUESTION, old), old, Filters(), k=5)
    assert found.hits and all(f.analyser_version == ANALYSER_VERSION for f in found.facts.values())


def test_a_new_build_replaces_the_old_one(tmp_path: Path, corpus) -> None:
    index = open_index(milvus_uri(tmp_path), "evidentia_swap")
    load(index, corpus[:10], "first")
    load(index, corpus[:20], "second")
    assert index.physical_name() == "evidentia_swap_second" and index.count() == 20
    assert not index.exists("evidentia_swap_first")


def test_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(LibraryError, match="bulk load"):
        open_index(milvus_uri(tmp_path), "nothing_here").meta()
    with pytest.raises(ConfigError, match="not a Milvus URI"):
        open_index("somewhere/else")
    with pytest.raises(ConfigError, match="collection name"):
        open_index(str(tmp_path / "x.db"), "bad-name")
