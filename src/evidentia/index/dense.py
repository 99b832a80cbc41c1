"""The dense index: one embedder's vectors of a library's papers, in faiss, beside the library.

Layout, for the library ``library.sqlite`` and an embedder whose key is ``minilm-int8-v1-d384``::

    library.sqlite.faiss/minilm-int8-v1-d384/
        ids.sqlite      ord -> paper id, text hash, live flag (one row per stored vector)
        vectors.f16     the vectors, float16, row ``ord``, appended in chunks
        index.faiss     the HNSW graph (only above ``exact_max`` live vectors)
    library.sqlite.faiss/minilm-int8-v1-d384.lock   held while a sync writes

Each embedder has its own folder, so a change of embedder (name, version or dimension) builds a
new index and never mixes vector spaces. ``sync`` embeds only papers that are new or whose title
or abstract changed, and commits every ``chunk`` papers: vectors are appended and flushed first,
then their ids are committed in one SQLite transaction, so an interrupted sync loses at most the
chunk in flight and the next sync goes on from there (rows past the last committed id are cut).

Below ``exact_max`` live vectors the search is exact (``IndexFlatIP``, built in memory from the
vectors file on open); above it an HNSW graph over 8-bit scalar-quantised vectors keeps memory
near 650 MB per million 384-d vectors. Replaced and deleted papers leave dead rows that searches
skip; a sync compacts the files once a quarter of the rows are dead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LibraryError
from ..models import Paper
from .embedders import Embedder, document_text

Progress = Callable[..., None]  # progress("embed", done=, total=, embedded=)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    ord        INTEGER PRIMARY KEY,
    paper_id   TEXT NOT NULL,
    text_hash  TEXT NOT NULL,
    live       INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS vectors_paper ON vectors(paper_id) WHERE live = 1;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
"""
COMPACT_DEAD_SHARE = 0.25
_SHARED: dict[tuple[object, ...], DenseIndex] = {}
_SHARED_LOCK = threading.Lock()


@dataclass
class SyncSummary:
    embedded: int = 0  # papers embedded in this sync (new or changed)
    removed: int = 0  # vectors of papers no longer in the library
    total: int = 0  # live vectors after the sync


def text_hash(paper: Paper) -> str:
    """Hash of what the vector is made of: a change here means the paper must be re-embedded."""
    text = document_text(paper.title, paper.abstract)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def index_folder(library_path: Path | str) -> Path:
    return Path(f"{Path(library_path).expanduser()}.faiss")


class DenseIndex:
    """Vectors of one embedder for one library. Use :meth:`open`; ``close`` when done."""

    def __init__(
        self, folder: Path, embedder: Embedder, *, exact_max: int = 200_000, hnsw_m: int = 32,
        ef_search: int = 128, chunk: int = 512,
    ) -> None:
        self.folder = folder
        self.embedder = embedder
        self.exact_max = exact_max
        self.hnsw_m = hnsw_m
        self.ef_search = ef_search
        self.chunk = chunk
        self._conn: sqlite3.Connection | None = None
        self._faiss: Any = None  # loaded on first search
        self._dead: np.ndarray | None = None
        self._seen: tuple[int, int] | None = None  # (file inode, data_version) when loaded
        self._lock = threading.RLock()

    @classmethod
    def open(cls, library_path: Path | str, embedder: Embedder, **options: Any) -> DenseIndex:
        return cls(index_folder(library_path) / embedder.key, embedder, **options)

    @classmethod
    def shared(cls, library_path: Path | str, embedder: Embedder, **options: Any) -> DenseIndex:
        """One open index per (library, embedder, options) in this process, for searching.

        Loading the faiss index costs far more than a search, so searches share it; it reloads
        by itself when another process (or a compaction) changes the files.
        """
        key = (str(Path(library_path).expanduser().resolve()), embedder.key,
               tuple(sorted(options.items())))
        with _SHARED_LOCK:
            if key not in _SHARED:
                if len(_SHARED) >= 8:
                    _SHARED.pop(next(iter(_SHARED))).close()
                _SHARED[key] = cls.open(library_path, embedder, **options)
            return _SHARED[key]

    # ------------------------------------------------------------------ state

    def exists(self) -> bool:
        """True when this embedder's index holds at least one live vector."""
        if not (self.folder / "ids.sqlite").is_file():
            return False
        with self._lock:
            self._refresh()
            row = self._db().execute("SELECT 1 FROM vectors WHERE live = 1 LIMIT 1").fetchone()
        return row is not None

    def count(self) -> int:
        """Live vectors (papers that can be found)."""
        if not (self.folder / "ids.sqlite").is_file():
            return 0
        return int(self._db().execute("SELECT count(*) FROM vectors WHERE live = 1").fetchone()[0])

    def stored(self) -> int:
        """Rows in the vectors file that are committed (live or dead)."""
        row = self._db().execute("SELECT max(ord) FROM vectors").fetchone()
        return 0 if row[0] is None else int(row[0]) + 1

    def size_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.folder.iterdir() if f.is_file())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
            self._faiss = None
            self._dead = None
            self._seen = None

    def __enter__(self) -> DenseIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ sync

    def sync(self, library: Any, progress: Progress | None = None) -> SyncSummary:
        """Embed the library's new and changed papers, forget deleted ones; resumable."""
        from .sync import run_sync

        self.folder.mkdir(parents=True, exist_ok=True)
        with _Lock(self.folder.with_name(self.folder.name + ".lock")):
            self._cut_uncommitted()
            try:
                summary = run_sync(self, library, progress)
                if self._dead_share() > COMPACT_DEAD_SHARE:
                    self._compact()
            finally:  # an interrupted sync keeps its graph too, so the next one resumes
                self._faiss = None
                self._dead = None
                self._save_graph()
        summary.total = self.count()
        return summary

    def known(self) -> dict[str, tuple[int, str]]:
        """paper id -> (ord, text hash) of every live vector."""
        rows = self._db().execute("SELECT paper_id, ord, text_hash FROM vectors WHERE live = 1")
        return {paper_id: (ord_, hash_) for paper_id, ord_, hash_ in rows}

    def append(self, rows: list[tuple[str, str]], vectors: np.ndarray, replaced: list[int]) -> None:
        """Commit one chunk: ``rows`` are (paper id, text hash) in the order of ``vectors``."""
        first = self.stored()
        with open(self.folder / "vectors.f16", "ab") as handle:
            handle.write(np.ascontiguousarray(vectors, dtype=np.float16).tobytes())
            handle.flush()
            os.fsync(handle.fileno())
        conn = self._db()
        with conn:
            conn.executemany("UPDATE vectors SET live = 0 WHERE ord = ?", [(o,) for o in replaced])
            conn.executemany(
                "INSERT INTO vectors (ord, paper_id, text_hash) VALUES (?, ?, ?)",
                [(first + i, paper_id, hash_) for i, (paper_id, hash_) in enumerate(rows)],
            )

    def forget(self, ords: Iterable[int]) -> None:
        with self._db() as conn:
            conn.executemany("UPDATE vectors SET live = 0 WHERE ord = ?", [(o,) for o in ords])

    # ------------------------------------------------------------------ search

    def search(self, query: str | np.ndarray, k: int) -> list[tuple[str, float]]:
        """(paper id, cosine) of the ``k`` nearest papers, best first."""
        if k <= 0 or not self.exists():
            return []
        vector = self.embedder.embed_query(query) if isinstance(query, str) else query
        vector = np.asarray(vector, dtype=np.float32).reshape(1, -1)
        with self._lock:
            hits = self._nearest(vector, k)
            names = self._paper_ids([o for o, _ in hits])
        return [(names[o], s) for o, s in hits if o in names]

    def _nearest(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(ord, score) of the k nearest live rows: asks faiss for more while dead rows crowd in."""
        index = self._index()
        dead = self._dead_mask()
        want = min(k + 16, index.ntotal)
        from .faiss_index import search

        while True:
            scores, ords = search(index, vector, want, self.ef_search)
            hits = [
                (int(o), float(s)) for o, s in zip(ords[0], scores[0], strict=True)
                if 0 <= o < len(dead) and not dead[o]
            ]
            if len(hits) >= k or want >= index.ntotal:
                return hits[:k]
            want = min(want * 4, index.ntotal)

    def scores_for(self, vector: np.ndarray, paper_ids: Iterable[str]) -> dict[str, float]:
        """Exact cosine between ``vector`` and each listed paper that has a vector."""
        with self._lock:
            self._refresh()
            ords = self._ords_of(list(paper_ids))
            if not ords:
                return {}
            matrix = self._vectors()[sorted(ords.values())].astype(np.float32)
        cosines = matrix @ np.asarray(vector, np.float32)
        by_ord = dict(zip(sorted(ords.values()), cosines, strict=True))
        return {paper_id: float(by_ord[o]) for paper_id, o in ords.items()}

    # ------------------------------------------------------------------ internals

    def _refresh(self) -> None:
        """Drop what was loaded when another process changed the index since."""
        if self._conn is not None and self._token() != self._seen:
            self.close()

    def _token(self) -> tuple[int, int]:
        """Changes when the file is replaced (compaction) or another connection commits."""
        path = self.folder / "ids.sqlite"
        inode = path.stat().st_ino if path.exists() else -1
        return inode, self._db().execute("PRAGMA data_version").fetchone()[0]

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            try:
                self._conn = sqlite3.connect(
                    self.folder / "ids.sqlite", timeout=30, check_same_thread=False
                )
                self._conn.executescript(_SCHEMA)
                self._seen = self._token()
            except sqlite3.Error as exc:
                raise LibraryError(
                    f"cannot open the dense index in {self.folder}: {exc}",
                    hint="delete that folder and run `evidentia index` to rebuild it",
                ) from None
        return self._conn

    def _vectors(self) -> np.ndarray:
        rows = self.stored()
        if rows == 0:
            return np.zeros((0, self.embedder.dim), dtype=np.float16)
        path = self.folder / "vectors.f16"
        return np.memmap(path, dtype=np.float16, mode="r", shape=(rows, self.embedder.dim))

    def _cut_uncommitted(self) -> None:
        """Drop vector rows written after the last committed chunk (an interrupted sync)."""
        path = self.folder / "vectors.f16"
        committed = self.stored() * self.embedder.dim * 2
        if path.exists() and path.stat().st_size > committed:
            os.truncate(path, committed)
        elif path.exists() and path.stat().st_size < committed:
            raise LibraryError(
                f"the dense index in {self.folder} is damaged (vectors file shorter than its ids)",
                hint="delete that folder and run `evidentia index` to rebuild it",
            )

    def _dead_mask(self) -> np.ndarray:
        if self._dead is None:
            mask = np.zeros(self.stored(), dtype=bool)
            dead = self._db().execute("SELECT ord FROM vectors WHERE live = 0").fetchall()
            mask[[o for (o,) in dead]] = True
            self._dead = mask
        return self._dead

    def _dead_count(self) -> int:
        return int(self._dead_mask().sum())

    def _dead_share(self) -> float:
        self._dead = None
        stored = self.stored()
        return self._dead_count() / stored if stored else 0.0

    def _paper_ids(self, ords: list[int]) -> dict[int, str]:
        if not ords:
            return {}
        marks = ",".join("?" * len(ords))
        rows = self._db().execute(f"SELECT ord, paper_id FROM vectors WHERE ord IN ({marks})", ords)
        return dict(rows.fetchall())

    def _ords_of(self, paper_ids: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(paper_ids), 500):
            chunk = paper_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT paper_id, ord FROM vectors WHERE live = 1 AND paper_id IN ({marks})"
            found.update(self._db().execute(sql, chunk).fetchall())
        return found

    def _index(self) -> Any:
        if self._faiss is None:
            from .faiss_index import load_index

            self._faiss = load_index(self)
            self._dead = None
        return self._faiss

    def _save_graph(self) -> None:
        from .faiss_index import save_graph

        save_graph(self)

    def _compact(self) -> None:
        """Rewrite the files with live rows only (new ords), then swap them in."""
        live = self._db().execute(
            "SELECT ord, paper_id, text_hash FROM vectors WHERE live = 1 ORDER BY ord"
        ).fetchall()
        fresh = self.folder.with_name(self.folder.name + ".compact")
        shutil.rmtree(fresh, ignore_errors=True)
        target = DenseIndex(fresh, self.embedder, chunk=self.chunk)
        vectors = self._vectors()
        for start in range(0, len(live), 65536):
            part = live[start : start + 65536]
            target.append([(p, h) for _, p, h in part], vectors[[o for o, _, _ in part]], [])
        target.close()
        self.close()
        old = self.folder.with_name(self.folder.name + ".old")
        os.replace(self.folder, old)
        os.replace(fresh, self.folder)
        shutil.rmtree(old, ignore_errors=True)
        self._dead = None


class _Lock:
    """An exclusive lock on a file, so two syncs never write the same index at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: Any = None

    def __enter__(self) -> None:
        import fcntl

        self._handle = open(self.path, "a+")  # noqa: SIM115 - held until __exit__
        try:
            fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._handle.close()
            raise LibraryError(
                f"another evidentia process is building the dense index in {self.path.parent}",
                hint="wait for it to finish, then try again",
            ) from None

    def __exit__(self, *exc: object) -> None:
        self._handle.close()
