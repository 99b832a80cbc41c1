"""The library: one SQLite file with the papers, their FTS5 index, cached analyses and fetches.

    with Library.open("library.sqlite") as library:
        counts = library.write_batch(papers)          # one transaction, deduplicated
        hits = library.bm25('"vitamin" OR "fracture"', limit=20)
        paper = library.get(hits[0][0])

The file runs in WAL mode (readers never block the writer), ``synchronous=NORMAL`` (a committed
batch survives a process crash; a power cut may lose the last batches, never corrupt the file),
with foreign keys on and a busy timeout so concurrent writers wait instead of failing.
One ``Library`` object belongs to one thread; opening another is cheap.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from ..errors import LibraryError, QueryError
from ..models import (
    BatchCounts,
    Deletion,
    Paper,
    StudyFacts,
    normalise_doi,
    normalise_pmid,
)
from . import schema
from .vocab import PhraseFrequencies
from .writer import Candidate, plan_batch

log = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0
# Reads through a memory map skip a system call and a copy per page: about 2 ms of a 27 ms
# search on a 100k-paper library (analyses rows overflow onto several pages each).
MMAP_BYTES = 1 << 30
# Parsed analyses kept per connection, by their stored JSON: a search reads the facts of its
# candidates for the rerank, then again for the hits it returns (~1 ms of parsing saved).
FACTS_MEMO_SIZE = 64
IN_CHUNK = 500
_PAPER_SQL = "SELECT id, json FROM papers"


class Library:
    """An open library file. Use :meth:`open`; close it (or use ``with``) when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path, *, readonly: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.readonly = readonly
        self._phrases: PhraseFrequencies | None = None  # document counts; dropped on every write
        self._phrases_version = -1  # PRAGMA data_version they were counted at
        self._facts_memo: dict[str, StudyFacts] = {}  # facts_json -> parsed; oldest first

    # ------------------------------------------------------------------ opening and closing

    @classmethod
    def open(cls, path: Path | str, *, create: bool = True, readonly: bool = False) -> Library:
        """Open (and by default create) the library at ``path``, migrating an older file."""
        path = Path(path).expanduser()
        _check_location(path, create=create and not readonly)
        conn = _connect(path, readonly)
        try:
            _prepare(conn, path, readonly)
        except BaseException:
            conn.close()
            raise
        return cls(conn, path, readonly=readonly)

    def _drop_phrase_counts(self) -> None:
        if self._phrases is not None:
            self._phrases.close()
            self._phrases = None

    def close(self) -> None:
        self._drop_phrase_counts()
        if not self.readonly and self._conn.total_changes:  # only after writes: it costs ~0.1 s
            with contextlib.suppress(sqlite3.Error):  # best effort: statistics for the planner
                self._conn.execute("PRAGMA optimize")
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ writing

    def write_batch(self, items: Sequence[Paper | Deletion]) -> BatchCounts:
        """Apply papers and deletions in order, in one transaction; see :mod:`.writer`.

        Idempotent: writing the same batch again changes nothing and counts it all unchanged.
        A paper whose content changes loses its cached analyses.
        """
        self._drop_phrase_counts()
        self._writable()
        with self._transaction("write papers to"):
            plan = plan_batch(self._conn, items, now=int(time.time()))
            plan.execute(self._conn)
        return plan.counts

    def check_index(self) -> bool:
        """True when the FTS index matches the papers table exactly (FTS5 integrity-check)."""
        try:
            self._conn.execute(
                "INSERT INTO papers_fts(papers_fts, rank) VALUES ('integrity-check', 1)"
            )
        except sqlite3.DatabaseError:
            return False
        return True

    def rebuild_index(self) -> None:
        """Rebuild the FTS index from the papers table (repairs a damaged index)."""
        self._writable()
        with self._transaction("rebuild the search index of"):
            self._conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')")

    def optimize(self) -> None:
        """Merge the FTS index segments (worth doing after a large ingest)."""
        self._writable()
        with self._transaction("optimise"):
            self._conn.execute("INSERT INTO papers_fts(papers_fts) VALUES ('optimize')")

    # ------------------------------------------------------------------ reading papers

    def get(self, paper_id: str) -> Paper | None:
        row = self._conn.execute(f"{_PAPER_SQL} WHERE id = ?", (paper_id,)).fetchone()
        return Paper.model_validate_json(row[1]) if row else None

    def get_many(self, ids: Iterable[str]) -> dict[str, Paper]:
        """The papers that exist among ``ids``, by id (in the order asked)."""
        wanted = list(dict.fromkeys(ids))
        found = {
            paper_id: Paper.model_validate_json(text)
            for paper_id, text in self._select_in(_PAPER_SQL, "id", wanted)
        }
        return {paper_id: found[paper_id] for paper_id in wanted if paper_id in found}

    def stored_papers(self, papers: Iterable[Paper]) -> list[Paper]:
        """The stored version of each incoming paper (merged, under its stored id), deduplicated."""
        ids = [self.resolve(paper.id) or self._match_id(paper) for paper in papers]
        return list(self.get_many(paper_id for paper_id in ids if paper_id).values())

    def _match_id(self, paper: Paper) -> str | None:
        incoming = Candidate.of(paper)
        for column, value in (("pmid", incoming.pmid), ("doi", incoming.doi),
                              ("fingerprint", incoming.fingerprint)):
            if value and (found := self._id_where(column, value)):
                return found
        return None

    def resolve(self, ref: str) -> str | None:
        """The id of the paper a reference names, or None.

        Accepts paper ids (``pmid:1``, ``doi:10.1/x``, ``doc:abc``, ``hash:0123...``), bare PMIDs
        (``123``), DOIs in any usual form (``10.1/x``, ``doi:10.1/X``, ``https://doi.org/10.1/x``)
        and a source's own id after ``doc:``.
        """
        ref = (ref or "").strip()
        if not ref:
            return None
        if found := self._id_where("id", ref):
            return found
        if pmid := normalise_pmid(ref):
            return self._id_where("pmid", pmid)
        if doi := normalise_doi(ref):
            return self._id_where("doi", doi)
        prefix, _, rest = ref.partition(":")
        if prefix.lower() == "doc" and rest:
            return self._id_where("ext_id", rest)
        if prefix.lower() == "hash" and rest:
            return self._id_where("fingerprint", f"hash:{rest.lower()}")
        return None

    def _id_where(self, column: str, value: str) -> str | None:
        sql = f"SELECT id FROM papers WHERE {column} = ? ORDER BY id LIMIT 1"
        row = self._conn.execute(sql, (value,)).fetchone()
        return row[0] if row else None

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM papers").fetchone()[0])

    def phrase_doc_counts(self, phrases: list[str]) -> dict[str, int]:
        """How many papers hold each phrase (at most; see :mod:`.vocab`), for query pruning."""
        return self._phrase_frequencies().doc_counts(phrases)

    def indexed_count(self) -> int:
        """:meth:`count`, cached with the phrase counts until the library changes."""
        return self._phrase_frequencies().paper_count()

    def _phrase_frequencies(self) -> PhraseFrequencies:
        """The cached counts; recounted after a commit by any connection (``data_version``;
        this connection's own writes drop them in :meth:`write_batch`)."""
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if self._phrases is not None and version != self._phrases_version:
            self._drop_phrase_counts()
        if self._phrases is None:
            self._phrases = PhraseFrequencies(self._conn)
            self._phrases_version = version
        return self._phrases

    def iter_papers(self, batch: int = 1000) -> Iterator[Paper]:
        """Every paper in insertion order, read ``batch`` rows at a time."""
        last = 0
        while True:
            rows = self._conn.execute(
                "SELECT rid, json FROM papers WHERE rid > ? ORDER BY rid LIMIT ?", (last, batch)
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield from (Paper.model_validate_json(text) for _, text in rows)

    def stats(self) -> dict[str, object]:
        papers, with_abstract, retracted, year_min, year_max = self._conn.execute(
            "SELECT count(*), count(NULLIF(abstract, '')), coalesce(sum(retracted), 0),"
            " min(year), max(year) FROM papers"
        ).fetchone()
        analyses = self._conn.execute("SELECT count(*) FROM analyses").fetchone()[0]
        fetches = self._conn.execute("SELECT count(*) FROM fetches").fetchone()[0]
        return {
            "papers": papers, "with_abstract": with_abstract, "retracted": retracted,
            "year_min": year_min, "year_max": year_max, "analyses": analyses,
            "fetches": fetches, "schema_version": schema.SCHEMA_VERSION,
            "file_bytes": self._file_bytes(),
        }

    def _file_bytes(self) -> int:
        files = [self.path, Path(f"{self.path}-wal")]
        return sum(file.stat().st_size for file in files if file.exists())

    def content_digest(self) -> str:
        """A hash of the logical content (paper ids and content hashes), to compare libraries."""
        digest = hashlib.sha256()
        for paper_id, content_hash in self._conn.execute(
            "SELECT id, content_hash FROM papers ORDER BY id"
        ):
            digest.update(f"{paper_id}\t{content_hash}\n".encode())
        return digest.hexdigest()

    # ------------------------------------------------------------------ search

    def bm25(
        self, fts_query: str, *, limit: int, weights: tuple[float, float, float] = (3.0, 1.0, 1.5),
        year_min: int | None = None, year_max: int | None = None, include_retracted: bool = False,
    ) -> list[tuple[str, float]]:
        """(paper id, score) for an FTS5 MATCH expression, best first; ties broken by id.

        The score is FTS5's ``bm25()`` with per-column weights (title, abstract, terms), negated
        so that higher is better. A year filter leaves out papers without a year. ``fts_query``
        must be a valid FTS5 expression (see :func:`evidentia.retrieve.analyse_query`).
        """
        if not fts_query.strip() or limit <= 0:
            return []
        try:
            if year_min is None and year_max is None:
                quick = self._bm25_top_first(fts_query, limit, weights, include_retracted)
                if quick is not None:
                    return quick
            return self._bm25_joined(fts_query, limit, weights, year_min, year_max, include_retracted)
        except sqlite3.OperationalError as exc:
            raise QueryError(
                f"the search expression {fts_query[:80]!r} is not valid FTS5 syntax: {exc}",
                hint="build queries with evidentia.retrieve.analyse_query",
            ) from None

    def _bm25_joined(
        self, fts_query: str, limit: int, weights: tuple[float, float, float],
        year_min: int | None, year_max: int | None, include_retracted: bool,
    ) -> list[tuple[str, float]]:
        """Every match joined to its paper row, filtered, sorted: exact, always."""
        where, params = _filter_sql(year_min, year_max, include_retracted)
        sql = (
            "SELECT p.id, -bm25(papers_fts, ?, ?, ?) AS score FROM papers_fts"
            " JOIN papers p INDEXED BY papers_search ON p.rid = papers_fts.rowid"
            f" WHERE papers_fts MATCH ?{where} ORDER BY score DESC, p.id LIMIT ?"
        )
        rows = self._conn.execute(sql, (*weights, fts_query, *params, limit)).fetchall()
        return [(paper_id, float(score)) for paper_id, score in rows]

    def _bm25_top_first(
        self, fts_query: str, limit: int, weights: tuple[float, float, float],
        include_retracted: bool,
    ) -> list[tuple[str, float]] | None:
        """The same answer as :meth:`_bm25_joined` for the retraction filter alone, or None.

        The joined query looks up the paper row of every match (a fifth of a search's time on
        15,000 matches) only to break ties by id and drop retracted papers. Here FTS5 ranks
        alone and only its best ``limit + margin`` rows are joined. That is exact whenever
        ``limit`` kept rows score strictly above the last row read, since every row not read
        scores at most that; otherwise (ties at the edge, many retractions) None.
        """
        depth = limit + limit // 8 + 16
        sql = (
            "SELECT p.id, f.score, p.retracted FROM (SELECT rowid, -bm25(papers_fts, ?, ?, ?)"
            " AS score FROM papers_fts WHERE papers_fts MATCH ? ORDER BY score DESC LIMIT ?) f"
            " LEFT JOIN papers p INDEXED BY papers_search ON p.rid = f.rowid"
        )
        rows = self._conn.execute(sql, (*weights, fts_query, depth)).fetchall()
        edge = min(score for _, score, _ in rows) if len(rows) == depth else None  # None: all read
        kept = sorted(
            (-float(score), paper_id) for paper_id, score, retracted in rows
            if paper_id is not None and (include_retracted or not retracted)
            and (edge is None or score > edge)
        )
        if edge is not None and len(kept) < limit:
            return None
        return [(paper_id, -negated) for negated, paper_id in kept[:limit]]

    # ------------------------------------------------------------------ analyses cache

    def get_facts(self, paper_ids: Iterable[str], version: str) -> dict[str, StudyFacts]:
        """Cached facts for ``version``, only where the paper's content is unchanged since."""
        sql = (
            "SELECT a.paper_id, a.facts_json FROM analyses a JOIN papers p ON p.id = a.paper_id"
            " AND p.content_hash = a.content_hash WHERE a.analyser_version = ?"
        )
        rows = self._select_in(sql, "a.paper_id", list(dict.fromkeys(paper_ids)), (version,))
        return {paper_id: self._parsed_facts(text) for paper_id, text in rows}

    def _parsed_facts(self, text: str) -> StudyFacts:
        """The facts in ``text``; the same JSON gives the same (shared, never mutated) object."""
        facts = self._facts_memo.get(text)
        if facts is None:
            facts = StudyFacts.model_validate_json(text)
            if len(self._facts_memo) >= FACTS_MEMO_SIZE:
                del self._facts_memo[next(iter(self._facts_memo))]
            self._facts_memo[text] = facts
        return facts

    def put_facts(self, facts_list: Iterable[StudyFacts], content_hashes: dict[str, str]) -> None:
        """Store facts with the content hash of the paper they were made from.

        Facts for papers not in the library, or without a content hash, are not stored.
        """
        self._writable()
        rows = [
            (facts.paper_id, facts.analyser_version, content_hashes[facts.paper_id],
             facts.model_dump_json(), facts.paper_id)
            for facts in facts_list if facts.paper_id in content_hashes
        ]
        with self._transaction("store analyses in"):
            self._conn.executemany(
                "INSERT OR REPLACE INTO analyses (paper_id, analyser_version, content_hash,"
                " facts_json) SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM papers WHERE id = ?)",
                rows,
            )

    # ------------------------------------------------------------------ live-source cache

    def record_fetch(self, key: str, paper_ids: list[str], fetched_at: float) -> None:
        self._writable()
        with self._transaction("record a fetch in"):
            self._conn.execute(
                "INSERT OR REPLACE INTO fetches (key, fetched_at, paper_ids) VALUES (?, ?, ?)",
                (key, fetched_at, json.dumps(paper_ids)),
            )

    def recent_fetch(self, key: str, ttl_s: float, now: float) -> list[str] | None:
        """The paper ids a fetch returned, if it ran within ``ttl_s`` of ``now`` (still stored)."""
        row = self._conn.execute(
            "SELECT fetched_at, paper_ids FROM fetches WHERE key = ?", (key,)
        ).fetchone()
        if row is None or now - row[0] > ttl_s or row[0] > now:
            return None
        ids = json.loads(row[1])
        present = self.get_many(ids)
        return [paper_id for paper_id in ids if paper_id in present]

    # ------------------------------------------------------------------ helpers

    def _select_in(
        self, sql: str, column: str, values: list[str], params: tuple[object, ...] = ()
    ) -> Iterator[tuple]:
        joiner = " AND " if " WHERE " in sql else " WHERE "
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from self._conn.execute(f"{sql}{joiner}{column} IN ({marks})", (*params, *chunk))

    def _writable(self) -> None:
        if self.readonly:
            raise LibraryError(f"library {self.path} is open read-only", hint="open it writable")

    def _transaction(self, doing: str) -> _Transaction:
        return _Transaction(self._conn, f"could not {doing} the library {self.path}")


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``; rolls back and raises LibraryError on any failure."""

    def __init__(self, conn: sqlite3.Connection, failure: str) -> None:
        self._conn = conn
        self._failure = failure

    def __enter__(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise LibraryError(f"{self._failure}: {exc}", hint=_advice(exc)) from exc

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            try:
                self._conn.execute("COMMIT")
                return
            except sqlite3.Error as error:
                exc = error
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise LibraryError(f"{self._failure}: {exc}", hint=_advice(exc)) from exc


def _advice(exc: sqlite3.Error) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "another evidentia process is writing to it; try again when it has finished"
    if "full" in text:
        return "the disk is full; free some space and try again"
    if "readonly" in text or "read-only" in text:
        return "check that you may write to the file and its folder"
    return "nothing from this batch was written; try again, or run with --debug and report it"


def _filter_sql(
    year_min: int | None, year_max: int | None, include_retracted: bool
) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if year_min is not None:
        clauses.append("p.year >= ?")
        params.append(int(year_min))
    if year_max is not None:
        clauses.append("p.year <= ?")
        params.append(int(year_max))
    if not include_retracted:
        clauses.append("p.retracted = 0")
    return "".join(f" AND {clause}" for clause in clauses), params


# --------------------------------------------------------------------------- opening


def _check_location(path: Path, *, create: bool) -> None:
    if path.is_dir():
        raise LibraryError(
            f"{path} is a folder, not a library file",
            hint=f"pass a file path such as {path / 'library.sqlite'}",
        )
    if path.exists():
        return
    if not create:
        raise LibraryError(f"no library at {path}; add papers with `evidentia add FILE`")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(
            f"cannot create the folder for the library {path}: {exc.strerror}",
            hint="choose another path with --library or EVIDENTIA_LIBRARY",
        ) from None


def _connect(path: Path, readonly: bool) -> sqlite3.Connection:
    target = f"{path.resolve().as_uri()}?mode=ro" if readonly else str(path)
    try:
        return sqlite3.connect(
            target, uri=readonly, timeout=BUSY_TIMEOUT_S, isolation_level=None
        )
    except sqlite3.Error as exc:
        raise LibraryError(
            f"cannot open the library {path}: {exc}",
            hint="check that the file and its folder are readable and writable",
        ) from None


def _prepare(conn: sqlite3.Connection, path: Path, readonly: bool) -> None:
    """Set the connection up and bring the schema to the current version."""
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES:d}")
        version = schema.schema_version(conn)
        if not readonly:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            if version == 0:
                version = _settled_version(conn, path, readonly)
        _check_version(conn, path, version, readonly)
        if version < schema.SCHEMA_VERSION:
            schema.migrate(conn, version)
    except sqlite3.DatabaseError as exc:
        raise LibraryError(
            f"{path} is not an evidentia library ({exc})",
            hint="move the file away or choose another path with --library",
        ) from None


def _settled_version(conn: sqlite3.Connection, path: Path, readonly: bool) -> int:
    """The schema version read under the write lock, so that another process creating the same
    library cannot be caught between creating its tables and recording its version."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = schema.schema_version(conn)
        _check_version(conn, path, version, readonly)
    finally:
        conn.execute("COMMIT")
    return version


def _check_version(conn: sqlite3.Connection, path: Path, version: int, readonly: bool) -> None:
    if version > schema.SCHEMA_VERSION:
        raise LibraryError(
            f"the library {path} has schema version {version}, newer than this evidentia knows "
            f"({schema.SCHEMA_VERSION})",
            hint="upgrade evidentia (pip install -U evidentia) to open it",
        )
    if version == 0 and schema.user_tables(conn):
        raise LibraryError(
            f"{path} is an SQLite database but not an evidentia library",
            hint="move the file away or choose another path with --library",
        )
    if version > 0 and not _is_ours(conn):
        raise LibraryError(
            f"{path} is an SQLite database of another program, not an evidentia library",
            hint="move the file away or choose another path with --library",
        )
    if readonly and version < schema.SCHEMA_VERSION:
        raise LibraryError(
            f"the library {path} needs upgrading to schema version {schema.SCHEMA_VERSION}",
            hint="open it once without read-only (e.g. `evidentia info`) to upgrade it",
        )


def _is_ours(conn: sqlite3.Connection) -> bool:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'format'").fetchone()
    except sqlite3.OperationalError:
        return False
    return bool(row and row[0] == "evidentia-library")
