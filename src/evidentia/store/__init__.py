"""The library store: one SQLite file (papers, FTS5 index, cached analyses, fetch cache).

``Library`` is the only way in; ``schema`` holds the numbered migrations and ``writer`` the
batch matching and merging rules.
"""

from __future__ import annotations

from .library import Library

__all__ = ["Library"]
