"""Bulk: the whole of PubMed (or OpenAlex) built on Apache Spark, served from Milvus.

    from evidentia.bulk import build, load
    build(["pubmed/baseline", "pubmed/updatefiles"], "out/", settings)   # Spark: parse, apply,
                                                                          # analyse, embed, Parquet
    load("out/", settings)                                                 # Parquet -> Milvus

The same parsers (``ingest``), analysers (``analyse``) and embedders (``index.embedders``) as
``evidentia add`` run on the executors; searches then go through ``backend.name = "milvus"``
(:mod:`evidentia.retrieve.backend`) and reports are made exactly as for the embedded library.

Modules: :mod:`.layout` (Parquet datasets and manifest), :mod:`.records` (what executors run),
:mod:`.merge` (records applied as ``add`` applies them), :mod:`.grouping` (its Spark side, and
the base of an incremental build), :mod:`.spark` (session and file system), :mod:`.job` (the
Spark job), :mod:`.loader` (Parquet into Milvus). Spark and pyarrow are imported only when a build or load runs.
See docs/scale.md for cluster use (spark-submit) and measured figures.
"""

from __future__ import annotations

from typing import Any

__all__ = ["BuildSummary", "LoadSummary", "build", "load"]


def __getattr__(name: str) -> Any:
    if name in ("build", "BuildSummary"):
        from . import job as module
    elif name in ("load", "LoadSummary"):
        from . import loader as module
    else:
        raise AttributeError(f"module 'evidentia.bulk' has no attribute {name!r}")
    return getattr(module, name)
