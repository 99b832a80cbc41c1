"""The search-backend seam: the embedded library (default) or a Milvus collection.

    found = search_backend(library, query, settings, filters, k=20)
    found.hits, found.notices, found.facts          # facts: {} unless the backend stores them

``backend.name`` picks the implementation:

* ``embedded``: :func:`evidentia.retrieve.hybrid.search` over the SQLite library (FTS5 BM25)
  and its faiss index; facts come from the library's analysis cache, as before.
* ``milvus``: the same stages over a Milvus collection loaded by ``evidentia bulk load``:
  BM25 (a Milvus BM25 function) and dense candidates, filtered in Milvus on the scalar fields,
  fused by the same weighted reciprocal rank (``backend.fusion = "client"``) or by Milvus's
  ``RRFRanker`` (``"server"``), then the same feature rerank. Papers and facts come from the
  collection; facts of an older analyser version are left out, like stale cache entries, and
  the pipeline analyses those hits afresh.

Both return ``Hit`` objects with their ``Paper``, so everything after retrieval (analysis,
stance, synthesis, rendering) is shared: the same hits give the same report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings
from ..models import (
    Filters,
    Hit,
    Paper,
    QueryAnalysis,
    StudyFacts,
    normalise_doi,
    normalise_pmid,
)
from .hybrid import cached_facts, fuse_runs, rerank_candidates, to_hits
from .hybrid import search as hybrid_search
from .rerank import Candidate
from .weights import resolve

MILVUS_LIVE_NOTICE = "Milvus backend: live sources are not searched; the collection is the corpus"


@dataclass
class BackendResult:
    """Ranked hits (each with its paper), notices for the user, and facts the backend holds.

    ``facts`` holds the hits' stored facts of the current analyser version; the pipeline
    analyses the hits it lacks (as it does for papers the library's cache lacks).
    """

    hits: list[Hit]
    notices: list[str] = field(default_factory=list)
    facts: dict[str, StudyFacts] = field(default_factory=dict)


def search_backend(
    library: Any, query: QueryAnalysis, settings: Settings, filters: Filters, *,
    k: int | None = None,
) -> BackendResult:
    """The top ``k`` hits from the backend ``settings.backend.name`` names."""
    if settings.backend.name == "milvus":
        return milvus_search(query, settings, filters, k=k or settings.retrieve.k)
    hits, notices = hybrid_search(library, query, settings, filters, k=k)
    return BackendResult(hits, notices)


def uses_remote_backend(settings: Settings) -> bool:
    """True when searches do not read the local library (live sources would land unseen)."""
    return settings.backend.name != "embedded"


# --------------------------------------------------------------------------- papers by id


@dataclass
class PaperLookup:
    """Papers by id, and the facts of the current analyser version the backend holds for them."""

    papers: dict[str, Paper]
    facts: dict[str, StudyFacts] = field(default_factory=dict)


def get_papers(library: Any, ids: Iterable[str], settings: Settings) -> PaperLookup:
    """The papers (and stored facts) among ``ids``, from wherever the backend keeps them.

    Embedded: the library. Milvus: the collection (the papers live there), then the library
    for ids the collection lacks; facts from the collection when current, else the library's
    analysis cache. Ids that exist nowhere are left out; order follows ``ids``.
    """
    wanted = list(dict.fromkeys(ids))
    found = PaperLookup({}, {})
    if settings.backend.name == "milvus" and wanted:
        stored = open_milvus(settings).fetch(wanted)
        found = PaperLookup({pid: row.paper for pid, row in stored.items()}, _current_facts(stored))
    rest = [pid for pid in wanted if pid not in found.papers]
    if library is not None and rest:
        found.papers.update(library.get_many(rest))
    uncached = [pid for pid in found.papers if pid not in found.facts]
    if library is not None and uncached:
        found.facts.update(cached_facts(library, uncached, None))
    return PaperLookup({pid: found.papers[pid] for pid in wanted if pid in found.papers}, found.facts)


def resolve_paper(library: Any, ref: str, settings: Settings) -> str | None:
    """The id of the paper ``ref`` names (an id, a PMID or a DOI in any usual form), or None."""
    if library is not None and (paper_id := library.resolve(ref)):
        return paper_id
    if settings.backend.name != "milvus":
        return None
    ref = (ref or "").strip()
    pmid, doi = normalise_pmid(ref), normalise_doi(ref)
    tries = [ref, *([f"pmid:{pmid}"] if pmid else []), *([f"doi:{doi}"] if doi else [])]
    stored = open_milvus(settings).fetch(pid for pid in tries if pid)
    return next(iter(stored), None)


# --------------------------------------------------------------------------- milvus


def open_milvus(settings: Settings) -> Any:
    from ..index.milvus import open_index

    backend = settings.backend
    return open_index(backend.milvus_uri, backend.collection, backend.milvus_token,
                      backend.timeout_s)


def milvus_search(
    query: QueryAnalysis, settings: Settings, filters: Filters, *, k: int
) -> BackendResult:
    """Hybrid search over the Milvus collection, mirroring the embedded backend's stages."""
    from ..index.milvus import filter_expression

    index = open_milvus(settings)
    embedder = collection_embedder(index)
    vector = embedder.embed_query(query.question)
    weights = resolve(settings.index, "bm25" if settings.index.mode == "bm25" else embedder.name)
    runs = _milvus_runs(index, query, vector, settings, filter_expression(filters), k, weights)
    need = max(k, settings.index.rerank_depth) if settings.index.rerank else k
    candidates = fuse_runs(runs, weights)[:need]
    stored = index.fetch([c.paper_id for c in candidates], vectors=settings.index.rerank)
    current = _current_facts(stored)
    candidates = _attach(candidates, stored, current)
    if settings.index.rerank:
        _fill_dense_scores(candidates[: settings.index.rerank_depth], stored, vector)
        candidates = rerank_candidates(query, settings.index.rerank_depth, weights, candidates)
    hits = to_hits(candidates[:k])
    return BackendResult(hits, [], {hit.paper_id: current[hit.paper_id] for hit in hits
                                    if hit.paper_id in current})


def collection_embedder(index: Any) -> Any:
    """The embedder the collection's vectors were made with; ConfigError when it changed."""
    from ..errors import ConfigError
    from ..index.embedders import get_embedder

    meta = index.meta()
    embedder = get_embedder(meta["embedder_name"])
    if embedder.key != meta["embedder"]:
        raise ConfigError(
            f"the Milvus collection was embedded with {meta['embedder']}, but the installed "
            f"embedder is {embedder.key}",
            hint="rebuild with `evidentia bulk build` and `evidentia bulk load`",
        )
    return embedder


def _milvus_runs(
    index: Any, query: QueryAnalysis, vector: Any, settings: Settings, expr: str, k: int,
    weights: dict[str, float],
) -> dict[str, list[tuple[str, float]]]:
    from ..index.milvus import query_text, shared_analyser

    mode = settings.index.mode
    text = query_text(shared_analyser(), query.fts_query)
    bm25_depth = max(k, settings.retrieve.candidates)
    dense_depth = max(k, settings.index.dense_candidates)
    if settings.backend.fusion == "server" and mode in ("auto", "hybrid"):
        depth = max(bm25_depth, dense_depth)
        return {"fused": index.hybrid_search(text, vector, depth, expr, rrf_k=weights["fusion_k"])}
    runs: dict[str, list[tuple[str, float]]] = {}
    if mode != "dense":
        runs["bm25"] = index.bm25_search(text, bm25_depth, expr)
    if mode != "bm25":
        runs["dense"] = index.dense_search(vector, dense_depth, expr)
    return runs


def _attach(
    candidates: list[Candidate], stored: dict[str, Any], facts: dict[str, StudyFacts]
) -> list[Candidate]:
    """The candidates Milvus returned rows for, each with its paper and (current) facts."""
    kept = [c for c in candidates if c.paper_id in stored]
    for candidate in kept:
        candidate.paper = stored[candidate.paper_id].paper
        candidate.facts = facts.get(candidate.paper_id)
    return kept


def _current_facts(stored: dict[str, Any]) -> dict[str, StudyFacts]:
    """Stored facts made by the current analyser version (what the embedded cache would hold)."""
    from ..analyse import ANALYSER_VERSION

    return {
        paper_id: row.facts for paper_id, row in stored.items()
        if row.facts is not None and row.facts.analyser_version == ANALYSER_VERSION
    }


def _fill_dense_scores(head: list[Candidate], stored: dict[str, Any], vector: Any) -> None:
    """Exact cosines for candidates only BM25 found (the stored vectors are unit length)."""
    import numpy as np

    query = np.asarray(vector, dtype=np.float32)
    for candidate in head:
        row = stored.get(candidate.paper_id)
        if "dense" not in candidate.scores and row is not None and row.vector is not None:
            candidate.scores["dense"] = float(row.vector @ query)
