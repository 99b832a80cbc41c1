"""What the Spark executors run: pure functions over bytes, rows and Arrow batches.

Nothing here imports Spark, so each step is tested alone and runs the same in any executor:

* :func:`file_events`: one input file's bytes become event rows, in file order, with the
  project's own parsers (``ingest.read_stream``; OpenAlex works JSONL line by line with
  ``ingest.openalex_json.parse_work``). It never raises: a malformed record, an unreadable file
  and even a parser crash become ``skip`` events with the file, position and reason.
* :func:`.merge.apply_groups` (in :mod:`.merge`): each group's events, in file order, applied
  as ``evidentia add`` applies them (updates merge, deletes remove, a shared DOI merges).
* :func:`enrich`: papers become full rows: analysed (``analyse.analyse``) and embedded with the
  model loaded once per partition.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

import pyarrow as pa

from ..errors import EvidentiaError, RecordError
from ..ingest._stream import GZIP_MAGIC, iter_lines
from ..ingest.openalex_json import parse_work
from ..ingest.reader import read_stream, sniff_format
from ..models import Deletion, Paper, Skipped
from ..store.writer import pmid_key
from .layout import FACT_FIELDS, ROW_SCHEMA, paper_columns
from .merge import paper_labels

# One event row: (key, file_no, record_no, kind, paper JSON, source, position, reason, labels);
# labels: what the record can be matched by (id, pmid:, doi:), see :mod:`.merge`.
EVENT_DDL = (
    "key string, file_no int, record_no long, kind string, paper string, "
    "source string, position string, reason string, labels array<string>"
)
Event = tuple[str, int, int, str, str, str, str, str, list[str]]
HEAD_BYTES = 64 * 1024


# --------------------------------------------------------------------------- parse


def file_events(
    file_no: int, name: str, content: bytes, *, max_file_bytes: int, max_record_bytes: int
) -> Iterator[Event]:
    """Every record of one file as an event, in file order; problems become ``skip`` events."""
    record_no = 0
    try:
        for record_no, item in enumerate(_items(name, content, max_file_bytes, max_record_bytes)):
            yield _event(file_no, record_no, item)
    except EvidentiaError as exc:  # the file as a whole cannot be read
        yield _skip(file_no, record_no + 1, name, "file", str(exc))
    except Exception as exc:  # noqa: BLE001 - a parser bug must not fail the job; it is reported
        reason = f"unexpected {type(exc).__name__}: {exc}; the rest of the file was skipped"
        yield _skip(file_no, record_no + 1, name, f"after record {record_no}", reason)


def _items(
    name: str, content: bytes, max_file_bytes: int, max_record_bytes: int
) -> Iterator[Paper | Deletion | Skipped]:
    if is_openalex_jsonl(content):
        yield from openalex_jsonl(io.BytesIO(content), name, max_record_bytes)
        return
    yield from read_stream(io.BytesIO(content), name, max_file_bytes=max_file_bytes,
                           max_record_bytes=max_record_bytes)


def is_openalex_jsonl(content: bytes) -> bool:
    """OpenAlex snapshot files: one work object per line (``works/.../part_000.gz``)."""
    head = _head(content)
    try:
        if sniff_format(head) != "openalex_json":
            return False
    except EvidentiaError:
        return False
    lines = [line for line in head.split(b"\n")[:2] if line.strip()]
    return len(lines) == 2 and all(line.lstrip().startswith(b"{") for line in lines)


def _head(content: bytes) -> bytes:
    if not content.startswith(GZIP_MAGIC):
        return content[:HEAD_BYTES]
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        try:
            return stream.read(HEAD_BYTES)
        except (OSError, EOFError):
            return b""


def openalex_jsonl(raw: io.BytesIO, name: str, max_record_bytes: int) -> Iterator[Paper | Skipped]:
    """OpenAlex works, one JSON object per line, through the OpenAlex parser."""
    stream = gzip.GzipFile(fileobj=raw) if raw.getvalue().startswith(GZIP_MAGIC) else raw
    for number, line in iter_lines(stream, max_record_bytes, split_cr=False):  # type: ignore[arg-type]
        if line is not None and not line.strip():
            continue
        try:
            if line is None:
                raise RecordError(f"line longer than {max_record_bytes:,} bytes")
            yield parse_work(json.loads(line), source=name)
        except (RecordError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, RecordError) else f"not JSON ({exc})"
            yield Skipped(source=name, position=f"line {number}", reason=reason)


def _event(file_no: int, record_no: int, item: Paper | Deletion | Skipped) -> Event:
    if isinstance(item, Paper):
        labels = paper_labels(item.id, item.pmid, item.doi)
        return (item.id, file_no, record_no, "paper", item.model_dump_json(), "", "", "", labels)
    if isinstance(item, Deletion):
        key = f"pmid:{pmid_key(item.pmid) or item.pmid}"
        return (key, file_no, record_no, "delete", "", item.source, item.position, "", [key])
    return _skip(file_no, record_no, item.source, item.position, item.reason)


def _skip(file_no: int, record_no: int, source: str, position: str, reason: str) -> Event:
    return ("", file_no, record_no, "skip", "", source, position, reason, [])


# --------------------------------------------------------------------------- analyse, embed


def enrich(
    batches: Iterable[pa.RecordBatch], *, embedder_name: str, embed_batch: int
) -> Iterator[pa.RecordBatch]:
    """``mapInArrow`` body: papers (JSON, bucket) of one bucket in, full paper rows out.

    The embedder is loaded once here, for the whole partition (and cached by the worker).
    """
    from ..index.embedders import get_embedder

    embedder = get_embedder(embedder_name)
    pending: list[dict[str, Any]] = []
    for row in _rows(batches):
        pending.append(row)
        if len(pending) >= embed_batch:
            yield enrich_rows(pending, embedder)
            pending = []
    if pending:
        yield enrich_rows(pending, embedder)


def _rows(batches: Iterable[pa.RecordBatch]) -> Iterator[dict[str, Any]]:
    for batch in batches:
        yield from batch.select(["paper", "bucket"]).to_pylist()


def enrich_rows(rows: list[dict[str, Any]], embedder: Any) -> pa.RecordBatch:
    """Papers (JSON) analysed and embedded, as one batch of ``ROW_SCHEMA``."""
    from ..index.embedders import document_text

    papers = [Paper.model_validate_json(row["paper"]) for row in rows]
    vectors = embedder.embed([document_text(paper.title, paper.abstract) for paper in papers])
    out = []
    for row, paper, vector in zip(rows, papers, vectors, strict=True):
        out.append({"id": paper.id, "bucket": row["bucket"], **paper_columns(paper),
                    **facts_columns(paper), "embedder": embedder.key, "vector": vector.tolist()})
    return pa.RecordBatch.from_pylist(out, schema=ROW_SCHEMA)


def facts_columns(paper: Paper) -> dict[str, Any]:
    """The ``facts`` columns of a paper; an analyser failure is recorded, never raised."""
    from .. import analyse as analysis

    try:
        facts = analysis.analyse(paper)
    except Exception as exc:  # noqa: BLE001 - one bad abstract must not fail the job
        empty = {name: None for name, _ in FACT_FIELDS}
        return {**empty, "analysis_error": f"{type(exc).__name__}: {exc}"[:500]}
    return {
        "analyser_version": facts.analyser_version, "design": facts.design,
        "species": facts.species, "sample_size": facts.sample_size.n if facts.sample_size else None,
        "facts_json": facts.model_dump_json(), "analysis_error": None,
    }
