"""``evidentia bulk load``: a finished bulk build into a Milvus collection.

    summary = load("out/", settings)      # settings.backend: milvus_uri, collection, token

Each build goes into its own collection, ``<collection>_<build id>``, which is published by
pointing the alias ``<collection>`` at it once every row is in; the build it replaces is then
dropped. A load that is killed leaves the published build untouched, and the next load starts
that build's collection afresh. Loading a build that is already published does nothing.

Rows are read bucket by bucket with pyarrow (the three datasets share buckets and order) and
written ``bulk.load_batch`` at a time. A row Milvus cannot hold (an id over 512 bytes, a record
over 64 KiB compressed) is counted and skipped. For tens of millions of rows on a real cluster,
Milvus's own bulk import of the same Parquet is faster; see docs/scale.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError, RecordError
from ..index.milvus import (
    MilvusIndex,
    PaperRecord,
    open_index,
    record_row,
    shared_analyser,
)
from .layout import DATASETS, Manifest, paper_from_columns, read_manifest

Progress = Callable[[str], None]


@dataclass
class LoadSummary:
    collection: str  # the alias searches use
    physical: str  # the build's own collection
    rows: int
    skipped: list[str] = field(default_factory=list)  # "id: reason" of rows left out
    dropped: list[str] = field(default_factory=list)  # collections of replaced builds
    already_loaded: bool = False
    seconds: float = 0.0


def load(out: str | Path, settings: Settings, *, progress: Progress | None = None) -> LoadSummary:
    """Load the build in ``out`` into Milvus and publish it under ``backend.collection``."""
    start = time.monotonic()
    out = Path(out)
    manifest = read_manifest(out)
    backend = settings.backend
    index = open_index(backend.milvus_uri, backend.collection, backend.milvus_token, backend.timeout_s)
    physical = f"{backend.collection}_{manifest.build}"
    if index.physical_name() == physical:  # published only once every row was in
        return LoadSummary(backend.collection, physical, index.count(), already_loaded=True)
    summary = load_records(index, manifest, iter_records(out, manifest, settings.bulk.load_batch),
                           settings, progress or (lambda _: None))
    summary.seconds = round(time.monotonic() - start, 1)
    return summary


def load_records(
    index: MilvusIndex, manifest: Manifest, batches: Iterator[list[PaperRecord]],
    settings: Settings, progress: Progress,
) -> LoadSummary:
    """Create the build's collection, insert every batch, publish it."""
    weights = (settings.retrieve.title_weight, settings.retrieve.abstract_weight,
               settings.retrieve.terms_weight)
    meta = {key: manifest.data[key] for key in ("build", "embedder", "embedder_name", "analyser_version")}
    exact = manifest.counts["papers"] <= settings.index.exact_max
    physical = index.create(manifest.build, _dimension(manifest), {**meta, "text_weights": weights},
                            exact=exact)
    summary = LoadSummary(index.alias, physical, 0)
    analyser = shared_analyser()
    for batch in batches:
        rows = []
        for record in batch:
            try:
                rows.append(record_row(record, analyser, weights))
            except RecordError as exc:
                summary.skipped.append(f"{record.paper.id}: {exc.reason}")
        index.insert(physical, rows)
        summary.rows += len(rows)
        progress(f"loaded {summary.rows:,} of {manifest.counts['papers']:,}")
    summary.dropped = index.publish(physical)
    return summary


def _dimension(manifest: Manifest) -> int:
    from ..index.embedders import get_embedder

    return get_embedder(str(manifest.data["embedder_name"])).dim


def iter_records(out: Path, manifest: Manifest, batch_size: int) -> Iterator[list[PaperRecord]]:
    """The build's papers, facts and vectors as records, ``batch_size`` at a time (streamed)."""
    batch: list[PaperRecord] = []
    for name in manifest.files("papers"):
        streams = [_rows(out / dataset / name, batch_size) for dataset in DATASETS]
        for paper, facts, vector in zip(*streams, strict=True):
            if not paper["id"] == facts["id"] == vector["id"]:
                raise InputError(f"{out}: the datasets of {name} do not line up at {paper['id']}",
                                 hint="the output was changed after the build; run `evidentia bulk build` again")
            batch.append(_record(paper, facts, vector))
            if len(batch) == batch_size:
                yield batch
                batch = []
    if batch:
        yield batch


def _rows(path: Path, batch_size: int) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as parquet:
        for part in parquet.iter_batches(batch_size=batch_size):
            yield from part.to_pylist()


def _record(paper_row: dict[str, Any], facts_row: dict[str, Any], vector_row: dict[str, Any]) -> PaperRecord:
    return PaperRecord(
        paper=paper_from_columns(paper_row), facts_json=facts_row["facts_json"] or "",
        design=facts_row["design"] or "other", species=facts_row["species"] or "unknown",
        sample_size=facts_row["sample_size"] or 0, vector=vector_row["vector"],
    )
