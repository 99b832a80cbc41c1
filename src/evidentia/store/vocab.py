"""Document frequencies of query phrases, read from the FTS5 index itself.

A question's terms are ORed together, and FTS5 scores every document that matches any of them:
a word found in most abstracts ("patients", "effect") makes the query touch most of the library
while adding almost nothing to the ranking (its IDF is near zero). Knowing each phrase's document
frequency lets retrieval leave such words out of the MATCH expression.

Phrases are tokenised exactly as the index tokenises text, by an in-memory FTS5 table with the
same tokenizer, so the stemmed tokens can be looked up in an ``fts5vocab`` table over the index.
"""

from __future__ import annotations

import sqlite3

from .schema import FTS_TOKENIZER

# phrase -> its index tokens: depends on the tokenizer alone, so one table serves every
# connection; bounded, emptied when full (queries repeat words far more often than that).
_TOKENS: dict[str, tuple[str, ...]] = {}
MAX_CACHED_PHRASES = 20_000


class PhraseFrequencies:
    """``doc_counts(phrases)`` and ``paper_count()`` on one library connection, as of its creation.

    The counts are cached: the library drops this object when its content changes.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._conn.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.papers_vocab USING fts5vocab(main, papers_fts, row)"
        )
        self._tokens = sqlite3.connect(":memory:")
        self._tokens.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{FTS_TOKENIZER}')")
        self._tokens.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
        self._cache: dict[str, int] = {}
        self._papers: int | None = None

    def paper_count(self) -> int:
        if self._papers is None:
            self._papers = int(self._conn.execute("SELECT count(*) FROM papers").fetchone()[0])
        return self._papers

    def doc_counts(self, phrases: list[str]) -> dict[str, int]:
        """An upper bound of the documents containing each phrase (its rarest token's count)."""
        return {phrase: self._doc_count(phrase) for phrase in phrases}

    def _doc_count(self, phrase: str) -> int:
        tokens = self._tokenise(phrase)
        counts = [self._token_count(token) for token in tokens]
        return min(counts) if counts else 0

    def _token_count(self, token: str) -> int:
        if token not in self._cache:
            row = self._conn.execute("SELECT doc FROM temp.papers_vocab WHERE term = ?", (token,)).fetchone()
            self._cache[token] = int(row[0]) if row else 0
        return self._cache[token]

    def _tokenise(self, phrase: str) -> tuple[str, ...]:
        tokens = _TOKENS.get(phrase)
        if tokens is None:
            if len(_TOKENS) >= MAX_CACHED_PHRASES:
                _TOKENS.clear()
            tokens = _TOKENS[phrase] = tuple(self._tokenise_now(phrase))
        return tokens

    def _tokenise_now(self, phrase: str) -> list[str]:
        with self._tokens:
            self._tokens.execute("INSERT INTO t(x) VALUES (?)", (phrase,))
            tokens = [row[0] for row in self._tokens.execute("SELECT term FROM v ORDER BY offset")]
            self._tokens.execute("DELETE FROM t")
        return tokens

    def close(self) -> None:
        self._tokens.close()
