"""BM25 latency and quality against ``retrieve.max_term_share`` (pruning of common query words).

    python benchmarks/bm25_pruning.py --library /tmp/evidentia-load.sqlite --scifact-library /tmp/sf.sqlite

``--library``: a large library (e.g. the 100k one ``benchmarks/load.py`` builds) for latency;
``--scifact-library``: a library of ``../shared/data/scifact/corpus.jsonl`` for nDCG@10 on the
BEIR SciFact test queries, with pruning forced on although that corpus is small.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import evidentia.retrieve.bm25 as bm25
from evidentia.evaluate.metrics import ndcg_at
from evidentia.retrieve import analyse_query
from evidentia.store.library import Library

BEIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "beir" / "scifact"
SHARES = (1.0, 0.3, 0.2, 0.1)


def latency(library: Library, questions: list[str], share: float) -> tuple[float, float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        library.bm25(bm25.prune_common_terms(library, analyse_query(question).fts_query, share), limit=300)
        times.append(time.perf_counter() - started)
    times.sort()
    return 1000 * times[len(times) // 2], 1000 * times[-1]


def scifact_ndcg(library: Library, share: float) -> float:
    queries = {row["_id"]: row["text"] for row in map(json.loads, (BEIR / "queries.jsonl").open())}
    qrels: dict[str, dict[str, int]] = {}
    for line in list((BEIR / "qrels" / "test.tsv").open())[1:]:
        query_id, doc_id, score = line.split()
        qrels.setdefault(query_id, {})[doc_id] = int(score)
    scores = []
    for query_id, relevance in qrels.items():
        fts = bm25.prune_common_terms(library, analyse_query(queries[query_id]).fts_query, share)
        ranked = [paper_id.removeprefix("doc:") for paper_id, _ in library.bm25(fts, limit=10)]
        scores.append(ndcg_at(ranked, relevance, 10))
    return sum(scores) / len(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--library", type=Path, required=True)
    parser.add_argument("--scifact-library", type=Path, required=True)
    args = parser.parse_args()
    questions = [row["text"] for row in map(json.loads, (BEIR / "queries.jsonl").open())][:80]
    with Library.open(args.library, create=False) as big, Library.open(args.scifact_library, create=False) as small:
        for share in SHARES:
            p50, p99 = latency(big, questions, share)
            bm25.MIN_LIBRARY_FOR_PRUNING = 0  # force pruning on the small corpus for the quality figure
            quality = scifact_ndcg(small, share)
            bm25.MIN_LIBRARY_FOR_PRUNING = 20_000
            print(f"| {share} | {p50:.1f} ms | {p99:.1f} ms | {quality:.3f} |")


if __name__ == "__main__":
    main()
