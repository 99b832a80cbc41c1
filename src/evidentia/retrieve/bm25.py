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
MIN_KEPT_PHRASES = 2  # the posting budget never leaves a question with fewer phrases than this


def prune_common_terms(
    library: Library, fts_query: str, max_share: float, max_posting_share: float = 0.0,
) -> str:
    """Leave out phrases found in more than ``max_share`` of the library (the rarest one stays),
    then the most common of the rest until their document counts add up to at most
    ``max_posting_share`` times the library's size (the two rarest always stay; 0: no budget).

    Such words carry little BM25 weight but make FTS5 score a large part of the library: FTS5's
    time grows with the postings it reads, so the budget bounds a query's time at a million
    papers. Both apply only to libraries of :data:`MIN_LIBRARY_FOR_PRUNING` papers or more.
    """
    phrases = [match.replace('""', '"') for match in PHRASE.findall(fts_query)]
    if (max_share >= 1 and max_posting_share <= 0) or len(phrases) < 2:
        return fts_query
    total = library.indexed_count()
    if total < MIN_LIBRARY_FOR_PRUNING:
        return fts_query
    counts = library.phrase_doc_counts(phrases)
    kept = [phrase for phrase in phrases if counts[phrase] <= max_share * total]
    if not kept:
        kept = [min(phrases, key=lambda phrase: (counts[phrase], phrase))]
    if max_posting_share > 0:
        within = rarest_within_budget(kept, counts, max_posting_share * total)
        kept = [phrase for phrase in kept if phrase in within]
    return " OR ".join('"' + phrase.replace('"', '""') + '"' for phrase in kept)


def rarest_within_budget(phrases: list[str], counts: dict[str, int], budget: float) -> set[str]:
    """The rarest phrases whose document counts add up to at most ``budget``, and at least the
    :data:`MIN_KEPT_PHRASES` rarest whatever their counts (ties go by the phrase)."""
    kept: set[str] = set()
    postings = 0
    for phrase in sorted(phrases, key=lambda phrase: (counts[phrase], phrase)):
        if len(kept) >= MIN_KEPT_PHRASES and postings + counts[phrase] > budget:
            break
        kept.add(phrase)
        postings += counts[phrase]
    return kept


def bm25_search(
    library: Library, query: QueryAnalysis, *, k: int, candidates: int | None = None,
    weights: tuple[float, float, float] = DEFAULT_WEIGHTS, filters: Filters | None = None,
    max_term_share: float = 1.0, max_posting_share: float = 0.0,
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
    fts_query = prune_common_terms(library, query.fts_query, max_term_share, max_posting_share)
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
