"""Settings: one object, nested per stage, data only.

Every field is described; unknown keys are rejected. Settings come, later winning, from the
defaults, a preset file (TOML or JSON, ``--settings FILE``), the ``EVIDENTIA_LIBRARY``
environment variable, and ``--set stage.field=value`` overrides.
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import ConfigError


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class LibrarySettings(_Section):
    path: Path | None = Field(
        None, description="SQLite library file; default: the user data directory's library.sqlite"
    )

    def resolved_path(self) -> Path:
        if self.path is not None:
            return self.path.expanduser()
        env = os.environ.get("EVIDENTIA_LIBRARY")
        if env:
            return Path(env).expanduser()
        return Path(platformdirs.user_data_dir("evidentia")) / "library.sqlite"


class IngestSettings(_Section):
    batch_size: int = Field(500, ge=1, le=100_000, description="records per transaction")
    max_file_bytes: int = Field(
        4 * 1024**3, ge=1, description="largest input file accepted (after decompression)"
    )
    max_record_bytes: int = Field(
        2 * 1024**2, ge=1024, description="largest single record; larger ones are skipped"
    )
    analyse: bool = Field(True, description="analyse papers as they are added (fills the cache)")
    workers: int = Field(
        0, ge=0, le=64, description="processes that analyse papers during add; 0 = one per core"
    )


class RetrieveSettings(_Section):
    k: int = Field(20, ge=1, le=1000, description="studies a report or search returns")
    candidates: int = Field(
        300, ge=1, le=100_000, description="BM25 candidates read before filters and rerank"
    )
    title_weight: float = Field(3.0, ge=0, description="BM25 weight of the title column")
    abstract_weight: float = Field(1.0, ge=0, description="BM25 weight of the abstract column")
    terms_weight: float = Field(1.5, ge=0, description="BM25 weight of MeSH terms and keywords")
    max_query_chars: int = Field(2000, ge=10, description="longest question or query accepted")
    max_term_share: float = Field(
        0.1, gt=0, le=1, description="query words found in more than this share of a library of "
        "20,000+ papers are left out of the BM25 match (speed; 1 keeps every word)",
    )
    max_posting_share: float = Field(
        0.2, ge=0, le=100, description="posting budget: in a library of 20,000+ papers, the most "
        "common query words are left out of the BM25 match until the papers matching each kept "
        "word add up to at most this share of the library; the two rarest always stay (speed; "
        "0 = no budget)",
    )


class AnalyseSettings(_Section):
    cache: bool = Field(True, description="store analyses in the library, keyed by analyser version")


class SynthesiseSettings(_Section):
    style: Literal["pro", "explainer"] = Field("pro", description="report style")
    meter_min_studies: int = Field(
        5, ge=1, description="relevant studies a yes/no question needs before the meter is shown"
    )
    max_studies: int = Field(20, ge=1, description="studies described in a report at most")
    check: bool = Field(True, description="drop report sentences whose facts are not in the source")


class RenderSettings(_Section):
    format: Literal["md", "json", "html", "bibtex", "ris", "csl-json", "csv"] | None = Field(
        None, description="output format; default md on a terminal"
    )


class PubMedSourceSettings(_Section):
    enabled: bool = Field(True, description="search PubMed (NCBI E-utilities) for live questions")
    base_url: str = Field(
        "https://eutils.ncbi.nlm.nih.gov/entrez/eutils",
        description="E-utilities base URL (esearch.fcgi and efetch.fcgi live under it)",
    )
    max_results: int = Field(
        100, ge=1, le=10_000, description="top records fetched per question (PubMed serves 10,000 at most)"
    )
    batch_size: int = Field(200, ge=1, le=200, description="PMIDs per EFetch request (NCBI: 200 at most)")
    api_key: str | None = Field(
        None, description="NCBI API key: raises the rate limit from 3 to 10 requests per second"
    )
    tool: str = Field("evidentia", description="tool name sent to NCBI with every request")
    email: str | None = Field(None, description="contact address sent to NCBI with every request")


class EuropePMCSourceSettings(_Section):
    enabled: bool = Field(True, description="search Europe PMC for live questions")
    base_url: str = Field(
        "https://www.ebi.ac.uk/europepmc/webservices/rest",
        description="Europe PMC REST base URL (the search endpoint lives under it)",
    )
    max_results: int = Field(50, ge=1, le=10_000, description="top records fetched per question")
    page_size: int = Field(100, ge=1, le=1000, description="records per search page (1,000 at most)")
    requests_per_s: float = Field(5.0, gt=0, le=100, description="request rate limit for this host")


class OpenAlexSourceSettings(_Section):
    enabled: bool = Field(True, description="search OpenAlex works for live questions")
    base_url: str = Field(
        "https://api.openalex.org", description="OpenAlex API base URL (the works endpoint lives under it)"
    )
    max_results: int = Field(50, ge=1, le=10_000, description="top records fetched per question")
    page_size: int = Field(100, ge=1, le=200, description="records per page (200 at most)")
    requests_per_s: float = Field(5.0, gt=0, le=100, description="request rate limit for this host")
    api_key: str | None = Field(None, description="OpenAlex API key, sent as api_key")
    mailto: str | None = Field(None, description="contact address sent as mailto (the polite pool)")


class SourcesSettings(_Section):
    pubmed: PubMedSourceSettings = Field(
        default_factory=PubMedSourceSettings, description="PubMed E-utilities"
    )
    europepmc: EuropePMCSourceSettings = Field(
        default_factory=EuropePMCSourceSettings, description="Europe PMC REST search"
    )
    openalex: OpenAlexSourceSettings = Field(
        default_factory=OpenAlexSourceSettings, description="OpenAlex works search"
    )
    timeout_s: float = Field(30.0, gt=0, le=600, description="seconds to wait for one HTTP response")
    max_attempts: int = Field(
        5, ge=1, le=10, description="tries per request; 429, 5xx, timeouts and resets are retried"
    )
    backoff_base_s: float = Field(
        1.0, ge=0, description="first retry waits up to this long (full jitter, doubling each try)"
    )
    backoff_max_s: float = Field(30.0, ge=0, description="longest wait between two tries")
    max_retry_after_s: float = Field(
        120.0, ge=0, description="longest Retry-After honoured; a longer one fails the source"
    )
    cache_ttl_s: int = Field(
        7 * 24 * 3600, ge=0, description="seconds a fetched question is answered from the library"
    )
    require_abstract: bool = Field(True, description="ask each source only for records with an abstract")
    offline: bool = Field(False, description="never contact a live source; answer from the library")


class WebSettings(_Section):
    host: str = Field("127.0.0.1", description="address `evidentia serve` listens on")
    port: int = Field(8000, ge=0, le=65535, description="TCP port `evidentia serve` listens on")
    max_body_bytes: int = Field(64 * 1024, ge=1024, description="largest JSON or form request body (413 beyond)")
    max_upload_bytes: int = Field(
        50 * 1024**2, ge=1024, description="largest uploaded records file (413 beyond)"
    )
    max_url_bytes: int = Field(8192, ge=256, description="longest request path and query string (414 beyond)")
    max_query_chars: int = Field(2000, ge=10, description="longest question or search query (422 beyond)")
    max_k: int = Field(100, ge=1, le=1000, description="most studies or hits one request may ask for")
    max_export_ids: int = Field(500, ge=1, description="most papers one export of selected papers may name")
    max_concurrent_asks: int = Field(2, ge=1, description="reports computed at the same time")
    max_concurrent_searches: int = Field(4, ge=1, description="searches run at the same time")
    max_queued: int = Field(32, ge=0, description="requests waiting per kind before new ones get 429")
    queue_timeout_s: float = Field(10.0, gt=0, description="longest wait for a free slot before 503")
    retry_after_s: int = Field(2, ge=1, description="Retry-After seconds sent with 429 and 503")
    max_jobs: int = Field(200, ge=1, description="background jobs (asks, uploads) remembered at once")
    job_ttl_s: int = Field(3600, ge=10, description="seconds a finished job and its report are kept")
    report_cache_size: int = Field(64, ge=0, description="finished reports kept for instant reloads")


class IndexSettings(_Section):
    """Dense retrieval, fusion and rerank (docs/retrieval.md); each stage can be switched alone.

    Fusion and relevance weights left unset take the values tuned for the embedder in use on
    BEIR SciFact's train queries (``evidentia.retrieve.weights``).
    """

    embedder: str = Field(
        "minilm-int8",
        description="embedder of the dense index: minilm-int8 (ONNX all-MiniLM-L6-v2, best), "
        "minilm-static (static distillation, ~50x faster, weaker) or hash (tests only)",
    )
    mode: Literal["auto", "bm25", "dense", "hybrid"] = Field(
        "auto",
        description="retrievers: auto = hybrid when a dense index exists, else bm25; "
        "bm25 or dense alone; hybrid = both, fused by reciprocal rank",
    )
    rerank: bool = Field(
        True, description="rerank fused candidates on relevance features and study strength"
    )
    dense_candidates: int = Field(
        300, ge=1, le=100_000, description="dense (nearest-neighbour) candidates read before fusion"
    )
    fusion_k: float | None = Field(
        None, gt=0, description="reciprocal-rank fusion constant, 1/(k + rank); unset: tuned value"
    )
    fusion_bm25: float | None = Field(
        None, ge=0, description="weight of the BM25 ranking in the fusion; unset: tuned value"
    )
    fusion_dense: float | None = Field(
        None, ge=0, description="weight of the dense ranking in the fusion; unset: tuned value"
    )
    rerank_depth: int = Field(
        100, ge=1, le=10_000, description="fused candidates the rerank reorders (the rest follow)"
    )
    rerank_bm25: float | None = Field(
        None, description="rerank weight of BM25 score / best BM25 score; unset: tuned value"
    )
    rerank_dense: float | None = Field(
        None, description="rerank weight of the cosine, min-max over candidates; unset: tuned value"
    )
    rerank_fused: float | None = Field(
        None, description="rerank weight of fused score / best fused score; unset: tuned value"
    )
    rerank_title: float | None = Field(
        None, description="rerank weight of rarity-weighted query terms in the title; unset: tuned"
    )
    rerank_abstract: float | None = Field(
        None, description="rerank weight of rarity-weighted query terms in the abstract; unset: tuned"
    )
    rerank_design: float = Field(0.05, description="rerank weight: design strength (meta-analysis high)")
    rerank_sample: float = Field(0.03, description="rerank weight: log10 sample size (from analyses)")
    rerank_recency: float = Field(0.02, description="rerank weight: publication year")
    rerank_species: float = Field(0.03, description="rerank weight: human over animal and in vitro")
    exact_max: int = Field(
        200_000, ge=0, description="live vectors up to which dense search is exact; HNSW above"
    )
    hnsw_m: int = Field(32, ge=4, le=128, description="HNSW links per vector (built above exact_max)")
    hnsw_ef_search: int = Field(128, ge=8, description="HNSW search breadth: recall against speed")
    embed_chunk: int = Field(
        512, ge=1, le=100_000,
        description="papers embedded per committed chunk; an interrupted build resumes from there",
    )


class BackendSettings(_Section):
    """Where searches run (docs/scale.md): the embedded library, or a Milvus collection."""

    name: Literal["embedded", "milvus"] = Field(
        "embedded",
        description="search backend: embedded (the SQLite library and its faiss index) or milvus "
        "(a collection loaded by `evidentia bulk load`; live sources are then not searched)",
    )
    milvus_uri: str = Field(
        "", description="Milvus address: http://host:19530 for a server, or a milvus-lite file "
        "ending .db (e.g. ./evidentia-milvus.db)",
    )
    milvus_token: str | None = Field(None, description="Milvus credentials: user:password or an API key")
    collection: str = Field(
        "evidentia", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$",
        description="Milvus alias searched; `bulk load` points it at each new build",
    )
    fusion: Literal["client", "server"] = Field(
        "client",
        description="client: BM25 and dense searches fused here by weighted reciprocal rank, as "
        "the embedded backend does; server: one Milvus hybrid_search with RRFRanker (unweighted, "
        "no per-retriever scores for the rerank)",
    )
    timeout_s: float = Field(30.0, gt=0, le=600, description="seconds to wait for one Milvus request")


class BulkSettings(_Section):
    """Bulk builds on Apache Spark (`evidentia bulk build`) and loads into Milvus (`bulk load`)."""

    spark_master: str = Field(
        "local[2]", description="Spark master when evidentia starts Spark itself (local[N] = N "
        "cores here); under spark-submit the master given there is used",
    )
    partitions: int = Field(
        8, ge=1, le=100_000,
        description="buckets per output dataset: papers are hashed on id into this many Parquet files",
    )
    driver_memory: str = Field("1g", description="spark.driver.memory when evidentia starts Spark itself")
    spark_ui: bool = Field(False, description="start the Spark web UI (port 4040) while a build runs")
    embed_batch: int = Field(256, ge=1, le=100_000, description="papers per embedder call on an executor")
    load_batch: int = Field(500, ge=1, le=100_000, description="rows per Milvus insert in `bulk load`")
    max_skipped_listed: int = Field(
        10_000, ge=0, description="malformed records listed in a build's skipped file (all are counted)"
    )


class Settings(_Section):
    library: LibrarySettings = Field(default_factory=LibrarySettings)
    index: IndexSettings = Field(default_factory=IndexSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    retrieve: RetrieveSettings = Field(default_factory=RetrieveSettings)
    analyse: AnalyseSettings = Field(default_factory=AnalyseSettings)
    synthesise: SynthesiseSettings = Field(default_factory=SynthesiseSettings)
    render: RenderSettings = Field(default_factory=RenderSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    backend: BackendSettings = Field(default_factory=BackendSettings)
    bulk: BulkSettings = Field(default_factory=BulkSettings)

    # ---- construction -------------------------------------------------------------------

    @classmethod
    def load(cls, preset: str | Path | None = None, overrides: list[str] | None = None) -> Settings:
        data: dict[str, Any] = read_preset(Path(preset)) if preset else {}
        for item in overrides or []:
            key, value = parse_override(item)
            set_dotted(data, key, value)
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(exc)) from None

    def with_overrides(self, overrides: list[str]) -> Settings:
        data = self.model_dump(mode="json", exclude_unset=False)
        for item in overrides:
            key, value = parse_override(item)
            set_dotted(data, key, value)
        return Settings.from_dict(data)


def read_preset(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read settings file {path}: {exc.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(raw)
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"settings file {path} is not valid: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"settings file {path} must hold a table of sections")
    return data


def parse_override(item: str) -> tuple[str, Any]:
    """``retrieve.k=10`` → ``("retrieve.k", 10)``; values are JSON when they parse as JSON."""
    key, sep, raw = item.partition("=")
    key = key.strip()
    if not sep or not key or "." not in key:
        raise ConfigError(f"--set {item!r}: expected stage.field=value, e.g. retrieve.k=10")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    return key, value


def set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node = data
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {key}: {part} is not a settings section")
        node = child
    node[parts[-1]] = value


def describe_validation_error(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown setting {where}")
        else:
            problems.append(f"{where}: {err['msg']}")
    return "invalid settings: " + "; ".join(problems)


def describe_settings() -> list[tuple[str, str, str]]:
    """(dotted name, default, description) for every setting, nested sections included."""
    return list(_describe(Settings, ""))


def _describe(model: type[BaseModel], prefix: str):  # type: ignore[no-untyped-def]
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _describe(annotation, f"{prefix}{name}.")
            continue
        default = field.get_default(call_default_factory=True)
        yield f"{prefix}{name}", repr(default), field.description or ""


def settings_markdown() -> str:
    """``docs/settings.md``, generated from the code so the two cannot drift apart.

    Rebuild with ``python -m evidentia.config > docs/settings.md``.
    """
    lines = [
        "# Settings",
        "",
        "One `Settings` object, nested per stage. Set a value with `--set stage.field=value` (JSON",
        "values parse as JSON: `--set retrieve.k=10`, `--set ingest.analyse=false`), or put sections in",
        "a TOML/JSON preset passed with `--settings FILE`:",
        "",
        "```toml",
        "[retrieve]",
        "k = 10",
        "",
        "[sources.pubmed]",
        'email = "you@example.org"',
        "```",
        "",
        "Unknown keys are rejected. `EVIDENTIA_LIBRARY` sets the library path when `library.path` is",
        "unset; `EVIDENTIA_OFFLINE=1` keeps `ask` from contacting live sources.",
        "This page is generated: `python -m evidentia.config > docs/settings.md`.",
        "",
        "| setting | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, default, description in describe_settings():
        cell = description.replace("|", "\\|")
        lines.append(f"| `{name}` | `{default}` | {cell} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(settings_markdown(), end="")
