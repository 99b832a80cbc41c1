"""BM25 latency and quality against query-word pruning: ``retrieve.max_term_share`` and the
posting budget ``retrieve.max_posting_share``.

    python benchmarks/bm25_pruning.py --library /tmp/scale100k/library.sqlite \
        --library /tmp/scale1m/library.sqlite --scifact-library /tmp/sf.sqlite

``--library`` (repeatable): large libraries (e.g. those ``benchmarks/scale.py --work-dir`` builds)
for latency: ``Library.bm25(..., limit=300)`` after pruning, p50/p99 over the same ``--queries``
questions as ``scale.py`` (SciFact claims and PubMedQA questions), warm (one pass first).
``--scifact-library``: a library of ``../shared/data/scifact/corpus.jsonl`` for nDCG@10 on the BEIR
SciFact test queries, with pruning forced on although that corpus is small. Both settings are
shares of the library, so forcing them on 5,183 papers scales them in proportion: a posting share
of 0.2 is a budget of 1,037 postings there and of 200,000 at a million papers.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from evidentia.evaluate.metrics import ndcg_at
from evidentia.retrieve import analyse_query, bm25
from evidentia.store.library import Library

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import questions

BEIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "beir" / "scifact"
# (max_term_share, max_posting_share): today's default, then posting budgets on top of it
SETTINGS = (
    (1.0, 0.0),
    (0.1, 0.0),
    (0.1, 0.3),
    (0.1, 0.2),
    (0.1, 0.15),
    (0.1, 0.1),
    (0.1, 0.05),
)


def latency(
    library: Library, fts_queries: list[str], share: float, postings: float
) -> tuple[float, float]:
    """p50 and p99 in ms of pruning plus ``Library.bm25`` over the queries, after a warm pass."""
    for fts_query in fts_queries:
        library.bm25(
            bm25.prune_common_terms(library, fts_query, share, postings), limit=300
        )
    times = []
    for fts_query in fts_queries:
        started = time.perf_counter()
        library.bm25(
            bm25.prune_common_terms(library, fts_query, share, postings), limit=300
        )
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def scifact_ndcg(library: Library, share: float, postings: float) -> float:
    """Mean nDCG@10 of BM25 on the SciFact test queries, pruning forced on whatever the size."""
    queries = {
        row["_id"]: row["text"]
        for row in map(json.loads, (BEIR / "queries.jsonl").open())
    }
    qrels: dict[str, dict[str, int]] = {}
    for line in list((BEIR / "qrels" / "test.tsv").open())[1:]:
        query_id, doc_id, score = line.split()
        qrels.setdefault(query_id, {})[doc_id] = int(score)
    forced, bm25.MIN_LIBRARY_FOR_PRUNING = bm25.MIN_LIBRARY_FOR_PRUNING, 0
    try:
        scores = []
        for query_id, relevance in qrels.items():
            fts = bm25.prune_common_terms(
                library, analyse_query(queries[query_id]).fts_query, share, postings
            )
            ranked = [
                paper_id.removeprefix("doc:")
                for paper_id, _ in library.bm25(fts, limit=10)
            ]
            scores.append(ndcg_at(ranked, relevance, 10))
    finally:
        bm25.MIN_LIBRARY_FOR_PRUNING = forced
    return sum(scores) / len(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--library", type=Path, action="append", required=True)
    parser.add_argument("--scifact-library", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    fts_queries = [
        analyse_query(question).fts_query for question in questions(args.queries)
    ]
    libraries = [Library.open(path, readonly=True) for path in args.library]
    sizes = " | ".join(
        f"{library.indexed_count():,} papers p50 / p99" for library in libraries
    )
    print(
        f"| max_term_share | max_posting_share | {sizes} | SciFact nDCG@10 (forced) |"
    )
    with Library.open(args.scifact_library, readonly=True) as small:
        for share, postings in SETTINGS:
            cells = [
                latency(library, fts_queries, share, postings) for library in libraries
            ]
            timed = " | ".join(f"{p50:.1f} / {p99:.1f} ms" for p50, p99 in cells)
            print(
                f"| {share} | {postings} | {timed} | {scifact_ndcg(small, share, postings):.3f} |",
                flush=True,
            )
    for library in libraries:
        library.close()


if __name__ == "__main__":
    main()
