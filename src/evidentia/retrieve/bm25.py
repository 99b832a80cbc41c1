"""BM25 retrieval over the library's FTS5 index.

Year filters and the exclusion of retracted papers run in SQL, before ranking. Filters that need
an analysis of the abstract (study design, minimum sample size, human or animal) cannot: the
pipeline applies them after analysing the candidates, which is why callers ask for more
``candidates`` than the ``k`` they will show when such filters are set.
"""

from __future__ import annotations

import re

from ..models import Filters, Hit, QueryAnalysis
from ..store.library import Library

DEFAULT_WEIGHTS: tuple[float, float, float] = (3.0, 1.0, 1.5)  # title, abstract, terms
PHRASE = re.compile(r'"((?:[^"]|"")*)"')
MIN_LIBRARY_FOR_PRUNING = 20_000  # below this, matching everything is cheap: keep every term


def prune_common_terms(library: Library, fts_query: str, max_share: float) -> str:
    """Leave out phrases found in more than ``max_share`` of the library (the rarest one stays).

    Such words carry almost no BM25 weight but make FTS5 score most of the library; dropping
    them from the MATCH expression is what keeps a query fast at a million papers.
    """
    phrases = [match.replace('""', '"') for match in PHRASE.findall(fts_query)]
    if max_share >= 1 or len(phrases) < 2:
        return fts_query
    total = library.indexed_count()
    if total < MIN_LIBRARY_FOR_PRUNING:
        return fts_query
    counts = library.phrase_doc_counts(phrases)
    kept = [phrase for phrase in phrases if counts[phrase] <= max_share * total]
    if not kept:
        kept = [min(phrases, key=lambda phrase: (counts[phrase], phrase))]
    return " OR ".join('"' + phrase.replace('"', '""') + '"' for phrase in kept)


def bm25_search(
    library: Library, query: QueryAnalysis, *, k: int, candidates: int | None = None,
    weights: tuple[float, float, float] = DEFAULT_WEIGHTS, filters: Filters | None = None,
    max_term_share: float = 1.0,
) -> list[Hit]:
    """The best ``k`` papers for the query by BM25, ranks 1.., each with its ``Paper``.

    ``candidates`` is part of the retrievers' shared signature (a fused retriever reads that
    many from each source); here every filter runs in SQL, so the top ``k`` are returned. A
    query with no searchable terms (``fts_query == ""``) returns ``[]``. Ties go by paper id.
    ``filters``: ``year_min``/``year_max`` (papers without a year are left out when either is
    set) and ``include_retracted`` apply here; ``designs``, ``min_sample_size`` and ``species``
    are applied by the pipeline after analysis.
    """
    filters = filters or Filters()
    fts_query = prune_common_terms(library, query.fts_query, max_term_share)
    scored = library.bm25(
        fts_query, limit=max(k, 0), weights=weights, year_min=filters.year_min,
        year_max=filters.year_max, include_retracted=filters.include_retracted,
    )
    papers = library.get_many(paper_id for paper_id, _ in scored)
    return [
        Hit(paper_id=paper_id, rank=rank, score=score, scores={"bm25": score},
            paper=papers.get(paper_id))
        for rank, (paper_id, score) in enumerate(scored, start=1)
    ]
