"""Reciprocal-rank fusion (Cormack et al., 2009) of ranked lists.

    fused = reciprocal_rank_fusion({"bm25": bm25_hits, "dense": dense_hits}, k=60,
                                   weights={"bm25": 1.0, "dense": 1.0})

Each list is ``[(paper_id, score), ...]`` best first. A paper's fused score is
``sum(weight / (k + rank))`` over the lists it appears in (rank 1-based); lists it is missing
from add nothing. Ranks, not raw scores, are combined, so BM25's unbounded scores and cosine
similarities need no calibration. Ties are broken by paper id, so the order is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Ranked = Sequence[tuple[str, float]]


def reciprocal_rank_fusion(
    runs: Mapping[str, Ranked], *, k: float = 60.0, weights: Mapping[str, float] | None = None
) -> list[tuple[str, float]]:
    """(paper id, fused score), best first."""
    fused: dict[str, float] = {}
    for name, ranked in runs.items():
        weight = 1.0 if weights is None else weights.get(name, 1.0)
        if weight == 0:
            continue
        for rank, (paper_id, _) in enumerate(_unique(ranked), start=1):
            fused[paper_id] = fused.get(paper_id, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def _unique(ranked: Ranked) -> list[tuple[str, float]]:
    """First occurrence of each paper (a list may name a paper twice)."""
    seen: set[str] = set()
    out = []
    for paper_id, score in ranked:
        if paper_id not in seen:
            seen.add(paper_id)
            out.append((paper_id, score))
    return out
