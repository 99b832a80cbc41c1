"""Same answers: on BEIR SciFact, Milvus's top 10 overlaps the embedded backend's by >= 90%.

Both backends hold the full 5,183-abstract corpus with the same static embedder and run every
SciFact test query (300) with the default retrieval settings. Neither holds analyses here (the
rerank then uses metadata priors on both sides); ``benchmarks/milvus_lite.py`` measures the
same with analyses, and with the ONNX embedder. About 50 s on 2 cores.
``EVIDENTIA_TEST_MILVUS_URI=http://host:19530`` runs it against a real Milvus.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="the Milvus backend needs pymilvus (pip install pymilvus)")
if not os.environ.get("EVIDENTIA_TEST_MILVUS_URI"):
    pytest.importorskip("milvus_lite", reason="these tests run on milvus-lite (pip install milvus-lite)")

from evidentia import pipeline
from evidentia.analyse import ANALYSER_VERSION
from evidentia.bulk.layout import Manifest
from evidentia.bulk.loader import load_records
from evidentia.config import Settings
from evidentia.errors import QueryError
from evidentia.index.dense import DenseIndex
from evidentia.index.embedders import available_embedders, document_text, get_embedder
from evidentia.index.milvus import PaperRecord, open_index
from evidentia.ingest import read_path
from evidentia.models import Filters, Paper
from evidentia.retrieve.backend import search_backend
from evidentia.store.library import Library

EMBEDDER = "minilm-static"
MIN_OVERLAP = 0.9


def test_query_results_overlap(shared_data: Path, tmp_path: Path) -> None:
    if not available_embedders().get(EMBEDDER):
        pytest.skip(f"the {EMBEDDER} embedder artifact is not installed")
    folder = shared_data / "beir" / "scifact"
    papers = [item for item in read_path(folder / "corpus.jsonl") if isinstance(item, Paper)]
    embedded = Settings.load(None, [f"library.path={tmp_path / 'lib.sqlite'}",
                                    f"index.embedder={EMBEDDER}"])
    milvus = embedded.with_overrides([
        "backend.name=milvus",
        f"backend.milvus_uri={os.environ.get('EVIDENTIA_TEST_MILVUS_URI') or tmp_path / 'milvus.db'}",
        "backend.collection=scifact"])
    build_embedded(papers, embedded)
    build_milvus(papers, milvus)
    overlaps = []
    with Library.open(tmp_path / "lib.sqlite") as library:
        for text in scifact_test_queries(folder):
            try:
                query = pipeline.prepare_query(text, embedded)
            except QueryError:
                continue
            ids = [{hit.paper_id for hit in search_backend(library, query, chosen, Filters(), k=10).hits}
                   for chosen in (embedded, milvus)]
            overlaps.append(len(ids[0] & ids[1]) / max(1, len(ids[0])))
    assert len(overlaps) == 300
    assert statistics.mean(overlaps) >= MIN_OVERLAP, f"mean top-10 overlap {statistics.mean(overlaps):.3f}"


def scifact_test_queries(folder: Path) -> list[str]:
    wanted = {line.split("\t")[0] for line in (folder / "qrels" / "test.tsv").read_text().splitlines()[1:]}
    with (folder / "queries.jsonl").open(encoding="utf-8") as lines:
        queries = [json.loads(line) for line in lines]
    return [query["text"] for query in queries if query["_id"] in wanted]


def build_embedded(papers: list[Paper], settings: Settings) -> None:
    with Library.open(settings.library.resolved_path()) as library:
        for start in range(0, len(papers), 2000):
            library.write_batch(papers[start : start + 2000])
        DenseIndex.open(library.path, get_embedder(EMBEDDER)).sync(library)


def build_milvus(papers: list[Paper], settings: Settings) -> None:
    embedder = get_embedder(EMBEDDER)
    vectors = embedder.embed([document_text(p.title, p.abstract) for p in papers])
    records = [PaperRecord.of(paper, None, vector) for paper, vector in zip(papers, vectors, strict=True)]
    manifest = Manifest({"build": "scifact", "embedder": embedder.key, "embedder_name": embedder.name,
                         "analyser_version": ANALYSER_VERSION, "counts": {"papers": len(records)}})
    batches = (records[start : start + 1000] for start in range(0, len(records), 1000))
    index = open_index(settings.backend.milvus_uri, settings.backend.collection)
    load_records(index, manifest, batches, settings, lambda _: None)
