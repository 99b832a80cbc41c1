"""Hybrid retrieval: BM25 and dense candidates, reciprocal-rank fusion, feature rerank.

    hits, notices = search(library, query, settings, filters)

Stages follow ``settings.index``: ``mode`` picks the retrievers (``auto`` is hybrid when the
library has a dense index for the configured embedder, else BM25 with a notice saying how to
build one), ``rerank`` switches the rerank. Each stage can so be measured alone
(``evidentia.evaluate.beir``).

Filters: year and retraction filters apply to both retrievers (in SQL for BM25, on the papers
for dense candidates); design, sample size and species filters are the pipeline's, after
analysis, as for BM25 alone.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..models import Filters, Hit, Paper, QueryAnalysis, StudyFacts
from .bm25 import bm25_search
from .fusion import reciprocal_rank_fusion
from .rerank import Candidate, rerank

NO_INDEX_NOTICE = "no embedding index: BM25 only; run `evidentia index` to build one"


def search(
    library: Any, query: QueryAnalysis, settings: Settings, filters: Filters, *,
    embedder: Any = None, k: int | None = None, facts_version: str | None = None,
) -> tuple[list[Hit], list[str]]:
    """The top ``k`` (default ``settings.retrieve.k``) hits with their papers, and notices.

    ``embedder`` overrides ``settings.index.embedder`` (tests pass the hash embedder);
    ``facts_version`` names the analyser version whose cached facts the rerank may read.
    """
    k = k or settings.retrieve.k
    notices: list[str] = []
    mode, dense = _plan(library, settings, embedder, notices)
    depth = max(k, settings.retrieve.candidates)
    runs: dict[str, list[tuple[str, float]]] = {}
    papers: dict[str, Paper] = {}
    if mode in ("bm25", "hybrid"):
        runs["bm25"] = _bm25_run(library, query, settings, filters, depth, papers)
    vector = dense.embedder.embed_query(query.question) if dense is not None else None
    if mode in ("dense", "hybrid") and dense is not None:
        runs["dense"] = _dense_run(library, dense, vector, settings, filters, papers)
    candidates = _fuse(runs, settings)
    if settings.index.rerank:
        context = _RerankContext(library, dense, vector, papers, facts_version)
        candidates = _rerank(context, query, settings, candidates)
    return _hits(library, candidates[:k], papers), notices


# --------------------------------------------------------------------------- planning


def _plan(
    library: Any, settings: Settings, embedder: Any, notices: list[str]
) -> tuple[str, Any]:
    """The mode to run and the dense index (None when BM25 alone)."""
    mode = settings.index.mode
    if mode == "bm25":
        return mode, None
    dense = open_dense_index(library, settings, embedder)
    if dense is None:
        notices.append(NO_INDEX_NOTICE)
        return "bm25", None
    return ("hybrid" if mode == "auto" else mode), dense


def open_dense_index(library: Any, settings: Settings, embedder: Any = None) -> Any:
    """The library's dense index for the configured embedder, or None when none is built."""
    from ..index.dense import DenseIndex, index_folder
    from ..index.embedders import get_embedder

    path = getattr(library, "path", None)
    if path is None or not index_folder(path).is_dir():
        return None
    embedder = embedder or get_embedder(settings.index.embedder)
    dense = DenseIndex.open(
        path, embedder, exact_max=settings.index.exact_max, hnsw_m=settings.index.hnsw_m,
        ef_search=settings.index.hnsw_ef_search, chunk=settings.index.embed_chunk,
    )
    return dense if dense.exists() else None


# --------------------------------------------------------------------------- retrievers


def _bm25_run(
    library: Any, query: QueryAnalysis, settings: Settings, filters: Filters, depth: int,
    papers: dict[str, Paper],
) -> list[tuple[str, float]]:
    weights = (
        settings.retrieve.title_weight,
        settings.retrieve.abstract_weight,
        settings.retrieve.terms_weight,
    )
    hits = bm25_search(
        library, query, k=depth, candidates=depth, weights=weights, filters=filters
    )
    papers.update({hit.paper_id: hit.paper for hit in hits if hit.paper is not None})
    return [(hit.paper_id, hit.score) for hit in hits]


def _dense_run(
    library: Any, dense: Any, vector: Any, settings: Settings, filters: Filters,
    papers: dict[str, Paper],
) -> list[tuple[str, float]]:
    found = dense.search(vector, settings.index.dense_candidates)
    missing = [paper_id for paper_id, _ in found if paper_id not in papers]
    papers.update(library.get_many(missing))
    return [
        (paper_id, score) for paper_id, score in found
        if paper_id in papers and passes_sql_filters(papers[paper_id], filters)
    ]


def passes_sql_filters(paper: Paper, filters: Filters) -> bool:
    """The filters BM25 applies in SQL (years, retractions), applied to a dense candidate."""
    if paper.retracted and not filters.include_retracted:
        return False
    if filters.year_min is not None and (paper.year is None or paper.year < filters.year_min):
        return False
    return filters.year_max is None or (paper.year is not None and paper.year <= filters.year_max)


# --------------------------------------------------------------------------- fusion, rerank


def _fuse(runs: dict[str, list[tuple[str, float]]], settings: Settings) -> list[Candidate]:
    if len(runs) == 1:
        (name, ranked), = runs.items()
        return [Candidate(pid, None, {name: score, "fused": score}) for pid, score in ranked]
    weights = {"bm25": settings.index.fusion_bm25, "dense": settings.index.fusion_dense}
    fused = reciprocal_rank_fusion(runs, k=settings.index.fusion_k, weights=weights)
    by_run = {name: dict(ranked) for name, ranked in runs.items()}
    return [
        Candidate(pid, None, {**{n: s[pid] for n, s in by_run.items() if pid in s}, "fused": score})
        for pid, score in fused
    ]


@dataclass
class _RerankContext:
    library: Any
    dense: Any
    vector: Any
    papers: dict[str, Paper]
    facts_version: str | None


def _rerank(
    ctx: _RerankContext, query: QueryAnalysis, settings: Settings, candidates: list[Candidate]
) -> list[Candidate]:
    head, tail = candidates[: settings.index.rerank_depth], candidates[settings.index.rerank_depth :]
    if not head:
        return candidates
    _fill_dense_scores(ctx.dense, ctx.vector, head)
    missing = [c.paper_id for c in head if c.paper_id not in ctx.papers]
    ctx.papers.update(ctx.library.get_many(missing))
    facts = _cached_facts(ctx.library, [c.paper_id for c in head], ctx.facts_version)
    for candidate in head:
        candidate.paper = ctx.papers.get(candidate.paper_id)
        candidate.facts = facts.get(candidate.paper_id)
    weights = rerank_weights(settings)
    this_year = datetime.date.today().year
    ranked = rerank(head, query, weights, this_year=this_year)
    for candidate, score, _ in ranked:
        candidate.scores["rerank"] = score
    return [candidate for candidate, _, _ in ranked] + tail


def rerank_weights(settings: Settings) -> dict[str, float]:
    index = settings.index
    return {
        "bm25": index.rerank_bm25, "dense": index.rerank_dense, "fused": index.rerank_fused,
        "title": index.rerank_title, "abstract": index.rerank_abstract,
        "design": index.rerank_design, "sample": index.rerank_sample,
        "recency": index.rerank_recency, "species": index.rerank_species,
    }


def _fill_dense_scores(dense: Any, vector: Any, head: list[Candidate]) -> None:
    """Exact cosines for candidates only BM25 found, so the dense feature covers them all."""
    if dense is None:
        return
    missing = [c.paper_id for c in head if "dense" not in c.scores]
    if missing:
        cosines = dense.scores_for(vector, missing)
        for candidate in head:
            if candidate.paper_id in cosines:
                candidate.scores["dense"] = cosines[candidate.paper_id]


def _cached_facts(library: Any, ids: list[str], version: str | None) -> dict[str, StudyFacts]:
    if not version or not hasattr(library, "get_facts"):
        return {}
    return library.get_facts(ids, version)


def _hits(library: Any, candidates: list[Candidate], papers: dict[str, Paper]) -> list[Hit]:
    missing = [c.paper_id for c in candidates if c.paper_id not in papers]
    if missing:
        papers.update(library.get_many(missing))
    return [
        Hit(
            paper_id=c.paper_id, rank=rank, score=c.scores.get("rerank", c.scores["fused"]),
            scores=dict(c.scores), paper=papers.get(c.paper_id),
        )
        for rank, c in enumerate((c for c in candidates if c.paper_id in papers), start=1)
    ]
