"""Applying records in order, as ``evidentia add`` does: the library's own matching and merging.

A bulk build cannot hold all of PubMed in one view, so events are first put into *groups*:
every record, deletion and (in an incremental build) base paper carries *labels* (its id,
``pmid:<PMID>``, ``doi:<normalised DOI>``), and records that share a label, directly or through
one other record, land in one group (two rounds of min-label propagation in Spark, see
:mod:`.job`). Within a group the events run, in file order, through ``store.writer``'s in-memory
view (``BatchView``) with the same planning functions ``add`` uses: a PMID or DOI match merges
(``merge_papers``: the incoming record's non-empty fields win, the first stored id is kept, a
retraction is never undone), a ``<DeleteCitation>`` removes the paper holding the PMID, a
record that links a PMID-only and a DOI-only paper folds them into one.

At each file boundary the view is rebuilt from its papers alone (``canonical_view``). That
changes nothing for one paper per key; it decides, by the smaller id, which of two papers that
both carry a DOI (two PMIDs, one DOI) holds it for later DOI-only records, so that the state
after any file is a function of the papers alone, which is what an incremental build starts
from (``--base``): base + updates gives the papers a full build gives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from ..models import Deletion, Paper, normalise_doi
from ..store.writer import (  # the library's matching and merging, shared on purpose
    BatchView,
    Plan,
    apply_item,
    pmid_key,
    row_for,
)

FOLDED_SCHEMA = pa.schema([("id", pa.string()), ("paper", pa.string()), ("unchanged", pa.bool_())])
OUT_BATCH = 1000
BASE_FILE = -1  # file number of an incremental build's base papers: before every input file


def paper_labels(paper_id: str, pmid: str | None, doi: str | None) -> list[str]:
    """What a paper can be matched by in ``add``: its id, its PMID and its DOI (as keys)."""
    labels = [paper_id]
    if key := pmid_key(pmid):
        labels.append(f"pmid:{key}")
    if doi and (key := normalise_doi(doi) or doi.strip().lower()):
        labels.append(f"doi:{key}")
    return sorted(set(labels))


def canonical_view(papers: Iterable[Paper]) -> BatchView:
    """A view of ``papers``; a key two papers carry is held by the smaller id."""
    view = BatchView()
    for paper in sorted(papers, key=lambda p: p.id, reverse=True):  # the last put wins
        view.put(row_for(paper))
    return view


def apply_group(events: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    """One group's papers after its events: (id, paper JSON, unchanged from a base paper).

    ``events`` are sorted by file and record number; ``kind`` is ``base`` (a paper of the
    previous build), ``paper`` or ``delete`` (``key`` is then ``pmid:<PMID>``).
    """
    base = [Paper.model_validate_json(e["paper"]) for e in events if e["kind"] == "base"]
    base_json = {paper.id: paper.model_dump_json() for paper in base}
    view, plan, file_no = canonical_view(base), Plan(now=0), None
    for event in events:
        if event["kind"] == "base":
            continue
        if file_no is not None and event["file_no"] != file_no:
            view = canonical_view(row.paper() for row in view.rows.values())
        file_no = event["file_no"]
        apply_item(view, plan, _event_item(event))
    return [(row.id, row.json, base_json.get(row.id) == row.json)
            for row in sorted(view.rows.values(), key=lambda r: r.id)]


def _event_item(event: dict[str, Any]) -> Paper | Deletion:
    if event["kind"] == "delete":
        return Deletion(pmid=pmid_key(event["key"]) or "")
    return Paper.model_validate_json(event["paper"])


def apply_groups(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: events sorted by (group, file, record) in, folded papers out."""
    group: list[dict[str, Any]] = []
    out: list[tuple[str, str, bool]] = []
    for row in _rows(batches):
        if group and row["grp"] != group[0]["grp"]:
            out += apply_group(group)
            group = []
        group.append(row)
        if len(out) >= OUT_BATCH:
            yield _batch(out)
            out = []
    if group:
        out += apply_group(group)
    if out:
        yield _batch(out)


def _rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch.select(["grp", "key", "file_no", "kind", "paper"]).to_pylist()


def _batch(rows: list[tuple[str, str, bool]]) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    return pa.RecordBatch.from_arrays([pa.array(c, type=f.type) for c, f in zip(
        columns, FOLDED_SCHEMA, strict=True)], schema=FOLDED_SCHEMA)


LABELS_SCHEMA = pa.schema([("key", pa.string()), ("labels", pa.list_(pa.string()))])


def base_labels(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: a base build's ``papers`` rows (id, pmid, doi) to their labels."""
    for batch in batches:
        rows = batch.select(["id", "pmid", "doi"]).to_pylist()
        labels = [paper_labels(row["id"], row["pmid"], row["doi"]) for row in rows]
        yield pa.RecordBatch.from_pydict(
            {"key": [row["id"] for row in rows], "labels": labels}, schema=LABELS_SCHEMA)


BASE_EVENT_SCHEMA = pa.schema([
    ("grp", pa.string()), ("key", pa.string()), ("file_no", pa.int32()),
    ("record_no", pa.int64()), ("kind", pa.string()), ("paper", pa.string()),
])


def base_events(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: base ``papers`` rows (with their group) to ``base`` events."""
    from .layout import paper_from_columns

    for batch in batches:
        rows = batch.to_pylist()
        count = len(rows)
        yield pa.RecordBatch.from_pydict({
            "grp": [row["grp"] for row in rows], "key": [row["id"] for row in rows],
            "file_no": [BASE_FILE] * count, "record_no": [0] * count, "kind": ["base"] * count,
            "paper": [paper_from_columns(row).model_dump_json() for row in rows],
        }, schema=BASE_EVENT_SCHEMA)
