"""Milvus as the serving index: one collection with BM25, dense vectors and filter fields.

    index = open_index("./evidentia-milvus.db")              # milvus-lite file, or http://host:19530
    physical = index.create(build="3f9a...", dim=384, meta={...})
    index.insert(physical, [record_row(record, analyser), ...]); index.publish(physical)
    index.bm25_search("vitamin fractur", 300, expr)           # [(paper id, BM25 score)]
    index.dense_search(vector, 300, expr)                     # [(paper id, cosine)]
    index.fetch(ids, vectors=True)                            # {id: Stored(paper, facts, vector)}

One row per paper (see ``FIELDS``): ``text`` feeds a BM25 function whose output is the sparse
field ``sparse``; ``vector`` holds the embedder's unit vector (inner product = cosine);
``year``, ``design``, ``sample_size``, ``species`` and ``retracted`` are the filters (0 means
unknown for the numbers); ``paper`` and ``facts`` hold the full ``Paper`` and ``StudyFacts``
JSON, zlib-compressed and base64-encoded, so a report needs nothing but the collection.

Each build is loaded into its own collection (``<alias>_<build>``) and published by pointing
the alias (``backend.collection``) at it, so searches never see a half-loaded build.

Text analysis happens here, not in Milvus: ``TermAnalyser`` splits and stems words with the
library's own FTS5 tokenizer (unicode61 + porter), and ``text`` holds those stems, the title
repeated by its BM25 weight. Milvus's ``standard`` analyzer then only splits on spaces, so
milvus-lite (which has no stemmer) and a real Milvus index exactly the same terms.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from ..errors import ConfigError, LibraryError, RecordError
from ..models import DESIGNS, Filters, Paper, StudyFacts
from ..store.schema import FTS_TOKENIZER
from ..store.writer import terms_text

FORMAT = "evidentia-milvus-1"
META_KEY = "evidentia.meta"
MAX_VARCHAR = 65_535  # Milvus's largest VARCHAR, in bytes
MAX_ID = 512
MAX_LIMIT = 16_384  # Milvus's largest top-k
FIELDS = ("id", "text", "vector", "year", "design", "sample_size", "species", "retracted",
          "paper", "facts")
SCALARS = ("year", "design", "sample_size", "species", "retracted")
INSTALL_HINT = "install the Milvus client: pip install pymilvus milvus-lite"


# --------------------------------------------------------------------------- text analysis


class TermAnalyser:
    """Words as the library's FTS5 index sees them: unicode61 tokens, porter stems.

    Uses an in-memory SQLite FTS5 table and its ``fts5vocab`` instance view, so the stems are
    exactly those the embedded backend's BM25 matches on. Thread-safe.
    """

    def __init__(self) -> None:
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{FTS_TOKENIZER}')")
        self._conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
        self._lock = threading.Lock()

    def terms(self, texts: Sequence[str]) -> list[list[str]]:
        """The stems of each text, in text order."""
        out: list[list[str]] = [[] for _ in texts]
        with self._lock:
            self._conn.execute("DELETE FROM t")
            self._conn.executemany(
                "INSERT INTO t (rowid, x) VALUES (?, ?)", [(i, text) for i, text in enumerate(texts)]
            )
            for doc, term in self._conn.execute("SELECT doc, term FROM v ORDER BY doc, offset"):
                out[doc].append(term)
        return out


@lru_cache(maxsize=1)
def shared_analyser() -> TermAnalyser:
    """One analyser per process (it holds an in-memory SQLite connection)."""
    return TermAnalyser()


def repeats(weight: float) -> int:
    """How often a field's stems are written to ``text``: its BM25 weight, rounded."""
    return max(0, round(weight))


def index_text(
    analyser: TermAnalyser, paper: Paper, weights: tuple[float, float, float]
) -> str:
    """``text`` for a paper: title, abstract and terms stems, each repeated by its weight."""
    title, abstract, terms = analyser.terms([paper.title, paper.abstract, terms_text(paper)])
    words = title * repeats(weights[0]) + abstract * repeats(weights[1]) + terms * repeats(weights[2])
    return _truncate(" ".join(words), MAX_VARCHAR)


_CLAUSE = re.compile(r'"((?:[^"]|"")*)"')


def query_text(analyser: TermAnalyser, fts_query: str) -> str:
    """The stems of an FTS5 ``"a" OR "b c"`` query, each once (BM25 here has no phrases)."""
    clauses = [match.replace('""', '"') for match in _CLAUSE.findall(fts_query)]
    stems = [stem for words in analyser.terms(clauses) for stem in words] if clauses else []
    return " ".join(dict.fromkeys(stems))


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore").rsplit(" ", 1)[0]


# --------------------------------------------------------------------------- rows


def pack(text: str) -> str:
    """JSON as stored in the collection: zlib-compressed, base64 (about a quarter the size)."""
    return base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")


def unpack(value: str) -> str:
    return zlib.decompress(base64.b64decode(value)).decode("utf-8")


@dataclass
class PaperRecord:
    """What one row is made of: the paper, its facts (JSON, may be empty) and its vector."""

    paper: Paper
    facts_json: str
    design: str
    species: str
    sample_size: int
    vector: Sequence[float]

    @classmethod
    def of(cls, paper: Paper, facts: StudyFacts | None, vector: Sequence[float]) -> PaperRecord:
        return cls(
            paper=paper, facts_json=facts.model_dump_json() if facts else "",
            design=facts.design if facts else "other",
            species=facts.species if facts else "unknown",
            sample_size=facts.sample_size.n if facts and facts.sample_size else 0, vector=vector,
        )


def record_row(
    record: PaperRecord, analyser: TermAnalyser, weights: tuple[float, float, float]
) -> dict[str, Any]:
    """The collection row of a record; ``RecordError`` when the paper cannot be stored."""
    paper = record.paper
    if len(paper.id.encode("utf-8")) > MAX_ID:
        raise RecordError(f"paper id longer than {MAX_ID} bytes", position=paper.id[:80])
    packed = pack(paper.model_dump_json())
    if len(packed) > MAX_VARCHAR:
        raise RecordError("record too large for a Milvus row (over 64 KiB compressed)",
                          position=paper.id)
    facts = pack(record.facts_json) if record.facts_json else ""
    return {
        "id": paper.id, "text": index_text(analyser, paper, weights),
        "vector": [float(x) for x in record.vector], "year": int(paper.year or 0),
        "design": record.design[:32], "sample_size": max(0, int(record.sample_size)),
        "species": record.species[:16], "retracted": bool(paper.retracted),
        "paper": packed, "facts": facts if len(facts) <= MAX_VARCHAR else "",  # "": re-analysed
    }


def filter_expression(filters: Filters) -> str:
    """A Milvus boolean expression for the filters ("" when nothing is filtered).

    Values are numbers or members of fixed vocabularies, never user text.
    """
    parts = [] if filters.include_retracted else ["retracted == false"]
    if filters.year_min is not None:
        parts.append(f"year >= {int(filters.year_min)}")
    if filters.year_max is not None:
        parts.append(f"(year > 0 and year <= {int(filters.year_max)})")
    if filters.designs:
        known = [design for design in filters.designs if design in DESIGNS]
        parts.append(f"design in {json.dumps(known)}" if known else "year < 0")
    if filters.min_sample_size:
        parts.append(f"sample_size >= {int(filters.min_sample_size)}")
    if filters.species == "human":
        parts.append('species in ["human", "unknown"]')
    elif filters.species == "animal":
        parts.append('species == "animal"')
    return " and ".join(parts)


# --------------------------------------------------------------------------- the index


def collection_schema(dim: int) -> Any:
    """The fields of ``FIELDS`` (and ``sparse``, the BM25 function's output over ``text``)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=MAX_ID)
    schema.add_field("text", DataType.VARCHAR, max_length=MAX_VARCHAR, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard"})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("year", DataType.INT32)
    schema.add_field("design", DataType.VARCHAR, max_length=32)
    schema.add_field("sample_size", DataType.INT64)
    schema.add_field("species", DataType.VARCHAR, max_length=16)
    schema.add_field("retracted", DataType.BOOL)
    schema.add_field("paper", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_field("facts", DataType.VARCHAR, max_length=MAX_VARCHAR)
    schema.add_function(Function(name="text_bm25", function_type=FunctionType.BM25,
                                 input_field_names=["text"], output_field_names=["sparse"]))
    return schema


@dataclass
class Stored:
    """A row read back: the paper, its facts (None when not stored) and, if asked, its vector."""

    paper: Paper
    facts: StudyFacts | None
    vector: np.ndarray | None = None


class MilvusIndex:
    """A connection to Milvus (or milvus-lite) and the alias searches go through."""

    def __init__(self, client: Any, alias: str, uri: str) -> None:
        self.client = client
        self.alias = alias
        self.uri = uri
        self._meta: dict[str, Any] | None = None

    # ------------------------------------------------------------------ loading

    def create(self, build: str, dim: int, meta: dict[str, Any], *, exact: bool = False) -> str:
        """A fresh, empty collection for one build (an old half-loaded one is dropped).

        ``exact``: brute-force dense search (``FLAT``), as the embedded index does below
        ``index.exact_max`` papers; else ``AUTOINDEX`` (HNSW or what the deployment picks).
        """
        physical = f"{self.alias}_{build}"
        if self.exists(physical):
            self._call(self.client.drop_collection, physical)
        schema = collection_schema(dim)
        self._call(self.client.create_collection, physical, schema=schema)
        # sync=False: indexes build in the background (load_collection waits for them), and
        # pymilvus's wait loop polls a call milvus-lite does not implement.
        self._call(self.client.create_index, physical, self._index_params(exact), sync=False)
        self._call(self.client.alter_collection_properties, physical,
                   properties={META_KEY: json.dumps({"format": FORMAT, **meta}, sort_keys=True)})
        return physical

    def _index_params(self, exact: bool) -> Any:
        params = self.client.prepare_index_params()
        # k1 and b as SQLite FTS5 uses them, so scores compare with the embedded backend's.
        params.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX",
                         metric_type="BM25", params={"bm25_k1": 1.2, "bm25_b": 0.75})
        params.add_index(field_name="vector", index_type="FLAT" if exact else "AUTOINDEX",
                         metric_type="IP")
        for name in SCALARS:
            params.add_index(field_name=name, index_type="INVERTED")
        return params

    def insert(self, physical: str, rows: list[dict[str, Any]]) -> None:
        if rows:
            self._call(self.client.insert, physical, rows)

    def publish(self, physical: str) -> list[str]:
        """Flush and load ``physical``, point the alias at it; drop the builds it replaced."""
        self._call(self.client.flush, physical)
        self._call(self.client.load_collection, physical)
        previous = self.physical_name()
        if previous is None:
            if self.exists(self.alias):
                raise LibraryError(
                    f"Milvus already holds a collection named {self.alias!r} at {self.uri}",
                    hint="choose another name with --collection (backend.collection)",
                )
            self._call(self.client.create_alias, physical, self.alias)
        elif previous != physical:
            self._call(self.client.alter_alias, physical, self.alias)
        self._meta = None
        return self.drop_unpublished(keep=physical)

    def drop_unpublished(self, keep: str) -> list[str]:
        """Drop this alias's other builds (half-loaded ones included); their names."""
        prefix = f"{self.alias}_"
        stale = [name for name in self._call(self.client.list_collections)
                 if name.startswith(prefix) and name != keep]
        for name in stale:
            self._call(self.client.drop_collection, name)
        return stale

    # ------------------------------------------------------------------ state

    def exists(self, name: str) -> bool:
        return bool(self._call(self.client.has_collection, name))

    def physical_name(self) -> str | None:
        """The collection the alias points at, or None when it is not published."""
        for name in self._call(self.client.list_collections):
            if name.startswith(f"{self.alias}_"):
                found = self._call(self.client.list_aliases, name)
                if self.alias in (found.get("aliases") or []):
                    return str(name)
        return None

    def meta(self) -> dict[str, Any]:
        """The build's description: embedder, analyser version, build digest, text weights."""
        if self._meta is None:
            physical = self.physical_name()
            if physical is None:
                raise LibraryError(
                    f"no evidentia collection {self.alias!r} in Milvus at {self.uri}",
                    hint="load one with `evidentia bulk load DIR --milvus-uri URI`",
                )
            self._ensure_loaded(physical)
            described = self._call(self.client.describe_collection, self.alias)
            raw = (described.get("properties") or {}).get(META_KEY, "{}")
            meta = json.loads(raw)
            if meta.get("format") != FORMAT:
                raise LibraryError(f"the Milvus collection {self.alias!r} was not built by this "
                                   "evidentia", hint="reload it with `evidentia bulk load`")
            self._meta = meta
        return self._meta

    def _ensure_loaded(self, physical: str) -> None:
        """Load the collection for search (milvus-lite forgets that between processes)."""
        state = self._call(self.client.get_load_state, physical)
        if "Loaded" not in str(state.get("state", "")):
            self._call(self.client.load_collection, physical)

    def count(self) -> int:
        stats = self._call(self.client.get_collection_stats, self.alias)
        return int(stats.get("row_count", 0))

    # ------------------------------------------------------------------ search

    def bm25_search(self, text: str, limit: int, expr: str = "") -> list[tuple[str, float]]:
        if not text.strip() or limit <= 0:
            return []
        found = self._search(text, "sparse", {"metric_type": "BM25"}, limit, expr)
        # milvus-lite reports BM25 as a negated distance, Milvus as a score: both mean |score|.
        return [(pid, abs(score)) for pid, score in found]

    def dense_search(self, vector: Any, limit: int, expr: str = "") -> list[tuple[str, float]]:
        if limit <= 0:
            return []
        return self._search(_floats(vector), "vector", {"metric_type": "IP"}, limit, expr)

    def hybrid_search(
        self, text: str, vector: Any, limit: int, expr: str = "", *, rrf_k: float = 60.0
    ) -> list[tuple[str, float]]:
        """BM25 and dense fused by Milvus's ``RRFRanker`` (unweighted): [(id, fused score)]."""
        from pymilvus import AnnSearchRequest, RRFRanker

        limit = min(limit, MAX_LIMIT)
        requests = [AnnSearchRequest(data=[_floats(vector)], anns_field="vector",
                                     param={"metric_type": "IP"}, limit=limit, expr=expr or None)]
        if text.strip():
            requests.insert(0, AnnSearchRequest(data=[text], anns_field="sparse",
                                                param={"metric_type": "BM25"}, limit=limit,
                                                expr=expr or None))
        found = self._call(self.client.hybrid_search, self.alias, requests,
                           ranker=RRFRanker(int(rrf_k)), limit=limit, output_fields=["id"])
        return [(hit["id"], float(hit["distance"])) for hit in found[0]]

    def _search(
        self, data: Any, field: str, params: dict[str, Any], limit: int, expr: str
    ) -> list[tuple[str, float]]:
        found = self._call(self.client.search, self.alias, data=[data], anns_field=field,
                           search_params=params, limit=min(limit, MAX_LIMIT),
                           filter=expr or "", output_fields=["id"])
        return [(hit["id"], float(hit["distance"])) for hit in found[0]]

    def fetch(self, ids: Iterable[str], *, vectors: bool = False) -> dict[str, Stored]:
        """Stored rows by id (missing ids left out), in the order asked."""
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        fields = ["id", "paper", "facts", *(["vector"] if vectors else [])]
        rows: dict[str, Stored] = {}
        for start in range(0, len(wanted), 1000):
            chunk = wanted[start : start + 1000]
            for row in self._call(self.client.query, self.alias, ids=chunk, output_fields=fields):
                rows[row["id"]] = _stored(row, vectors)
        return {pid: rows[pid] for pid in wanted if pid in rows}

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except Exception as exc:
            if isinstance(exc, LibraryError | ConfigError):
                raise
            raise LibraryError(f"Milvus at {self.uri} failed: {exc}",
                               hint="check backend.milvus_uri and that Milvus is running") from exc


def _floats(vector: Any) -> list[float]:
    return [float(x) for x in np.asarray(vector, dtype=np.float32).reshape(-1)]


def _stored(row: dict[str, Any], vectors: bool) -> Stored:
    paper = Paper.model_validate_json(unpack(row["paper"]))
    facts = StudyFacts.model_validate_json(unpack(row["facts"])) if row.get("facts") else None
    vector = np.asarray(row["vector"], dtype=np.float32) if vectors else None
    return Stored(paper, facts, vector)


# --------------------------------------------------------------------------- connecting


def check_uri(uri: str) -> str:
    """A Milvus URI: ``http(s)://``, ``tcp://``, ``unix:`` or a milvus-lite file ending ``.db``."""
    uri = (uri or "").strip()
    if not uri:
        raise ConfigError("no Milvus URI given",
                          hint="pass --milvus-uri (a server URL or a milvus-lite file ending .db)")
    if re.match(r"^(?:https?|tcp|grpc)://|^unix:", uri) or uri.endswith(".db"):
        return uri
    raise ConfigError(f"{uri!r} is not a Milvus URI",
                      hint="use http://host:19530 for a server or a file ending .db for milvus-lite")


@lru_cache(maxsize=8)
def open_index(
    uri: str, collection: str = "evidentia", token: str | None = None, timeout_s: float = 30.0
) -> MilvusIndex:
    """A connected index (one client per URI, collection and token in a process)."""
    uri = check_uri(uri)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,200}", collection):
        raise ConfigError(f"{collection!r} is not a Milvus collection name",
                          hint="use letters, digits and underscores, starting with a letter")
    try:
        from pymilvus import MilvusClient
        # Failed calls are reported by us, as one user-facing error, not as logged tracebacks.
        logging.getLogger("pymilvus.decorators").setLevel(logging.CRITICAL)
    except ImportError:
        raise ConfigError("the Milvus backend needs pymilvus", hint=INSTALL_HINT) from None
    try:
        client = MilvusClient(uri=uri, token=token or "", timeout=timeout_s)
    except Exception as exc:  # noqa: BLE001 - connection errors come in many types
        raise LibraryError(f"cannot connect to Milvus at {uri}: {exc}",
                           hint="check the URI and that Milvus (or milvus-lite) is installed and running") from None
    return MilvusIndex(client, collection, uri)
