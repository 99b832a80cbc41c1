"""``evidentia bulk build``: input files to the Parquet layout of :mod:`.layout`, on Spark.

    summary = build(["baseline/", "updatefiles/"], "out/", settings)

Stages (each a Spark job; the functions they run are in :mod:`.records`):

1. **list** the inputs on the driver: arguments in the order given, a folder or glob in path
   order. That is the order update and delete records apply in: give the baseline first.
2. **parse** each file on an executor (``binaryFiles``: local, HDFS or an object store) into
   events; malformed records become ``skip`` events, counted and listed in ``skipped.jsonl``.
3. **apply**: events are hashed on the paper id into ``bulk.partitions`` buckets and sorted by
   (id, file, record), so each bucket keeps every id's last event: updates replace, deletes
   remove, in file order.
4. **analyse and embed** each bucket (``mapInArrow``: the embedder is loaded once per
   partition), then write ``papers``, ``facts`` and ``embeddings``.

Idempotent: the manifest is removed first and written last; each dataset is written to a
staging folder, its part files renamed to ``part-<bucket>.parquet`` and the folder swapped in
with a rename. Partitioning and order are deterministic, so a rerun after a killed job writes
byte-identical files.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..config import Settings
from ..errors import InputError
from .layout import (
    COLUMNS,
    DATASETS,
    FORMAT,
    MANIFEST,
    ROW_SCHEMA,
    SKIPPED,
    Manifest,
    build_id,
)
from .records import EVENT_DDL, enrich, file_events
from .spark import HadoopFs, spark_session

Progress = Callable[[str], None]
STAGING = ".staging"


@dataclass
class BuildSummary:
    out: str
    build: str
    files: int
    records: int  # papers, deletions and skipped records read
    papers: int  # papers written (the last version of each id still present)
    deleted: int  # ids whose last record was a deletion
    skipped: int
    analysis_errors: int
    seconds: float


def build(
    sources: list[str], out: str, settings: Settings, *, progress: Progress | None = None
) -> BuildSummary:
    """Build ``out`` from ``sources`` (files, folders, globs; local or any Hadoop file system)."""
    if not sources:
        raise InputError("no input files given", hint="pass PubMed XML or OpenAlex JSONL files or folders")
    spark, started_here = spark_session(settings.bulk)
    try:
        return _Job(spark, settings, progress or (lambda _: None)).run(sources, out)
    finally:
        if started_here:
            spark.stop()


class _Job:
    def __init__(self, spark: Any, settings: Settings, progress: Progress) -> None:
        self.spark = spark
        self.settings = settings
        self.progress = progress
        self.fs = HadoopFs(spark)
        self.partitions = settings.bulk.partitions
        # Small aggregations (counts, distinct ids) need no more tasks than buckets.
        spark.conf.set("spark.sql.shuffle.partitions", str(self.partitions))

    def run(self, sources: list[str], out: str) -> BuildSummary:
        start = time.monotonic()
        out = self.fs.qualified(out)
        inputs = self._inputs(sources)
        self._reset(out)
        self.progress(f"parsing {len(inputs)} files")
        events = self._events(inputs).persist(_disk_only())
        try:
            kinds = {row["kind"]: row["count"] for row in events.groupBy("kind").count().collect()}
            skipped = self._write_skipped(events, out)
            counts = self._write_datasets(events, out)
        finally:
            events.unpersist()
        counts.update(records=sum(kinds.values()), skipped=skipped)
        manifest = self._manifest(inputs, counts, out)
        self.fs.write_text(f"{out}/{MANIFEST}", manifest.to_json())
        return BuildSummary(out=out, build=manifest.build, files=len(inputs),
                            seconds=round(time.monotonic() - start, 1), **counts)

    # ------------------------------------------------------------------ stages

    def _inputs(self, sources: list[str]) -> list[tuple[str, int]]:
        seen: dict[str, int] = {}
        for source in sources:
            for uri, size in self.fs.expand(source):
                seen.setdefault(uri, size)
        if not seen:
            raise InputError(f"no input files in {', '.join(sources)}", hint="check the paths")
        return list(seen.items())

    def _reset(self, out: str) -> None:
        """Mark the output unfinished (no manifest) and clear what a killed run left."""
        self.fs.delete(f"{out}/{MANIFEST}")
        self.fs.delete(f"{out}/{STAGING}")
        for dataset in DATASETS:
            self.fs.delete(f"{out}/.old-{dataset}")
        self.fs.mkdirs(f"{out}/{STAGING}")

    def _events(self, inputs: list[tuple[str, int]]) -> Any:
        order = {uri: number for number, (uri, _) in enumerate(inputs)}
        ingest = self.settings.ingest
        parse = partial(_parse_file, order=order, max_file_bytes=ingest.max_file_bytes,
                        max_record_bytes=ingest.max_record_bytes)
        files = self.spark.sparkContext.binaryFiles(
            ",".join(uri for uri, _ in inputs), minPartitions=len(inputs))
        return self.spark.createDataFrame(files.flatMap(parse), EVENT_DDL)

    def _write_skipped(self, events: Any, out: str) -> int:
        from pyspark.sql import functions as F

        skips = events.filter(F.col("kind") == "skip")
        count = skips.count()
        listed = skips.orderBy("file_no", "record_no").limit(self.settings.bulk.max_skipped_listed)
        lines = [json.dumps({"source": row["source"], "position": row["position"],
                             "reason": row["reason"]}, ensure_ascii=False) + "\n"
                 for row in listed.collect()]
        self.fs.write_text(f"{out}/{SKIPPED}", "".join(lines))
        return count

    def _write_datasets(self, events: Any, out: str) -> dict[str, int]:
        from pyspark.sql import functions as F

        live = events.filter(F.col("kind") != "skip").withColumn(
            "bucket", F.expr(f"pmod(hash(key), {self.partitions})").cast("int"))
        # Spark's hash partitioning is pmod(hash(key), P) too: bucket b is partition b.
        ordered = live.repartition(self.partitions, "key").sortWithinPartitions(
            "key", "file_no", "record_no")
        rows = ordered.mapInArrow(partial(
            enrich, embedder_name=self.settings.index.embedder,
            embed_batch=self.settings.bulk.embed_batch), _spark_schema()).persist(_disk_only())
        try:
            self.progress(f"analysing and embedding into {self.partitions} buckets")
            for dataset in DATASETS:
                self._write_dataset(rows.select(*COLUMNS[dataset]), dataset, out)
            papers = rows.count()
            errors = rows.filter(F.col("analysis_error").isNotNull()).count()
        finally:
            rows.unpersist()
        keys = live.select("key").distinct().count()
        return {"papers": papers, "deleted": keys - papers, "analysis_errors": errors}

    def _write_dataset(self, frame: Any, dataset: str, out: str) -> None:
        self.progress(f"writing {dataset}")
        staging = f"{out}/{STAGING}/{dataset}"
        frame.write.mode("overwrite").option("compression", "zstd").parquet(staging)
        names = self.fs.list_names(staging)
        parts = [name for name in names if name.startswith("part-") and name.endswith(".parquet")]
        for name in set(names) - set(parts):  # _SUCCESS, checksum files
            self.fs.delete(f"{staging}/{name}")
        for name in parts:
            self.fs.rename(f"{staging}/{name}", f"{staging}/{name[:10]}.parquet")
        target, old = f"{out}/{dataset}", f"{out}/.old-{dataset}"
        if self.fs.exists(target):
            self.fs.rename(target, old)
        self.fs.rename(staging, target)
        self.fs.delete(old)

    def _manifest(self, inputs: list[tuple[str, int]], counts: dict[str, int], out: str) -> Manifest:
        from ..analyse import ANALYSER_VERSION
        from ..index.embedders import get_embedder

        embedder = get_embedder(self.settings.index.embedder)
        used = {"partitions": self.partitions, "embedder": embedder.key,
                "embedder_name": embedder.name, "analyser_version": ANALYSER_VERSION}
        files = [{"uri": uri, "bytes": size} for uri, size in inputs]
        datasets = {name: {"files": self.fs.list_names(f"{out}/{name}")} for name in DATASETS}
        self.fs.delete(f"{out}/{STAGING}")
        return Manifest({"format": FORMAT, "build": build_id(files, used, counts), "inputs": files,
                         **used, "counts": counts, "datasets": datasets})


def _parse_file(item: tuple[str, bytes], *, order: dict[str, int], **limits: int) -> Any:
    uri, content = item
    name = uri.rsplit("/", 1)[-1]
    return file_events(order.get(uri, -1), name, content, **limits)


def _spark_schema() -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(ROW_SCHEMA)


def _disk_only() -> Any:
    from pyspark import StorageLevel

    return StorageLevel.DISK_ONLY
