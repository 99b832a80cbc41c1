"""The web app's one door to the library: pipeline calls in threads, behind limiters, with a cache.

Pages and the JSON API both call ``Service``; neither touches the pipeline directly, so the
limits, the report cache and the error mapping are the same everywhere.
"""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anyio import to_thread

from .. import analyse as analysis
from .. import pipeline
from ..config import Settings
from ..errors import LibraryError, NotFoundError
from ..models import Hit, IngestSummary, Paper, Report, StudyFacts
from ..retrieve.backend import get_papers, resolve_paper
from ..store.library import Library
from .jobs import Job, JobRegistry
from .limits import Limiter
from .params import AskParams, FilterParams, SearchParams


@dataclass
class ReportResult:
    """A report with the papers its studies came from (cards need titles of uncited studies too)."""

    report: Report
    papers: dict[str, Paper]
    seconds: float


@dataclass
class PaperResult:
    paper: Paper
    facts: StudyFacts


class Service:
    """Settings, limiters, jobs and the report cache of one running app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        web = settings.web
        self.asks = Limiter("ask", web.max_concurrent_asks, web.max_queued, web.queue_timeout_s, web.retry_after_s)
        self.searches = Limiter(
            "search", web.max_concurrent_searches, web.max_queued, web.queue_timeout_s, web.retry_after_s
        )
        self.uploads = Limiter("upload", 1, max(2, web.max_queued // 4), web.queue_timeout_s, web.retry_after_s)
        self.jobs = JobRegistry(web.max_jobs, web.job_ttl_s, web.retry_after_s)
        self._reports: OrderedDict[str, tuple[float, ReportResult]] = OrderedDict()
        self._local = threading.local()
        tune_collector()

    # ------------------------------------------------------------------ ask

    async def ask(self, params: AskParams) -> ReportResult:
        """The report for ``params``: from the cache, else computed in a thread behind the limiter."""
        if (cached := self.cached_report(self._report_key(params))) is not None:
            return cached
        async with self.asks.slot():
            result = await to_thread.run_sync(self._ask_now, params)
        self._remember(params, result)
        return result

    def _ask_now(self, params: AskParams) -> ReportResult:
        """The report for ``params`` (``offline`` and ``refresh`` included) and its papers, on
        this thread's library connection."""
        started = time.perf_counter()
        # ``offline``/``refresh`` only when asked for: a plain ask keeps the pipeline's defaults.
        sources = ({"offline": params.offline, "refresh": params.refresh}
                   if params.uses_source_options() else {})
        report = pipeline.ask(
            params.question, self.settings, filters=params.filters.to_filters(), k=params.k,
            style=params.style, library=self._library_if_any(), **sources,
        )
        papers = get_papers(self._library(), [study.paper_id for study in report.studies],
                            self.settings).papers
        return ReportResult(report, papers, round(time.perf_counter() - started, 3))

    def start_ask_job(self, params: AskParams, result_url: str) -> Job:
        """Compute the report in the background; the job's ``result_url`` shows it when done."""
        self.asks.check_room()

        async def work(job: Job) -> None:
            job.stage = "waiting for a free slot"
            if self.cached_report(self._report_key(params)) is None:
                async with self.asks.slot(wait_forever=True):
                    job.status, job.started, job.stage = "running", time.time(), "finding and reading the studies"
                    self._remember(params, await to_thread.run_sync(self._ask_now, params))
            job.result_url = result_url

        return self.jobs.start("ask", params.question, work)

    # ------------------------------------------------------------------ report cache

    def _report_key(self, params: AskParams) -> str:
        return f"{self.library_stamp()}|{params.cache_key()}"

    def cached_report(self, key: str) -> ReportResult | None:
        entry = self._reports.get(key)
        if entry is None or time.time() - entry[0] > self.settings.web.job_ttl_s:
            return None
        self._reports.move_to_end(key)
        return entry[1]

    def _remember(self, params: AskParams, result: ReportResult) -> None:
        """Keep the report under the library's state *after* the ask: asking itself writes
        (cached analyses, records from live sources), and the page that follows must find it."""
        if self.settings.web.report_cache_size <= 0:
            return
        key = self._report_key(params)
        self._reports[key] = (time.time(), result)
        self._reports.move_to_end(key)
        while len(self._reports) > self.settings.web.report_cache_size:
            self._reports.popitem(last=False)

    def library_stamp(self) -> str:
        """Changes whenever the library file is written (by this app or by ``evidentia add``)."""
        path = self.settings.library.resolved_path()
        parts = []
        for file in (path, Path(f"{path}-wal")):
            try:
                stat = file.stat()
            except OSError:
                parts.append("-")
                continue
            parts.append(f"{stat.st_mtime_ns}:{stat.st_size}")
        return "/".join(parts)

    # ------------------------------------------------------------------ search, papers, library

    async def search(self, params: SearchParams) -> list[Hit]:
        async with self.searches.slot():
            return await to_thread.run_sync(self._search_now, params)

    def _search_now(self, params: SearchParams) -> list[Hit]:
        # On this thread's long-lived connection: opening the library costs ~100 ms at 100k papers.
        return pipeline.search(params.query, self.settings, k=params.k,
                               filters=params.filters.to_filters(), library=self._library())

    def _library(self) -> Library:
        """This worker thread's connection to the library, opened on first use and kept."""
        library: Library | None = getattr(self._local, "library", None)
        if library is None:
            library = pipeline.open_library(self.settings, create=False)
            self._local.library = library
        return library

    def _library_if_any(self) -> Library | None:
        """This thread's library; None while no library file exists (``ask`` may create one)."""
        try:
            return self._library()
        except LibraryError:
            if self.settings.library.resolved_path().exists():
                raise
            return None

    async def paper(self, ref: str) -> PaperResult:
        async with self.searches.slot():
            return await to_thread.run_sync(self._paper_now, ref)

    def _paper_now(self, ref: str) -> PaperResult:
        library = self._library()
        paper_id = resolve_paper(library, ref[:500], self.settings)  # Milvus holds its own papers
        found = get_papers(library, [paper_id] if paper_id else [], self.settings)
        paper = found.papers.get(paper_id or "")
        if paper is None:
            raise NotFoundError(
                f"no paper {ref[:120]!r} in the library",
                hint="use an id from a report or search (pmid:…, doi:…), a PMID or a DOI",
            )
        return PaperResult(paper, found.facts.get(paper.id) or analysis.analyse(paper))

    async def papers(self, refs: list[str]) -> list[PaperResult]:
        async with self.searches.slot():
            return await to_thread.run_sync(self._papers_now, refs)

    def _papers_now(self, refs: list[str]) -> list[PaperResult]:
        library = self._library()
        ids = [paper_id for ref in refs if (paper_id := resolve_paper(library, ref[:500], self.settings))]
        if not ids:
            raise NotFoundError("none of the selected papers is in the library",
                                hint="select papers from a report or a search")
        found = get_papers(library, ids, self.settings)
        papers, facts = found.papers, found.facts
        return [PaperResult(paper, facts.get(paper_id) or analysis.analyse(paper))
                for paper_id, paper in papers.items()]

    async def library_info(self) -> dict[str, Any]:
        async with self.searches.slot():
            return await to_thread.run_sync(self._info_now)

    def _info_now(self) -> dict[str, Any]:
        path = self.settings.library.resolved_path()
        try:
            stats = dict(self._library().stats())  # pipeline.info, on the kept connection
        except LibraryError as exc:
            if path.exists():
                raise
            return {"papers": 0, "exists": False, "message": str(exc), "path": str(path)}
        return {"exists": True, **stats, "path": str(path), "analyser_version": analysis.ANALYSER_VERSION}

    # ------------------------------------------------------------------ upload

    def start_add_job(self, folder: Path, file: Path) -> Job:
        """Ingest an uploaded file (already on disk in its own temp folder) in the background."""
        self.uploads.check_room()

        async def work(job: Job) -> None:
            try:
                async with self.uploads.slot(wait_forever=True):
                    job.status, job.started, job.stage = "running", time.time(), "reading records"
                    summary = await to_thread.run_sync(self._add_now, file, job)
                job.summary = summary_json(summary)
                job.result_url = "/library"
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        return self.jobs.start("add", file.name, work)

    def _add_now(self, file: Path, job: Job) -> IngestSummary:
        def progress(event: str, **info: Any) -> None:
            if event == "records":
                job.done_units += int(info.get("count", 0))
                job.stage = f"{job.done_units:,} records read"

        return pipeline.add([file], self.upload_settings(), progress=progress)

    def upload_settings(self) -> Settings:
        """Ingest limits for uploads: a compressed upload may expand at most 20-fold."""
        limit = min(self.settings.ingest.max_file_bytes, 20 * self.settings.web.max_upload_bytes)
        return self.settings.with_overrides([f"ingest.max_file_bytes={limit}"])

    def status(self) -> dict[str, Any]:
        return {"ask": self.asks.snapshot(), "search": self.searches.snapshot(),
                "upload": self.uploads.snapshot()}

    # ------------------------------------------------------------------ the rest of the CLI (issue 7)

    async def ask_with_sources(self, params: AskParams) -> ReportResult:
        """``ask`` honouring ``offline`` and ``refresh`` (``ask --offline``, ``--refresh``).

        Without either it is ``ask`` itself; ``refresh`` also skips the report cache.
        """
        if not params.uses_source_options():
            return await self.ask(params)
        if not params.refresh and (cached := self.cached_report(self._report_key(params))) is not None:
            return cached
        async with self.asks.slot():
            result = await to_thread.run_sync(self._ask_now, params)
        self._remember(params, result)
        return result

    def start_ask_with_sources_job(self, params: AskParams, result_url: str) -> Job:
        """``start_ask_job`` honouring ``offline`` and ``refresh``."""
        if not params.uses_source_options():
            return self.start_ask_job(params, result_url)
        self.asks.check_room()

        async def work(job: Job) -> None:
            if params.refresh or self.cached_report(self._report_key(params)) is None:
                async with self.asks.slot(wait_forever=True):
                    job.status, job.started, job.stage = "running", time.time(), "finding and reading the studies"
                    self._remember(params, await to_thread.run_sync(self._ask_now, params))
            job.result_url = result_url

        return self.jobs.start("ask", params.question, work)

    async def check(self, params: AskParams) -> tuple[ReportResult, list[dict[str, Any]]]:
        """The report and the faithfulness checker's verdict on each sentence (``ask --check``);
        each verdict also lists the spans of the cited papers the sentence rests on (``evidence``)."""
        result = await self.ask_with_sources(params)
        async with self.searches.slot():
            checked = await to_thread.run_sync(self._check_now, result.report)
        return result, checked

    def _check_now(self, report: Report) -> list[dict[str, Any]]:
        from ..retrieve.backend import get_papers
        from ..synthesise import verdicts
        from .views import evidence_json

        claims = report.claims()
        ids = [pid for claim in claims for pid in (*claim.citations, *(ev.paper_id for ev in claim.evidence))]
        papers = get_papers(self._library(), ids, self.settings).papers
        checked = verdicts(report, papers)  # pipeline.check, on the kept connection
        for verdict, claim in zip(checked, claims, strict=True):
            verdict["evidence"] = [evidence_json(ev, papers.get(ev.paper_id)) for ev in claim.evidence]
        return checked

    async def search_batch(self, queries: list[tuple[str, str]], k: int | None,
                           filters: FilterParams) -> list[tuple[str, list[str]]]:
        """``search --batch``: each query's paper ids, best first; one slot for the whole batch."""
        async with self.searches.slot():
            return await to_thread.run_sync(self._search_batch_now, queries, k, filters)

    def _search_batch_now(self, queries: list[tuple[str, str]], k: int | None,
                          filters: FilterParams) -> list[tuple[str, list[str]]]:
        return list(pipeline.search_batch(queries, self.settings, k=k, filters=filters.to_filters(),
                                          library=self._library()))

    def start_index_job(self) -> Job:
        """Build or update the embedding index in the background (``evidentia index``).

        One build at a time (409 otherwise). It takes the upload slot, so it never runs beside an
        ingest, and it empties the report cache: reports read with the new index may differ.
        """
        self.uploads.check_room()

        async def work(job: Job) -> None:
            async with self.uploads.slot(wait_forever=True):
                job.status, job.started, job.stage = "running", time.time(), "reading the library"
                job.summary = await to_thread.run_sync(self._index_now, job)
            self._reports.clear()
            job.result_url = "/library"

        return self.jobs.start("index", "Embedding index", work, exclusive=True)

    def _index_now(self, job: Job) -> dict[str, Any]:
        def progress(event: str, **info: Any) -> None:
            if event == "embed":
                job.done_units, job.total_units = int(info.get("done", 0)), int(info.get("total") or 0)
                job.stage = (f"{job.done_units:,} of {job.total_units:,} papers checked, "
                             f"{int(info.get('embedded', 0)):,} embedded")

        return pipeline.index(self.settings, progress=progress)

    def index_status(self) -> dict[str, Any]:
        """The embedder in use, the indexes built beside the library, and a running build's page."""
        from ..index.dense import index_folder

        folder = index_folder(self.settings.library.resolved_path())
        built = sorted(entry.name for entry in folder.iterdir() if entry.is_dir()) if folder.is_dir() else []
        running = self.jobs.unfinished("index")
        return {"embedder": self.settings.index.embedder, "built": built,
                "job": running.public() if running else None}


_COLLECTOR_TUNED = False


def tune_collector() -> None:
    """Once per process: fewer garbage collections while serving.

    A search builds thousands of short-lived models (papers, analyses, hits); with the default
    thresholds the collector runs about ten times per search and regularly walks every
    long-lived object of the loaded modules and models: 12% of a search's CPU time (28 -> 25 ms
    on a 100k library), all of it holding the GIL. Objects alive now are moved out of the
    collector's sight (``gc.freeze``) and young objects are collected ~15x less often. Memory
    stays bounded: reference counting frees nearly everything a request makes; only reference
    cycles wait a little longer.
    """
    global _COLLECTOR_TUNED
    if _COLLECTOR_TUNED:
        return
    _COLLECTOR_TUNED = True
    gc.freeze()
    gc.set_threshold(10_000, 20, 10)


def summary_json(summary: IngestSummary) -> dict[str, Any]:
    data = summary.model_dump(exclude={"skipped"})
    data["skipped"] = len(summary.skipped)
    data["skipped_examples"] = [
        f"{skip.position}: {skip.reason}" for skip in summary.skipped[:20]
    ]
    return data


def new_upload_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="evidentia-upload-"))


def safe_upload_name(name: str | None) -> str:
    """A file name to keep in messages; never a path, never hidden, never empty."""
    base = os.path.basename((name or "").replace("\\", "/"))
    cleaned = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in base)[:100].lstrip(".")
    return cleaned or "upload"
