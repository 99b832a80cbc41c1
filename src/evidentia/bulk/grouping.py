"""The Spark side of applying records as ``add`` does: groups, deletions, and a base build.

* :func:`group_of_keys`: every key (paper id, ``pmid:`` of a deletion, base paper id) gets a
  group, the smallest label reachable in two rounds of min-label propagation over shared labels
  (id, ``pmid:``, ``doi:``). A group is a function of the key, so no id can come out of two
  groups; records linked only through longer chains (rare: a DOI that changed twice) stay
  apart, which docs/scale.md states.
* :func:`deleted_count`: keys whose last input event is a deletion.
* :func:`base_rows` / :func:`base_label_nodes`: a previous build's rows and labels for
  ``bulk build --base``.

Spark is imported inside the functions, as everywhere in :mod:`evidentia.bulk`.
"""

from __future__ import annotations

from typing import Any

from .layout import DATASETS, ROW_SCHEMA
from .merge import BASE_FILE, base_labels

ROUNDS = 2  # label propagation rounds: a record, a shared label, a record, a shared label


def group_of_keys(nodes: Any) -> Any:
    """(key, grp) for ``nodes`` (key, file_no, record_no, labels): one row per key."""
    from pyspark.sql import functions as F

    event = F.struct("file_no", "record_no", "key").alias("ev")
    links = nodes.select(event, F.explode("labels").alias("label"))
    groups = nodes.select(event, F.array_min("labels").alias("grp"))
    for _ in range(ROUNDS):
        by_label = links.join(groups, "ev").groupBy("label").agg(F.min("grp").alias("grp"))
        groups = links.join(by_label, "label").groupBy("ev").agg(F.min("grp").alias("grp"))
    return groups.groupBy(F.col("ev.key").alias("key")).agg(F.min("grp").alias("grp"))


def deleted_count(live: Any) -> int:
    """Keys whose last event (in file and record order) is a deletion."""
    from pyspark.sql import functions as F

    last = live.groupBy("key").agg(F.max_by("kind", F.struct("file_no", "record_no")).alias("last"))
    return int(last.filter(F.col("last") == "delete").count())


def base_label_nodes(spark: Any, base: str) -> Any:
    """The base build's papers as graph nodes (key, file_no, record_no, labels)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    from .merge import LABELS_SCHEMA

    papers = spark.read.parquet(f"{base}/papers").select("id", "pmid", "doi")
    labelled = papers.mapInArrow(base_labels, from_arrow_schema(LABELS_SCHEMA))
    return labelled.select("key", F.lit(BASE_FILE).alias("file_no"),
                           F.lit(0).cast("long").alias("record_no"), "labels")


def base_rows(spark: Any, base: str, partitions: int) -> Any:
    """The base build's full rows (``ROW_SCHEMA``), bucketed for ``partitions`` buckets."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    papers, facts, embeddings = (spark.read.parquet(f"{base}/{name}").drop("bucket")
                                 for name in DATASETS)
    joined = papers.join(facts, "id").join(embeddings, "id").withColumn(
        "bucket", F.expr(f"pmod(hash(id), {partitions})").cast("int"))
    schema = from_arrow_schema(ROW_SCHEMA)
    return joined.select(*[F.col(field.name).cast(field.dataType) for field in schema.fields])
