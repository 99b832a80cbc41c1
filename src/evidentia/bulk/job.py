"""``evidentia bulk build``: input files to the Parquet layout of :mod:`.layout`, on Spark.

    summary = build(["baseline/", "updatefiles/"], "out/", settings)
    summary = build(["updatefiles/pubmed26n1400.xml.gz"], "out2/", settings, base="out/")

Stages (each a Spark job; the functions they run are in :mod:`.records` and :mod:`.merge`):

1. **list** the inputs on the driver: arguments in the order given, a folder or glob in path
   order. That is the order update and delete records apply in: give the baseline first.
2. **parse** each file on an executor (``binaryFiles``: local, HDFS or an object store) into
   events; malformed records become ``skip`` events, counted and listed in ``skipped.jsonl``.
3. **apply**: events that share an id, PMID or DOI are grouped (:mod:`.grouping`) and each
   group's events run in file order through the library writer's matching and merging
   (:func:`.merge.apply_groups`): updates merge, deletes remove, a shared DOI merges, as in
   ``evidentia add``.
4. **analyse and embed** the papers, hashed on id into ``bulk.partitions`` buckets and sorted
   (``mapInArrow``: the embedder is loaded once per partition), then write ``papers``,
   ``facts`` and ``embeddings``.

With ``base`` (a previous build), the base's papers join the groups the inputs touch as their
starting state; papers that come out unchanged, and those of untouched groups, are copied from
the base rows instead of being analysed again. The result equals a full build.

Idempotent: the manifest is removed first and written last; each dataset is written to a
staging folder, its part files renamed to ``part-<bucket>.parquet`` and the folder swapped in
with a rename. Partitioning and order are deterministic, so a rerun after a killed job writes
the same rows in the same files.
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
from .grouping import base_label_nodes, base_rows, deleted_count, group_of_keys
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
from .merge import BASE_EVENT_SCHEMA, FOLDED_SCHEMA, apply_groups, base_events
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
    papers: int  # papers written (each id's records merged, deleted ones left out)
    deleted: int  # ids whose last record was a deletion
    skipped: int
    analysis_errors: int
    analysed: int  # papers analysed and embedded by this build
    seconds: float
    carried: int = 0  # papers copied from the base build unchanged (with --base)
    base: dict[str, str] | None = None  # the base build's id and URI (with --base)


def build(
    sources: list[str], out: str, settings: Settings, *, base: str | None = None,
    progress: Progress | None = None,
) -> BuildSummary:
    """Build ``out`` from ``sources`` (files, folders, globs; local or any Hadoop file system).

    ``base``: a previous build's output; ``sources`` (update files) are applied on top of it:
    papers they do not touch are copied, touched ones are merged, analysed and embedded again.
    """
    if not sources:
        raise InputError("no input files given", hint="pass PubMed XML or OpenAlex JSONL files or folders")
    spark, started_here = spark_session(settings.bulk)
    try:
        return _Job(spark, settings, progress or (lambda _: None)).run(sources, out, base)
    finally:
        if started_here:
            spark.stop()


@dataclass
class _Base:
    """The previous build an incremental build starts from."""

    uri: str
    manifest: dict[str, Any]


class _Job:
    def __init__(self, spark: Any, settings: Settings, progress: Progress) -> None:
        self.spark = spark
        self.settings = settings
        self.progress = progress
        self.fs = HadoopFs(spark)
        self.partitions = settings.bulk.partitions
        # Small aggregations (counts, distinct ids) need no more tasks than buckets.
        spark.conf.set("spark.sql.shuffle.partitions", str(self.partitions))

    def run(self, sources: list[str], out: str, base_uri: str | None = None) -> BuildSummary:
        start = time.monotonic()
        out = self.fs.qualified(out)
        base = self._base(base_uri, out) if base_uri else None
        inputs = self._inputs(sources)
        self._reset(out)
        self.progress(f"parsing {len(inputs)} files")
        events = self._events(inputs).persist(_disk_only())
        try:
            kinds = {row["kind"]: row["count"] for row in events.groupBy("kind").count().collect()}
            skipped = self._write_skipped(events, out)
            counts = self._write_datasets(events, out, base)
        finally:
            events.unpersist()
        counts.update(records=sum(kinds.values()), skipped=skipped)
        manifest = self._manifest(inputs, counts, out, base)
        self.fs.write_text(f"{out}/{MANIFEST}", manifest.to_json())
        return BuildSummary(out=out, build=manifest.build, files=len(inputs), base=manifest.data.get("base"),
                            seconds=round(time.monotonic() - start, 1), **counts)

    def _base(self, uri: str, out: str) -> _Base:
        """The finished previous build at ``uri``, made with this embedder and analyser."""
        from ..analyse import ANALYSER_VERSION
        from ..index.embedders import get_embedder

        uri = self.fs.qualified(uri)
        if uri.rstrip("/") == out.rstrip("/"):
            raise InputError("--base and --out are the same folder",
                             hint="write the new build to a new folder; the base is read while it is written")
        data = self.fs.read_json(f"{uri}/{MANIFEST}")
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise InputError(f"{uri}: no finished bulk build here (no {MANIFEST})",
                             hint="pass the output folder of a finished `evidentia bulk build`")
        embedder = get_embedder(self.settings.index.embedder).key
        for name, theirs, ours in (("embedder", data.get("embedder"), embedder),
                                   ("analyser version", data.get("analyser_version"), ANALYSER_VERSION)):
            if theirs != ours:
                raise InputError(f"{uri} was built with {name} {theirs}, this build uses {ours}",
                                 hint="build from all files (baseline and updates) without --base")
        return _Base(uri, data)

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

    def _write_datasets(self, events: Any, out: str, base: _Base | None) -> dict[str, int]:
        from pyspark.sql import functions as F

        live = events.filter(F.col("kind") != "skip").select(
            "key", "file_no", "record_no", "kind", "paper", "labels")
        deleted = deleted_count(live)
        nodes = live.select("key", "file_no", "record_no", "labels")
        if base is not None:
            nodes = nodes.unionByName(base_label_nodes(self.spark, base.uri))
        groups = group_of_keys(nodes).persist(_disk_only())
        try:
            self.progress("applying updates and deletions")
            live = live.join(groups, "key")
            base_groups = self._base_groups(live, groups, base) if base is not None else None
            folded = self._fold(live, base, base_groups).persist(_disk_only())
            try:
                return {"deleted": deleted, **self._write_rows(folded, base, base_groups, out)}
            finally:
                folded.unpersist()
        finally:
            groups.unpersist()

    def _base_groups(self, live: Any, groups: Any, base: _Base) -> Any:
        """(id, touched) of every base paper: touched when its group holds an input event."""
        from pyspark.sql import functions as F

        touched = live.select("grp").distinct().withColumn("touched", F.lit(True))
        ids = self.spark.read.parquet(f"{base.uri}/papers").select("id")
        return ids.join(groups.withColumnRenamed("key", "id"), "id").join(touched, "grp", "left") \
            .select("id", "grp", F.coalesce("touched", F.lit(False)).alias("touched"))

    def _fold(self, live: Any, base: _Base | None, base_groups: Any) -> Any:
        """Each group's events applied in order (:func:`.merge.apply_groups`): (id, paper, unchanged)."""
        from pyspark.sql import functions as F

        events = live.select("grp", "key", "file_no", "record_no", "kind", "paper")
        if base is not None:  # base papers of touched groups go in; the rest is copied
            touched = base_groups.filter("touched").select("id", "grp")
            papers = self.spark.read.parquet(f"{base.uri}/papers").drop("bucket").join(touched, "id")
            events = events.unionByName(papers.mapInArrow(base_events, _spark(BASE_EVENT_SCHEMA)))
        ordered = events.repartition(self.partitions, "grp").sortWithinPartitions(
            "grp", "file_no", "record_no")
        return ordered.mapInArrow(apply_groups, _spark(FOLDED_SCHEMA)).withColumn(
            "bucket", F.expr(f"pmod(hash(id), {self.partitions})").cast("int"))

    def _write_rows(self, folded: Any, base: _Base | None, base_groups: Any, out: str) -> dict[str, int]:
        from pyspark.sql import functions as F

        changed = folded if base is None else folded.filter(~F.col("unchanged"))
        # Spark's hash partitioning is pmod(hash(id), P) too: bucket b is partition b.
        rows = changed.repartition(self.partitions, "id").sortWithinPartitions("id").mapInArrow(
            partial(enrich, embedder_name=self.settings.index.embedder,
                    embed_batch=self.settings.bulk.embed_batch), _spark(ROW_SCHEMA))
        if base is not None:
            untouched = base_groups.filter(~F.col("touched")).select("id")
            kept = folded.filter("unchanged").select("id").unionByName(untouched)
            carried = base_rows(self.spark, base.uri, self.partitions).join(kept, "id")
            rows = rows.unionByName(carried).repartition(self.partitions, "id").sortWithinPartitions("id")
        rows = rows.persist(_disk_only())
        try:
            self.progress(f"analysing and embedding into {self.partitions} buckets")
            for dataset in DATASETS:
                self._write_dataset(rows.select(*COLUMNS[dataset]), dataset, out)
            papers = rows.count()
            errors = rows.filter(F.col("analysis_error").isNotNull()).count()
        finally:
            rows.unpersist()
        counts = {"papers": papers, "analysis_errors": errors, "analysed": changed.count()}
        return counts if base is None else {**counts, "carried": papers - counts["analysed"]}

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

    def _manifest(self, inputs: list[tuple[str, int]], counts: dict[str, int], out: str,
                  base: _Base | None) -> Manifest:
        from ..analyse import ANALYSER_VERSION
        from ..index.embedders import get_embedder

        embedder = get_embedder(self.settings.index.embedder)
        used: dict[str, Any] = {"partitions": self.partitions, "embedder": embedder.key,
                                "embedder_name": embedder.name, "analyser_version": ANALYSER_VERSION}
        if base is not None:  # what it was built on: the base's id and where it was
            used["base"] = {"build": base.manifest["build"], "uri": base.uri}
        files = [{"uri": uri, "bytes": size} for uri, size in inputs]
        datasets = {name: {"files": self.fs.list_names(f"{out}/{name}")} for name in DATASETS}
        self.fs.delete(f"{out}/{STAGING}")
        return Manifest({"format": FORMAT, "build": build_id(files, used, counts), "inputs": files,
                         **used, "counts": counts, "datasets": datasets})


def _parse_file(item: tuple[str, bytes], *, order: dict[str, int], **limits: int) -> Any:
    uri, content = item
    name = uri.rsplit("/", 1)[-1]
    return file_events(order.get(uri, -1), name, content, **limits)


def _spark(schema: Any) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _disk_only() -> Any:
    from pyspark import StorageLevel

    return StorageLevel.DISK_ONLY
