"""The Parquet layout of a bulk build, and its manifest.

    OUT/
      manifest.json            written last: what was built from what, row counts, build id
      papers/part-00000.parquet ... part-<P-1>.parquet      one Paper per row (its fields)
      facts/part-00000.parquet  ...                          StudyFacts JSON + filter columns
      embeddings/part-00000.parquet ...                      the embedder's vector per paper
      skipped.jsonl            malformed records: source, position, reason (all counted)

Papers are hashed on id into ``bucket = pmod(hash(id), P)`` (Spark's own hash partitioning, so
bucket ``b`` is part file ``b``) and sorted by id inside each file. The three datasets have the
same buckets and the same order: row ``i`` of ``papers/part-00007`` is row ``i`` of
``facts/part-00007`` and of ``embeddings/part-00007``. Identical inputs and settings give
the same rows in the same files, which is what makes a rerun after a killed job safe.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InputError
from ..models import Paper

FORMAT = "evidentia-bulk-1"
MANIFEST = "manifest.json"
SKIPPED = "skipped.jsonl"
DATASETS = ("papers", "facts", "embeddings")

_STRINGS = pa.list_(pa.string())
SECTION = pa.struct([("label", pa.string()), ("category", pa.string()),
                     ("start", pa.int32()), ("end", pa.int32())])

PAPER_FIELDS: list[tuple[str, pa.DataType]] = [
    ("pmid", pa.string()), ("doi", pa.string()), ("ext_id", pa.string()),
    ("title", pa.string()), ("abstract", pa.string()), ("sections", pa.list_(SECTION)),
    ("authors", _STRINGS), ("year", pa.int32()), ("journal", pa.string()),
    ("publication_types", _STRINGS), ("mesh_terms", _STRINGS), ("keywords", _STRINGS),
    ("language", pa.string()), ("retracted", pa.bool_()), ("source", pa.string()),
    ("fetched_at", pa.string()),
]
FACT_FIELDS: list[tuple[str, pa.DataType]] = [
    ("analyser_version", pa.string()), ("design", pa.string()), ("species", pa.string()),
    ("sample_size", pa.int64()), ("facts_json", pa.string()), ("analysis_error", pa.string()),
]
EMBEDDING_FIELDS: list[tuple[str, pa.DataType]] = [
    ("embedder", pa.string()), ("vector", pa.list_(pa.float32())),
]
KEY_FIELDS: list[tuple[str, pa.DataType]] = [("id", pa.string()), ("bucket", pa.int32())]

COLUMNS = {
    "papers": [name for name, _ in KEY_FIELDS + PAPER_FIELDS],
    "facts": [name for name, _ in KEY_FIELDS + FACT_FIELDS],
    "embeddings": [name for name, _ in KEY_FIELDS + EMBEDDING_FIELDS],
}
# What the Spark job computes per paper; the three datasets are projections of it.
ROW_SCHEMA = pa.schema(KEY_FIELDS + PAPER_FIELDS + FACT_FIELDS + EMBEDDING_FIELDS)


def paper_columns(paper: Paper) -> dict[str, Any]:
    """A paper's columns in ``papers`` (``Paper`` field for field)."""
    data = paper.model_dump(exclude={"id"})
    data["sections"] = [section.model_dump() for section in paper.sections]
    return data


def paper_from_columns(row: dict[str, Any]) -> Paper:
    """The ``Paper`` a ``papers`` row holds (``bucket`` ignored)."""
    data = {name: row.get(name) for name, _ in PAPER_FIELDS}
    for name in ("authors", "publication_types", "mesh_terms", "keywords", "sections"):
        data[name] = data[name] or []
    return Paper.model_validate({"id": row["id"], **data})


# --------------------------------------------------------------------------- manifest


@dataclass
class Manifest:
    """What ``manifest.json`` says: the build id, its inputs, settings and counts."""

    data: dict[str, Any]

    @property
    def build(self) -> str:
        return str(self.data["build"])

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.data["counts"])

    def files(self, dataset: str) -> list[str]:
        return list(self.data["datasets"][dataset]["files"])

    def to_json(self) -> str:
        return json.dumps(self.data, indent=2, sort_keys=True) + "\n"


def build_id(inputs: list[dict[str, Any]], settings: dict[str, Any], counts: dict[str, int]) -> str:
    """A short id of what a build is made of: the same inputs and settings give the same id."""
    payload = json.dumps([inputs, settings, counts], sort_keys=True).encode("utf-8")
    return hashlib.sha256(payload).hexdigest()[:16]


def read_manifest(out: Path) -> Manifest:
    """The manifest of a finished build; ``InputError`` when the build is missing or incomplete."""
    path = out / MANIFEST
    if not path.is_file():
        raise InputError(
            f"{out}: no finished bulk build here (no {MANIFEST})",
            hint="run `evidentia bulk build SOURCES --out DIR` (again, if a build was interrupted)",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot be read ({exc})", hint="rebuild with `evidentia bulk build`") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: not an evidentia bulk manifest", hint="rebuild with `evidentia bulk build`")
    manifest = Manifest(data)
    _check_files(out, manifest)
    return manifest


def _check_files(out: Path, manifest: Manifest) -> None:
    for dataset in DATASETS:
        for name in manifest.files(dataset):
            if not (out / dataset / name).is_file():
                raise InputError(
                    f"{out / dataset / name}: missing, though the manifest lists it",
                    hint="the output was changed after the build; run `evidentia bulk build` again",
                )
