"""Retrieval: a question becomes a query analysis, then ranked hits from the library.

``analyse_query`` (terms, a safe FTS5 expression, yes/no flag, PICO hints) and ``bm25_search``
(FTS5 BM25 with year and retraction filters in SQL) are the v1 retrievers; dense retrieval,
fusion and reranking plug in beside them.
"""

from __future__ import annotations

from .bm25 import bm25_search
from .query import analyse_query

__all__ = ["analyse_query", "bm25_search"]
