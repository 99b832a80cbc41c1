"""Milvus benchmark: same answers as the embedded backend, and load and query times.

    python benchmarks/milvus_lite.py --equivalence                     # BEIR SciFact, 300 test queries
    python benchmarks/milvus_lite.py --build /tmp/bench100k/out-100000  # load + query a bulk build

``--equivalence``: the SciFact corpus (5,183 abstracts, analysed once, analyses cached in the
work dir) in both backends, per embedder (``--embedders``) and Milvus fusion mode (client:
weighted RRF here, server: Milvus ``RRFRanker``): mean top-10 overlap with the embedded
backend, the share of queries at >= 90%, and nDCG@10 of both against the SciFact qrels.

``--build DIR``: ``evidentia bulk load`` of a finished bulk build into a fresh milvus-lite file
(load time, rows/s, size on disk), then ``--queries`` questions through the Milvus backend
(k=20, warm: each asked once before timing): p50/p99 latency and peak memory.

Uri: ``--uri http://host:19530`` measures a real Milvus instead of milvus-lite.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# This script is named like the milvus_lite package: keep its folder off the import path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(REPO / "src"))

from evidentia.config import Settings
from evidentia.models import Filters, Paper, StudyFacts

SHARED = Path(os.environ.get("EVIDENTIA_SHARED_DATA", REPO.parent / "shared" / "data"))


# --------------------------------------------------------------------------- equivalence


def analysed_corpus(work: Path) -> tuple[list[Paper], list[StudyFacts]]:
    """SciFact papers and their facts (analysed with 2 processes once, then read back)."""
    from evidentia.analyse import ANALYSER_VERSION
    from evidentia.evaluate.beir import load_corpus
    from evidentia.pipeline import Analyser

    papers = load_corpus(SHARED / "beir" / "scifact")
    cache = work / f"scifact-facts-{ANALYSER_VERSION}.jsonl"
    if cache.is_file():
        facts = [StudyFacts.model_validate_json(line) for line in cache.read_text().splitlines()]
        if len(facts) == len(papers):
            return papers, facts
    with Analyser(2) as analyser:
        facts = analyser(papers)
    cache.write_text("".join(f.model_dump_json() + "\n" for f in facts))
    return papers, facts


def build_both(work: Path, papers: list[Paper], facts: list[StudyFacts], embedder_name: str,
               uri: str | None) -> tuple[Settings, Settings]:
    from evidentia.bulk.layout import Manifest
    from evidentia.bulk.loader import load_records
    from evidentia.index.dense import DenseIndex
    from evidentia.index.embedders import document_text, get_embedder
    from evidentia.index.milvus import PaperRecord, open_index
    from evidentia.store.library import Library

    folder = work / embedder_name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    embedder = get_embedder(embedder_name)
    embedded = Settings.load(None, [f"library.path={folder / 'lib.sqlite'}", f"index.embedder={embedder_name}"])
    with Library.open(folder / "lib.sqlite") as library:
        library.write_batch(papers)
        library.put_facts(facts, {p.id: p.content_hash() for p in papers})
        DenseIndex.open(library.path, embedder).sync(library)
    vectors = embedder.embed([document_text(p.title, p.abstract) for p in papers])
    records = [PaperRecord.of(p, f, v) for p, f, v in zip(papers, facts, vectors, strict=True)]
    manifest = Manifest({"build": "scifact", "embedder": embedder.key, "embedder_name": embedder.name,
                         "analyser_version": facts[0].analyser_version, "counts": {"papers": len(records)}})
    milvus = embedded.with_overrides(["backend.name=milvus", "backend.collection=scifact",
                                      f"backend.milvus_uri={uri or folder / 'milvus.db'}"])
    index = open_index(milvus.backend.milvus_uri, "scifact")
    load_records(index, manifest, iter([records[i:i + 1000] for i in range(0, len(records), 1000)]),
                 milvus, lambda _: None)
    return embedded, milvus


def equivalence(work: Path, embedders: list[str], uri: str | None) -> list[tuple[str, str]]:
    from evidentia.evaluate.beir import load_qrels, load_queries
    from evidentia.evaluate.metrics import ndcg_at
    from evidentia.pipeline import prepare_query
    from evidentia.retrieve.backend import search_backend
    from evidentia.store.library import Library

    papers, facts = analysed_corpus(work)
    qrels = load_qrels(SHARED / "beir" / "scifact", "test")
    queries = {qid: text for qid, text in load_queries(SHARED / "beir" / "scifact").items() if qid in qrels}
    rows = []
    for name in embedders:
        embedded, milvus = build_both(work, papers, facts, name, uri)
        runs: dict[str, dict[str, list[str]]] = {"embedded": {}, "client": {}, "server": {}}
        with Library.open(embedded.library.resolved_path()) as library:
            for qid, text in queries.items():
                query = prepare_query(text, embedded)
                for mode, chosen in (("embedded", embedded), ("client", milvus),
                                     ("server", milvus.with_overrides(["backend.fusion=server"]))):
                    hits = search_backend(library, query, chosen, Filters(), k=10).hits
                    runs[mode][qid] = [hit.paper_id for hit in hits]
        for mode in ("client", "server"):
            overlaps = [len(set(runs[mode][q]) & set(runs["embedded"][q])) / 10 for q in queries]
            rows.append((f"{name}, Milvus fusion {mode}: mean top-10 overlap (share of queries >= 90%)",
                         f"{statistics.mean(overlaps):.3f} ({sum(o >= 0.9 for o in overlaps) / len(overlaps):.0%})"))
        for mode in ("embedded", "client", "server"):
            score = statistics.mean(ndcg_at(runs[mode][q], qrels[q], 10) for q in queries)
            rows.append((f"{name}, {mode}: nDCG@10 on SciFact test", f"{score:.4f}"))
    return rows


# --------------------------------------------------------------------------- load and query


def load_and_query(build_dir: Path, work: Path, uri: str | None, count: int) -> list[tuple[str, str]]:
    scale = _benchmark_module("scale")
    peak_rss_mb, questions = scale.peak_rss_mb, scale.questions

    from evidentia.bulk import load
    from evidentia.bulk.layout import read_manifest
    from evidentia.pipeline import prepare_query
    from evidentia.retrieve.backend import search_backend

    manifest = read_manifest(build_dir)
    db = work / "load.db"
    shutil.rmtree(db, ignore_errors=True)
    settings = Settings.load(None, [f"backend.milvus_uri={uri or db}", "backend.name=milvus",
                                    "backend.collection=bench"])
    started = time.perf_counter()
    summary = load(build_dir, settings)
    load_s = time.perf_counter() - started
    asked = [prepare_query(q, settings) for q in questions(count)]
    for query in asked:  # warm
        search_backend(None, query, settings, Filters(), k=20)
    times = []
    for query in asked:
        started = time.perf_counter()
        search_backend(None, query, settings, Filters(), k=20)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    size = sum(f.stat().st_size for f in db.rglob("*") if f.is_file()) if db.exists() else 0
    return [
        ("papers loaded", f"{summary.rows:,} (build {manifest.build}, {manifest.data['embedder']})"),
        ("row bytes by field (sample of 1,000): text / paper / facts / vector", row_bytes(build_dir, manifest)),
        ("bulk load, rows/s", f"{summary.rows / load_s:,.0f} ({load_s:.0f} s)"),
        ("milvus-lite size on disk", f"{size / 1e6:,.0f} MB ({size / max(1, summary.rows):,.0f} B/paper)"),
        ("Milvus backend search p50 / p99 (warm, k=20, client fusion + rerank)",
         f"{statistics.median(times):.0f} ms / {times[min(len(times) - 1, int(len(times) * 0.99))]:.0f} ms"),
        ("peak memory of this process", f"{peak_rss_mb():,.0f} MB"),
    ]


def _benchmark_module(name: str) -> Any:
    """A sibling benchmark script, imported by path (this folder is off ``sys.path``)."""
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def row_bytes(build_dir: Path, manifest: object) -> str:
    """Average bytes of each stored field: what a Milvus node holds per paper (before indexes)."""
    from evidentia.bulk.loader import iter_records
    from evidentia.index.milvus import record_row, shared_analyser

    records = next(iter_records(build_dir, manifest, 1000))  # type: ignore[arg-type]
    rows = [record_row(r, shared_analyser(), (3.0, 1.0, 1.5)) for r in records]
    sizes = [statistics.mean(len(row[name]) for row in rows) for name in ("text", "paper", "facts")]
    vector = 4 * len(rows[0]["vector"])
    return " / ".join(f"{size:,.0f}" for size in [*sizes, vector]) + f" (total {sum(sizes) + vector:,.0f} B)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--equivalence", action="store_true", help="SciFact: overlap and nDCG")
    parser.add_argument("--embedders", default="minilm-static,minilm-int8")
    parser.add_argument("--build", type=Path, help="a finished bulk build to load and query")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--uri", help="a real Milvus (default: milvus-lite files in the work dir)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/evidentia-milvus-bench"))
    args = parser.parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str]] = []
    if args.equivalence:
        rows += equivalence(args.work_dir, args.embedders.split(","), args.uri)
    if args.build:
        rows += load_and_query(args.build, args.work_dir, args.uri, args.queries)
    print("| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\ncommand: python benchmarks/milvus_lite.py {' '.join(sys.argv[1:])}; "
          f"cores: {os.cpu_count()} (shared with other work); backend: {args.uri or 'milvus-lite'}")
    print(json.dumps(dict(rows)))


if __name__ == "__main__":
    main()
