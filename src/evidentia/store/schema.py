"""The library's SQLite schema as numbered migrations.

``MIGRATIONS[i]`` takes a database from version ``i`` to ``i + 1``; ``PRAGMA user_version`` holds
the version a file is at. A migration is only ever appended, never edited: a file written by an
older evidentia is brought up to date on open, and a file from a newer one is refused.

Design notes (version 1):

* Small columns come first: a search reads ``id``, ``year`` and ``retracted`` of every matching
  row, and SQLite then never has to walk a long abstract's overflow pages to reach them.
* ``papers.rid`` is an ``INTEGER PRIMARY KEY`` so the FTS5 index can use it as a stable rowid
  (an implicit rowid may change on ``VACUUM``); ``papers.id`` is the public key (``pmid:1``...),
  ``NOT NULL UNIQUE``.
* ``papers_fts`` is an *external content* FTS5 table over ``papers(title, abstract, terms)``, so
  the text is stored once. ``terms`` holds MeSH terms, keywords and publication types joined by
  ``"; "``. The batch writer keeps the index in step with one ``INSERT ... SELECT`` per batch
  rather than per-row triggers: FTS5 flushes its pending terms at every statement savepoint, so
  a trigger per row wrote one tiny segment per paper and indexed 3x slower.
  ``Library.check_index()`` verifies index and content agree.
* Tokenizer ``porter unicode61 remove_diacritics 2``: diacritics folded (``Sjögren`` =
  ``Sjogren``) and English stemming (``fractures`` = ``fracture``), which raised nDCG@10 on BEIR
  SciFact. Hyphens stay separators (no ``tokenchars '-'``): ``COVID-19``, ``COVID 19``,
  ``anti-inflammatory`` and ``anti inflammatory`` then index alike, and a quoted query phrase
  ``"covid-19"`` still requires the parts to be adjacent.
* ``analyses`` caches ``StudyFacts`` per paper and analyser version, with the paper's content hash
  at analysis time; rows are deleted when the paper's content changes or it is deleted.
* ``fetches`` caches which papers a live-source query returned, and when.
"""

from __future__ import annotations

import sqlite3

FTS_TOKENIZER = "porter unicode61 remove_diacritics 2"

_V1 = f"""
CREATE TABLE papers (
    rid          INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    pmid         TEXT UNIQUE,
    doi          TEXT UNIQUE,
    ext_id       TEXT,
    source       TEXT,
    fingerprint  TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    year         INTEGER,
    retracted    INTEGER NOT NULL DEFAULT 0,
    journal      TEXT,
    added_at     INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    title        TEXT NOT NULL DEFAULT '',
    abstract     TEXT NOT NULL DEFAULT '',
    terms        TEXT NOT NULL DEFAULT '',
    json         TEXT NOT NULL
);
CREATE INDEX papers_ext ON papers(ext_id, source) WHERE ext_id IS NOT NULL;
CREATE INDEX papers_fingerprint ON papers(fingerprint);
CREATE INDEX papers_year ON papers(year);
-- Covers what a search reads of each matching row (bm25() joins on rid), so ranking never
-- touches the wide rows; Library.bm25 names it with INDEXED BY.
CREATE INDEX papers_search ON papers(rid, retracted, year, id);

CREATE VIRTUAL TABLE papers_fts USING fts5(
    title, abstract, terms,
    content='papers', content_rowid='rid',
    tokenize='{FTS_TOKENIZER}'
);
CREATE TABLE analyses (
    paper_id         TEXT NOT NULL REFERENCES papers(id) ON DELETE CASCADE,
    analyser_version TEXT NOT NULL,
    content_hash     TEXT NOT NULL,
    facts_json       TEXT NOT NULL,
    PRIMARY KEY (paper_id, analyser_version)
) WITHOUT ROWID;

CREATE TABLE fetches (
    key        TEXT PRIMARY KEY,
    fetched_at REAL NOT NULL,
    paper_ids  TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('format', 'evidentia-library');
"""

MIGRATIONS: list[str] = [_V1]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def user_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return [name for (name,) in rows if not name.startswith("sqlite_")]


def migrate(conn: sqlite3.Connection, start: int) -> None:
    """Apply every migration after ``start``, each in its own transaction (autocommit conn)."""
    for version in range(start + 1, SCHEMA_VERSION + 1):
        conn.execute("BEGIN IMMEDIATE")
        if schema_version(conn) >= version:  # another process migrated while we waited
            conn.execute("COMMIT")
            continue
        try:
            for statement in _statements(MIGRATIONS[version - 1]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """Split a migration into statements; ``CREATE TRIGGER ... END;`` bodies stay whole."""
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements
