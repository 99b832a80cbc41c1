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
from ..errors import ConfigError
from ..models import Filters, Hit, Paper, QueryAnalysis, StudyFacts
from .bm25 import prune_common_terms
from .fusion import reciprocal_rank_fusion
from .rerank import Candidate, rerank
from .weights import rerank_weights, resolve

NO_INDEX_NOTICE = "no embedding index: BM25 only; run `evidentia index` to build one"
EMPTY_LIBRARY_NOTICE = "the library is empty: add records with `evidentia add` first"


def search(
    library: Any, query: QueryAnalysis, settings: Settings, filters: Filters, *,
    embedder: Any = None, k: int | None = None, facts_version: str | None = None,
) -> tuple[list[Hit], list[str]]:
    """The top ``k`` (default ``settings.retrieve.k``) hits with their papers, and notices.

    ``embedder`` overrides ``settings.index.embedder`` (tests pass the hash embedder);
    ``facts_version`` names the analyser version whose cached facts the rerank reads (default:
    the current one); papers never analysed are reranked on their metadata alone.
    """
    k = k or settings.retrieve.k
    notices: list[str] = []
    mode, dense = _plan(library, settings, embedder, notices)
    runs: dict[str, list[tuple[str, float]]] = {}
    if mode in ("bm25", "hybrid"):
        runs["bm25"] = _bm25_run(library, query, settings, filters, k)
    vector = dense.embedder.embed_query(query.question) if dense is not None else None
    if mode in ("dense", "hybrid") and dense is not None:
        runs["dense"] = dense.search(vector, max(k, settings.index.dense_candidates))
    weights = resolve(settings.index, dense.embedder.name if "dense" in runs else "bm25")
    need = max(k, settings.index.rerank_depth) if settings.index.rerank else k
    candidates = keep_passing(library, fuse_runs(runs, weights), filters, need)
    if settings.index.rerank:
        context = _RerankContext(library, dense, vector, facts_version)
        candidates = _rerank(context, query, settings.index.rerank_depth, weights, candidates)
    return to_hits(candidates[:k]), notices


# --------------------------------------------------------------------------- planning


def _plan(
    library: Any, settings: Settings, embedder: Any, notices: list[str]
) -> tuple[str, Any]:
    """The mode to run and the dense index (None when BM25 alone)."""
    mode = settings.index.mode
    if mode == "bm25":
        return mode, None
    try:
        dense = open_dense_index(library, settings, embedder)
    except ConfigError as error:  # the embedder's artifact is missing: say so, search anyway
        if mode != "auto":
            raise
        notices.append(f"{error}; BM25 only")
        return "bm25", None
    if dense is None:
        notices.append(_no_index_notice(library, settings, embedder))
        return "bm25", None
    return ("hybrid" if mode == "auto" else mode), dense


def _no_index_notice(library: Any, settings: Settings, embedder: Any) -> str:
    """Why the search is BM25 only, in words that are true of this library: it is empty; this
    embedder's index holds no paper yet; other embedders have one; or there is none at all."""
    from ..index.dense import index_folder

    if _is_empty(library):
        return EMPTY_LIBRARY_NOTICE
    folder = index_folder(getattr(library, "path", "") or "")
    built = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    if not built:
        return NO_INDEX_NOTICE
    name = embedder.name if embedder is not None else settings.index.embedder
    if _embedder_key(settings, embedder) in built:  # built while the library was empty
        return (f"the embedding index for the embedder {name!r} holds none of the library's "
                "papers yet: BM25 only; run `evidentia index` to embed them")
    return (f"no embedding index for the embedder {name!r} (built: {', '.join(built)}): "
            "BM25 only; run `evidentia index` to build one, or set index.embedder")


def _is_empty(library: Any) -> bool:
    count = getattr(library, "count", None)
    return count is not None and count() == 0


def _embedder_key(settings: Settings, embedder: Any) -> str:
    """The folder name of the embedder's index (it is installed: the index was opened)."""
    from ..index.embedders import get_embedder

    return (embedder or get_embedder(settings.index.embedder)).key


def open_dense_index(library: Any, settings: Settings, embedder: Any = None) -> Any:
    """The library's dense index for the configured embedder, or None when none is built."""
    from ..index.dense import DenseIndex, index_folder
    from ..index.embedders import get_embedder

    path = getattr(library, "path", None)
    if path is None or not index_folder(path).is_dir():
        return None
    embedder = embedder or get_embedder(settings.index.embedder)
    dense = DenseIndex.shared(
        path, embedder, exact_max=settings.index.exact_max, hnsw_m=settings.index.hnsw_m,
        ef_search=settings.index.hnsw_ef_search, chunk=settings.index.embed_chunk,
    )
    return dense if dense.exists() else None


# --------------------------------------------------------------------------- retrievers


def _bm25_run(
    library: Any, query: QueryAnalysis, settings: Settings, filters: Filters, k: int
) -> list[tuple[str, float]]:
    """BM25 ids and scores, filtered in SQL: ``bm25_search`` without reading every paper."""
    weights = (
        settings.retrieve.title_weight,
        settings.retrieve.abstract_weight,
        settings.retrieve.terms_weight,
    )
    fts_query = prune_common_terms(library, query.fts_query, settings.retrieve.max_term_share,
                                   settings.retrieve.max_posting_share)
    return library.bm25(
        fts_query, limit=max(k, settings.retrieve.candidates), weights=weights,
        year_min=filters.year_min, year_max=filters.year_max,
        include_retracted=filters.include_retracted,
    )


def keep_passing(
    library: Any, candidates: list[Candidate], filters: Filters, need: int
) -> list[Candidate]:
    """The first ``need`` candidates that exist and pass the year and retraction filters.

    Papers are read in fused order, a little more than needed at a time, so a search reads
    about ``need`` papers however many candidates the retrievers gave.
    """
    kept: list[Candidate] = []
    start, size = 0, need + need // 10 + 5
    while start < len(candidates) and len(kept) < need:
        chunk = candidates[start : start + size]
        papers = library.get_many([candidate.paper_id for candidate in chunk])
        for candidate in chunk:
            candidate.paper = papers.get(candidate.paper_id)
            if candidate.paper is not None and passes_sql_filters(candidate.paper, filters):
                kept.append(candidate)
        start, size = start + size, max(size // 2, 20)
    return kept[:need]


def passes_sql_filters(paper: Paper, filters: Filters) -> bool:
    """The filters BM25 applies in SQL (years, retractions), applied to a dense candidate."""
    if paper.retracted and not filters.include_retracted:
        return False
    if filters.year_min is not None and (paper.year is None or paper.year < filters.year_min):
        return False
    return filters.year_max is None or (paper.year is not None and paper.year <= filters.year_max)


# --------------------------------------------------------------------------- fusion, rerank


def fuse_runs(runs: dict[str, list[tuple[str, float]]], weights: dict[str, float]) -> list[Candidate]:
    """One run passes through; two are fused by weighted reciprocal rank, keeping each run's
    score for the rerank. Shared with the Milvus backend."""
    if len(runs) == 1:
        (name, ranked), = runs.items()
        return [Candidate(pid, None, {name: score, "fused": score}) for pid, score in ranked]
    fused = reciprocal_rank_fusion(
        runs, k=weights["fusion_k"],
        weights={"bm25": weights["fusion_bm25"], "dense": weights["fusion_dense"]},
    )
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
    facts_version: str | None


def _rerank(
    ctx: _RerankContext, query: QueryAnalysis, depth: int, weights: dict[str, float],
    candidates: list[Candidate],
) -> list[Candidate]:
    head = candidates[:depth]
    if not head:
        return candidates
    _fill_dense_scores(ctx.dense, ctx.vector, head)
    facts = cached_facts(ctx.library, [c.paper_id for c in head], ctx.facts_version)
    for candidate in head:
        candidate.facts = facts.get(candidate.paper_id)
    return rerank_candidates(query, depth, weights, candidates)


def rerank_candidates(
    query: QueryAnalysis, depth: int, weights: dict[str, float], candidates: list[Candidate]
) -> list[Candidate]:
    """The first ``depth`` candidates reranked on their features (papers, facts and dense
    scores already attached), the rest after them in fused order. Shared with the Milvus backend."""
    head, tail = candidates[:depth], candidates[depth:]
    if not head:
        return candidates
    ranked = rerank(head, query, rerank_weights(weights), this_year=datetime.date.today().year)
    for candidate, score, _ in ranked:
        candidate.scores["rerank"] = score
    return [candidate for candidate, _, _ in ranked] + tail


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


def cached_facts(library: Any, ids: list[str], version: str | None) -> dict[str, StudyFacts]:
    """Facts cached by the analyser (current version unless told); never analyses anything."""
    if not hasattr(library, "get_facts"):
        return {}
    if version is None:
        from ..analyse import ANALYSER_VERSION

        version = ANALYSER_VERSION
    return library.get_facts(ids, version)


def to_hits(candidates: list[Candidate]) -> list[Hit]:
    """Ranked hits: the rerank score when there is one, else the fused score."""
    return [
        Hit(
            paper_id=c.paper_id, rank=rank, score=c.scores.get("rerank", c.scores["fused"]),
            scores=dict(c.scores), paper=c.paper,
        )
        for rank, c in enumerate(candidates, start=1)
    ]
