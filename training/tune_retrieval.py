"""Tune the fusion and rerank weights on BEIR SciFact's TRAIN queries (never on test).

    .venv/bin/python training/tune_retrieval.py --work-dir /tmp/evalwork/int8 \
        [--set index.embedder=minilm-static] [--profile bm25]

Each train query is run once through BM25 and the dense index (the configured embedder); then
every fusion setting of the grid is replayed from those runs exactly as
:func:`evidentia.retrieve.hybrid.search` would fuse them, and the rerank weights are fitted by
coordinate ascent on nDCG@10 over the rerank features. Prints the best as an
entry for ``evidentia.retrieve.weights.TUNED``, with the train figures. The fusion setting is
chosen by 5-fold cross-validation of the rerank fit on train (fit on four folds, score the fifth),
so a fit that only chases noise in the train queries loses to one that carries over.
``--profile bm25`` tunes the rerank of BM25 alone (no dense index).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from evidentia.config import Settings  # noqa: E402
from evidentia.evaluate import beir  # noqa: E402
from evidentia.models import Filters  # noqa: E402
from evidentia.retrieve import hybrid  # noqa: E402
from evidentia.retrieve.bm25 import bm25_search  # noqa: E402
from evidentia.retrieve.query import analyse_query  # noqa: E402
from evidentia.retrieve.rerank import FEATURES, candidate_features  # noqa: E402
from evidentia.retrieve.weights import resolve  # noqa: E402

SCIFACT = REPO.parent / "shared" / "data" / "beir" / "scifact"
TUNED = ("bm25", "dense", "fused", "title", "abstract")
STEPS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
FUSION_GRID = tuple(itertools.product((10, 30, 60), (0.25, 0.5, 0.75, 1.0, 1.25, 1.5)))


def collect(library, dense, queries, settings):
    """Per query: the analysis, the BM25 run, the dense run and the query vector."""
    depth = settings.retrieve.candidates
    out = {}
    for qid, text in queries.items():
        query = analyse_query(text, max_chars=max(len(text), 10))
        weights = (settings.retrieve.title_weight, settings.retrieve.abstract_weight,
                   settings.retrieve.terms_weight)
        hits = bm25_search(library, query, k=depth, candidates=depth, weights=weights,
                           filters=Filters(include_retracted=True))
        vector = dense.embedder.embed_query(text) if dense else None
        dense_run = dense.search(vector, settings.index.dense_candidates) if dense else None
        out[qid] = (query, [(h.paper_id, h.score) for h in hits], dense_run, vector)
    return out


def featurise(library, dense, collected, weights, depth, qrels):
    """Per query: (feature matrix of the rerank head, relevance of each head row, ideal DCG)."""
    rows = []
    for qid, (query, bm25_run, dense_run, vector) in collected.items():
        runs = {"bm25": bm25_run} if dense_run is None else {"bm25": bm25_run, "dense": dense_run}
        candidates = hybrid._fuse(runs, weights)
        head = candidates[:depth]
        hybrid._fill_dense_scores(dense, vector, head)
        papers = library.get_many([c.paper_id for c in head])
        for candidate in head:
            candidate.paper = papers.get(candidate.paper_id)
        feats = candidate_features(head, query, this_year=2025)
        matrix = np.array([[f[name] for name in FEATURES] for f in feats], dtype=np.float64)
        rel = np.array([qrels[qid].get(c.paper_id, 0) for c in head], dtype=np.float64)
        ideal = sorted(qrels[qid].values(), reverse=True)[:10]
        idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
        rows.append((matrix, rel, idcg))
    return rows


DISCOUNT = 1 / np.log2(np.arange(2, 12))


def ndcg10(rows, weights: np.ndarray) -> float:
    total = 0.0
    for matrix, rel, idcg in rows:
        if len(rel) == 0 or idcg == 0:
            continue
        order = np.lexsort((np.arange(len(rel)), -(matrix @ weights)))[:10]
        total += float(rel[order] @ DISCOUNT[: len(order)]) / idcg
    return total / len(rows)


def fit(rows, start: np.ndarray, rounds: int = 4) -> np.ndarray:
    """Coordinate ascent over the tuned features' weights; ``fused`` is the scale anchor."""
    weights = start.copy()
    best = ndcg10(rows, weights)
    for _ in range(rounds):
        improved = False
        for name in TUNED:
            if name == "fused":
                continue
            i = FEATURES.index(name)
            for step in STEPS:
                trial = weights.copy()
                trial[i] = step
                score = ndcg10(rows, trial)
                if score > best + 1e-6:
                    best, weights, improved = score, trial, True
        if not improved:
            break
    return weights


def cross_validate(rows, start: np.ndarray, folds: int = 5) -> float:
    rng = np.random.default_rng(0)
    order = rng.permutation(len(rows))
    scores = []
    for fold in range(folds):
        test = set(order[fold::folds].tolist())
        train_rows = [r for i, r in enumerate(rows) if i not in test]
        test_rows = [r for i, r in enumerate(rows) if i in test]
        scores.append(ndcg10(test_rows, fit(train_rows, start)))
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", type=Path, default=SCIFACT)
    parser.add_argument("--work-dir", type=Path, required=True, help="library + index kept here")
    parser.add_argument("--set", action="append", default=[], help="settings override")
    parser.add_argument("--profile", choices=["embedder", "bm25"], default="embedder")
    args = parser.parse_args()
    settings = Settings().with_overrides(args.set)
    qrels = beir.load_qrels(args.dataset, "train")
    queries = {q: t for q, t in beir.load_queries(args.dataset).items() if q in qrels}
    profile = "bm25" if args.profile == "bm25" else settings.index.embedder
    with beir.corpus_library(beir.load_corpus(args.dataset), args.work_dir) as library:
        dense = beir.ensure_dense(library, settings) if profile != "bm25" else None
        collected = collect(library, dense, queries, settings)
        grid = FUSION_GRID if dense else ((10, 0.0),)
        results = [tune_fusion(library, dense, collected, settings, profile, qrels, k, w)
                   for k, w in grid]
    report(max(results, key=lambda r: r[0]))


def tune_fusion(library, dense, collected, settings, profile, qrels, k, dense_weight):
    weights = resolve(settings.index, profile) | {"fusion_k": k, "fusion_bm25": 1.0,
                                                  "fusion_dense": dense_weight}
    rows = featurise(library, dense, collected, weights, settings.index.rerank_depth, qrels)
    start = np.array([1.0 if f == "fused" else 0.0 for f in FEATURES])
    fused_only = ndcg10(rows, start)
    fitted = fit(rows, start)
    score = ndcg10(rows, fitted)
    cv = cross_validate(rows, start)
    shown = {n: round(float(w), 2) for n, w in zip(FEATURES, fitted, strict=True) if n in TUNED}
    print(f"k={k} dense={dense_weight}: fused {fused_only:.4f} rerank {score:.4f} (cv {cv:.4f}) "
          f"{shown}", flush=True)
    return cv, score, fused_only, k, dense_weight, fitted


def report(best) -> None:
    cv, score, fused_only, k, dense_weight, fitted = best
    entry = {"fusion_k": k, "fusion_bm25": 1.0, "fusion_dense": dense_weight} | {
        f"rerank_{name}": round(float(fitted[FEATURES.index(name)]), 2) for name in TUNED
    }
    print(json.dumps({"train_fused_ndcg@10": round(fused_only, 4),
                      "train_rerank_ndcg@10": round(score, 4),
                      "train_rerank_ndcg@10_5fold_cv": round(cv, 4),
                      "tuned": entry}, indent=2))


if __name__ == "__main__":
    main()
