"""Batch writes: match each incoming record to a stored paper, merge, and plan the SQL.

A batch is planned in memory and then executed in order inside one transaction:

1. every stored row the batch could touch is loaded with a few ``IN`` queries (by id, PMID, DOI,
   source id and content fingerprint), so matching needs no per-record ``SELECT``;
2. items are applied in order against that in-memory view, which is kept current, so a batch
   that adds, updates and deletes the same paper behaves as if the items were written one by one;
3. the changes run with ``executemany`` over runs of the same kind, and the FTS index is updated
   with one ``INSERT ... SELECT`` per run (see :mod:`.schema` for why not triggers). An updated
   paper's cached analyses are deleted with it.

Matching, strongest key first: the paper id, the PMID, the DOI, the source's own id (``ext_id``
with the same ``source``), the content fingerprint (``hash:`` id of title + abstract). A weaker key
never joins two records whose PMIDs (or, below the DOI, DOIs) disagree, and the fingerprint only
matches records that have an abstract (titles like "Erratum" are shared by unrelated records).
A record that links two stored rows of one paper (a PMID-only row and a DOI-only row) folds
them into one; see ``_claim_keys``.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from ..models import (
    BatchCounts,
    Deletion,
    Paper,
    make_paper_id,
    normalise_doi,
    normalise_pmid,
)

IN_CHUNK = 500  # bound parameters per IN (...) query

_ROW_COLUMNS = "id, pmid, doi, ext_id, source, fingerprint, content_hash, json"

INSERT_SQL = """INSERT INTO papers (id, pmid, doi, ext_id, source, fingerprint, content_hash,
    title, abstract, terms, year, journal, retracted, json, added_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"""
UPDATE_SQL = """UPDATE papers SET pmid = ?, doi = ?, ext_id = ?, source = ?, fingerprint = ?,
    content_hash = ?, title = ?, abstract = ?, terms = ?, year = ?, journal = ?, retracted = ?,
    json = ?, updated_at = ? WHERE id = ?"""
DELETE_SQL = "DELETE FROM papers WHERE id = ?"  # analyses go with it (ON DELETE CASCADE)
INDEX_SQL = """INSERT INTO papers_fts (rowid, title, abstract, terms)
    SELECT rid, title, abstract, terms FROM papers WHERE id IN ({marks})"""
UNINDEX_SQL = """INSERT INTO papers_fts (papers_fts, rowid, title, abstract, terms)
    SELECT 'delete', rid, title, abstract, terms FROM papers WHERE id IN ({marks})"""
FORGET_FACTS_SQL = "DELETE FROM analyses WHERE paper_id IN ({marks})"


@dataclass
class Row:
    """What matching needs to know about one stored paper."""

    id: str
    pmid: str | None
    doi: str | None
    ext_id: str | None
    source: str | None
    fingerprint: str
    content_hash: str
    json: str

    def paper(self) -> Paper:
        return Paper.model_validate_json(self.json)


@dataclass
class Candidate:
    """An incoming paper with the keys it is matched by."""

    paper: Paper
    pmid: str | None
    doi: str | None
    fingerprint: str

    @classmethod
    def of(cls, paper: Paper, fingerprint: str | None = None) -> Candidate:
        doi = normalise_doi(paper.doi) or (paper.doi.strip().lower() if paper.doi else None)
        return cls(paper, pmid_key(paper.pmid), doi or None, fingerprint or fingerprint_of(paper))


def pmid_key(pmid: str | None) -> str | None:
    """``"123"``, ``" 123 "`` and ``"pmid:123"`` are one PMID."""
    if not pmid:
        return None
    return normalise_pmid(pmid) or pmid.strip() or None


# ASCII punctuation and whitespace -> space: for ASCII text, ``lower().translate()`` then
# ``split()`` equals the NFKC + casefold + ``\W+`` normalisation of ``make_paper_id``, 5x faster.
_ASCII_NON_WORD = {code: " " for code in range(128) if not (chr(code).isalnum() or code == 95)}


def fingerprint_of(paper: Paper) -> str:
    """The ``hash:`` id of the paper's title and abstract (as ``make_paper_id`` computes it)."""
    text = f"{paper.title}\n{paper.abstract}"
    if not text.isascii():
        return make_paper_id(title=paper.title, abstract=paper.abstract)
    norm = " ".join(text.lower().translate(_ASCII_NON_WORD).split())
    return "hash:" + hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def terms_text(paper: Paper) -> str:
    """What the FTS ``terms`` column indexes: MeSH terms, keywords and publication types."""
    return "; ".join([*paper.mesh_terms, *paper.keywords, *paper.publication_types])


# --------------------------------------------------------------------------- the in-memory view


@dataclass
class BatchView:
    """Stored rows the batch can touch, indexed by every key a paper can match on."""

    rows: dict[str, Row] = field(default_factory=dict)
    by_pmid: dict[str, str] = field(default_factory=dict)
    by_doi: dict[str, str] = field(default_factory=dict)
    by_ext: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    by_fingerprint: dict[str, set[str]] = field(default_factory=dict)

    def put(self, row: Row) -> None:
        self.rows[row.id] = row
        if row.pmid:
            self.by_pmid[row.pmid] = row.id
        if row.doi:
            self.by_doi[row.doi] = row.id
        if row.ext_id:
            self.by_ext.setdefault((row.ext_id, row.source or ""), set()).add(row.id)
        self.by_fingerprint.setdefault(row.fingerprint, set()).add(row.id)

    def remove(self, paper_id: str) -> None:
        row = self.rows.pop(paper_id)
        if row.pmid and self.by_pmid.get(row.pmid) == paper_id:
            del self.by_pmid[row.pmid]
        if row.doi and self.by_doi.get(row.doi) == paper_id:
            del self.by_doi[row.doi]
        if row.ext_id:
            self.by_ext.get((row.ext_id, row.source or ""), set()).discard(paper_id)
        self.by_fingerprint.get(row.fingerprint, set()).discard(paper_id)

    def match(self, incoming: Candidate) -> Row | None:
        paper = incoming.paper
        if paper.id in self.rows:
            return self.rows[paper.id]
        if incoming.pmid and incoming.pmid in self.by_pmid:
            return self.rows[self.by_pmid[incoming.pmid]]
        if incoming.doi and incoming.doi in self.by_doi:
            row = self.rows[self.by_doi[incoming.doi]]
            if _pmids_agree(row, incoming):
                return row
        if paper.ext_id:
            same_source = self.by_ext.get((paper.ext_id, paper.source or ""))
            row = self._first_compatible(same_source, incoming)
            if row is not None:
                return row
        if paper.abstract.strip():
            return self._first_compatible(self.by_fingerprint.get(incoming.fingerprint), incoming)
        return None

    def _first_compatible(self, ids: set[str] | None, incoming: Candidate) -> Row | None:
        for paper_id in sorted(ids or ()):
            row = self.rows[paper_id]
            if _pmids_agree(row, incoming) and _dois_agree(row, incoming):
                return row
        return None


def _pmids_agree(row: Row, incoming: Candidate) -> bool:
    return not (row.pmid and incoming.pmid and row.pmid != incoming.pmid)


def _dois_agree(row: Row, incoming: Candidate) -> bool:
    return not (row.doi and incoming.doi and row.doi != incoming.doi)


def load_view(
    conn: sqlite3.Connection, candidates: Sequence[Candidate], pmids: Iterable[str]
) -> BatchView:
    """Every stored row that shares a key with the batch, in a handful of ``IN`` queries."""
    keys: dict[str, set[str]] = {"id": set(), "pmid": set(pmids), "doi": set(), "ext_id": set(),
                                 "fingerprint": set()}
    for item in candidates:
        keys["id"].add(item.paper.id)
        keys["fingerprint"].add(item.fingerprint)
        optional = {"pmid": item.pmid, "doi": item.doi, "ext_id": item.paper.ext_id}
        for column, value in optional.items():
            if value:
                keys[column].add(value)
    view = BatchView()
    for column, values in keys.items():  # a row found by several keys is loaded once
        for row in _select_rows(conn, column, sorted(values)):
            if row.id not in view.rows:
                view.put(row)
    return view


def _select_rows(conn: sqlite3.Connection, column: str, values: list[str]) -> Iterator[Row]:
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {_ROW_COLUMNS} FROM papers WHERE {column} IN ({marks})"
        for record in conn.execute(sql, chunk):
            yield Row(*record)


# --------------------------------------------------------------------------- merging


def merge_papers(existing: Paper, incoming: Paper) -> Paper:
    """The stored paper updated by an incoming record of it.

    The existing id is kept; the incoming record's non-empty fields win; fields it lacks (no MeSH
    in a JSONL record, no year) keep their stored values. Sections follow the abstract they index.
    A retraction is never undone by a record that does not mention it.
    """
    update: dict[str, Any] = {}
    for name in Paper.model_fields:
        if name in {"id", "sections", "retracted"}:
            continue
        value = getattr(incoming, name)
        if value not in (None, "", []):
            update[name] = value
    if incoming.abstract:
        update["sections"] = incoming.sections
    update["retracted"] = existing.retracted or incoming.retracted
    return existing.model_copy(update=update)


# --------------------------------------------------------------------------- planning


@dataclass
class Plan:
    """The changes a batch makes, in order (``insert``/``update``/``delete`` with their
    parameters), and what it counts."""

    now: int
    counts: BatchCounts = field(default_factory=BatchCounts)
    ops: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)

    def execute(self, conn: sqlite3.Connection) -> None:
        """Run each run of like changes as one ``executemany`` with one FTS statement per chunk."""
        for kind, group in groupby(self.ops, key=lambda op: op[0]):
            _EXECUTORS[kind](conn, [params for _, params in group])


def _run_inserts(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    conn.executemany(INSERT_SQL, rows)
    _for_ids(conn, INDEX_SQL, [row[0] for row in rows])


def _run_updates(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    ids = list(dict.fromkeys(row[-1] for row in rows))
    _for_ids(conn, UNINDEX_SQL, ids)  # with the old text, as external-content FTS5 requires
    conn.executemany(UPDATE_SQL, rows)
    _for_ids(conn, INDEX_SQL, ids)
    _for_ids(conn, FORGET_FACTS_SQL, ids)


def _run_deletes(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    _for_ids(conn, UNINDEX_SQL, [row[0] for row in rows])
    conn.executemany(DELETE_SQL, rows)


def _for_ids(conn: sqlite3.Connection, sql: str, ids: list[str]) -> None:
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start : start + IN_CHUNK]
        conn.execute(sql.format(marks=",".join("?" * len(chunk))), chunk)


_EXECUTORS = {"insert": _run_inserts, "update": _run_updates, "delete": _run_deletes}


def plan_batch(conn: sqlite3.Connection, items: Sequence[Paper | Deletion], now: int) -> Plan:
    candidates = {id(item): Candidate.of(item) for item in items if isinstance(item, Paper)}
    pmids = [pmid_key(item.pmid) or "" for item in items if isinstance(item, Deletion)]
    view = load_view(conn, list(candidates.values()), pmids)
    plan = Plan(now)
    for item in items:
        apply_item(view, plan, candidates.get(id(item), item))
    return plan


def apply_item(view: BatchView, plan: Plan, item: Paper | Candidate | Deletion) -> None:
    """Fold one record into ``view``, recording the write in ``plan``: the one matching and
    merging rule of the library, shared by ``add`` and the bulk build."""
    if isinstance(item, Deletion):
        _plan_deletion(view, plan, pmid_key(item.pmid) or "")
    else:
        _plan_paper(view, plan, item if isinstance(item, Candidate) else Candidate.of(item))


def _plan_deletion(view: BatchView, plan: Plan, pmid: str) -> None:
    paper_id = view.by_pmid.get(pmid)
    if paper_id is None:
        return
    view.remove(paper_id)
    plan.ops.append(("delete", (paper_id,)))
    plan.counts.deleted += 1


def _plan_paper(view: BatchView, plan: Plan, incoming: Candidate) -> None:
    row = view.match(incoming)
    if row is None:
        _plan_insert(view, plan, incoming)
        plan.counts.added += 1
        return
    merged = merge_papers(row.paper(), incoming.paper)
    if merged.content_hash() == row.content_hash:
        plan.counts.unchanged += 1
        return
    _plan_update(view, plan, row, merged)
    plan.counts.updated += 1


def _plan_insert(view: BatchView, plan: Plan, incoming: Candidate) -> None:
    paper = incoming.paper
    row = row_for(paper, incoming.fingerprint)
    row.pmid, row.doi = _claim_keys(view, plan, row)
    view.put(row)
    plan.ops.append(("insert", (*_values(paper, row), plan.now, plan.now)))


def _plan_update(view: BatchView, plan: Plan, old: Row, merged: Paper) -> None:
    view.remove(old.id)
    row = row_for(merged)
    row.pmid, row.doi = _claim_keys(view, plan, row)
    view.put(row)
    plan.ops.append(("update", (*_values(merged, row)[1:], plan.now, row.id)))


def _claim_keys(view: BatchView, plan: Plan, row: Row) -> tuple[str | None, str | None]:
    """The PMID and DOI this row may hold in the unique lookup columns.

    A key held by another row is taken over when that row is the same paper stored twice (it has
    no PMID, or this one; it is then folded into this one, its analyses with it), and left to it
    otherwise (the key stays in this paper's JSON but not in the lookup column).
    """
    keys: list[str | None] = []
    for value, owners in ((row.pmid, view.by_pmid), (row.doi, view.by_doi)):
        owner = owners.get(value) if value else None
        if owner is not None and owner != row.id:
            if view.rows[owner].pmid not in (None, row.pmid):
                value = None
            else:
                view.remove(owner)
                plan.ops.append(("delete", (owner,)))
        keys.append(value)
    return keys[0], keys[1]


def row_for(paper: Paper, fingerprint: str | None = None) -> Row:
    incoming = Candidate.of(paper, fingerprint)
    return Row(
        id=paper.id, pmid=incoming.pmid, doi=incoming.doi, ext_id=paper.ext_id,
        source=paper.source, fingerprint=incoming.fingerprint, content_hash=paper.content_hash(),
        json=paper.model_dump_json(),
    )


def _values(paper: Paper, row: Row) -> tuple[Any, ...]:
    """Column values in INSERT order (without the timestamps); UPDATE uses ``[1:]``."""
    return (
        row.id, row.pmid, row.doi, row.ext_id, row.source, row.fingerprint, row.content_hash,
        paper.title, paper.abstract, terms_text(paper), paper.year, paper.journal,
        int(paper.retracted), row.json,
    )
