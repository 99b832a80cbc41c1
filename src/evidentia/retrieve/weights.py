"""Fusion and rerank weights, tuned per retrieval profile on BEIR SciFact's TRAIN queries.

A profile is ``bm25`` (no dense index) or the name of the embedder in use: a weak embedder
(``minilm-static``) needs a lighter dense weight and more lexical evidence than a strong one.
A setting in ``index.*`` that is set wins over the tuned value; embedders without their own
entry (``hash``) use ``minilm-int8``'s.

Rebuild with (see that script for the grid and the 5-fold cross-validation)::

    .venv/bin/python training/tune_retrieval.py --work-dir /tmp/evalwork/int8 \
        --set index.embedder=minilm-int8          # or minilm-static, or --profile bm25
"""

from __future__ import annotations

from typing import Any

TUNED_KEYS = (
    "fusion_k", "fusion_bm25", "fusion_dense",
    "rerank_bm25", "rerank_dense", "rerank_fused", "rerank_title", "rerank_abstract",
)
PRIOR_KEYS = ("rerank_design", "rerank_sample", "rerank_recency", "rerank_species")

TUNED: dict[str, dict[str, float]] = {
    # SciFact train nDCG@10: hybrid+rerank 0.7453 (5-fold CV 0.7448); hybrid alone 0.7142
    "minilm-int8": {
        "fusion_k": 10, "fusion_bm25": 1.0, "fusion_dense": 1.25,
        "rerank_bm25": 0.75, "rerank_dense": 0.1, "rerank_fused": 1.0,
        "rerank_title": 0.2, "rerank_abstract": 0.0,
    },
    # train: hybrid+rerank 0.7238 (CV 0.7215); hybrid alone 0.6114 (the static vectors are weak)
    "minilm-static": {
        "fusion_k": 10, "fusion_bm25": 1.0, "fusion_dense": 1.25,
        "rerank_bm25": 3.0, "rerank_dense": 0.2, "rerank_fused": 1.0,
        "rerank_title": 1.5, "rerank_abstract": 1.0,
    },
    # train: BM25 0.7087, BM25+rerank 0.7129 (CV 0.7088: the term features neither help nor hurt)
    "bm25": {
        "fusion_k": 10, "fusion_bm25": 1.0, "fusion_dense": 0.0,
        "rerank_bm25": 0.0, "rerank_dense": 0.0, "rerank_fused": 1.0,
        "rerank_title": 0.3, "rerank_abstract": 0.2,
    },
}
FALLBACK_PROFILE = "minilm-int8"


def resolve(index_settings: Any, profile: str) -> dict[str, float]:
    """Every fusion and rerank weight: the setting when set, else the profile's tuned value."""
    tuned = TUNED.get(profile, TUNED[FALLBACK_PROFILE])
    chosen = {}
    for key in TUNED_KEYS:
        value = getattr(index_settings, key)
        chosen[key] = float(tuned[key] if value is None else value)
    for key in PRIOR_KEYS:
        chosen[key] = float(getattr(index_settings, key))
    return chosen


def rerank_weights(chosen: dict[str, float]) -> dict[str, float]:
    """``{"bm25": ..., "title": ..., "design": ...}`` for :func:`.rerank.rerank`."""
    return {key.removeprefix("rerank_"): value for key, value in chosen.items()
            if key.startswith("rerank_")}
