"""The pipeline: ``add``, ``search`` and ``ask`` as single calls. Wires the stages; holds no NLP.

    question ─► retrieve ─► analyse (cached) ─► filter ─► stance ─► synthesise ─► Report
    files ─► ingest ─► library (+ analyses)

Everything the CLI does is one call here, so the Python API and the CLI cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import analyse as analysis
from .config import Settings
from .errors import QueryError
from .ingest import read_path
from .models import (
    Deletion,
    Filters,
    Hit,
    IngestSummary,
    Paper,
    QueryAnalysis,
    Report,
    Skipped,
    StanceJudgement,
    StudyFacts,
)
from .retrieve import analyse_query
from .retrieve.backend import search_backend, uses_remote_backend
from .retrieve.hybrid import passes_sql_filters
from .sources import gather
from .store.library import Library
from .synthesise import synthesise, verdicts
from .synthesise.filters import describe_filters, narrowed

log = logging.getLogger(__name__)

# progress(event, **info): "file" (path), "bytes" (done: position in the file), "records" (count),
# "done" (summary)
Progress = Callable[..., None]


def open_library(settings: Settings | None = None, *, create: bool = True) -> Library:
    """Open the library the settings point at (``library.path``, ``EVIDENTIA_LIBRARY``, default)."""
    settings = settings or Settings()
    # With a remote search backend the library only caches; an empty one is fine.
    create = create or uses_remote_backend(settings)
    return Library.open(settings.library.resolved_path(), create=create)


# --------------------------------------------------------------------------- add


def add(
    paths: Iterable[str | Path], settings: Settings | None = None, *, progress: Progress | None = None
) -> IngestSummary:
    """Ingest files into the library: one transaction per batch, idempotent, malformed records skipped."""
    settings = settings or Settings()
    summary = IngestSummary()
    with open_library(settings) as library, Analyser(settings.ingest.workers) as analyser:
        for path in paths:
            summary.files += 1
            if progress:
                progress("file", path=str(path))
            _add_file(library, analyser, path, settings, summary, progress)
    if progress:
        progress("done", summary=summary)
    return summary


def _add_file(
    library: Library, analyser: Analyser, path: str | Path, settings: Settings,
    summary: IngestSummary, progress: Progress | None,
) -> None:
    on_bytes = (lambda done: progress("bytes", done=done)) if progress else None
    items = read_path(
        path,
        max_file_bytes=settings.ingest.max_file_bytes,
        max_record_bytes=settings.ingest.max_record_bytes,
        on_bytes=on_bytes,
    )
    for batch, skipped in _batches(items, settings.ingest.batch_size):
        summary.skipped.extend(skipped)
        if batch:
            _write(library, analyser, batch, settings, summary)
        if progress:
            progress("records", count=len(batch) + len(skipped))


def _batches(
    items: Iterable[Paper | Deletion | Skipped], size: int
) -> Iterator[tuple[list[Paper | Deletion], list[Skipped]]]:
    batch: list[Paper | Deletion] = []
    skipped: list[Skipped] = []
    for item in items:
        if isinstance(item, Skipped):
            skipped.append(item)
        else:
            batch.append(item)
        if len(batch) + len(skipped) >= size:
            yield batch, skipped
            batch, skipped = [], []
    if batch or skipped:
        yield batch, skipped


def _write(
    library: Library, analyser: Analyser, batch: list[Paper | Deletion], settings: Settings,
    summary: IngestSummary,
) -> None:
    counts = library.write_batch(batch)
    summary.added += counts.added
    summary.updated += counts.updated
    summary.unchanged += counts.unchanged
    summary.deleted += counts.deleted
    if settings.ingest.analyse and settings.analyse.cache:
        # Analyse what was stored: a record merged into an existing row keeps that row's id.
        papers = library.stored_papers([item for item in batch if isinstance(item, Paper)])
        _facts_for(library, papers, analyser)


# --------------------------------------------------------------------------- analysis cache


class Analyser:
    """Analyses papers, in worker processes when there are many and more than one core.

    Analysis is pure and deterministic, so the pool changes only speed, never results.
    """

    MIN_PARALLEL = 64  # below this many papers a pool costs more than it saves

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Analyser:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def __call__(self, papers: list[Paper]) -> list[StudyFacts]:
        if self.workers < 2 or len(papers) < self.MIN_PARALLEL:
            return [analysis.analyse(paper) for paper in papers]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, initializer=_exit_with_parent, initargs=(os.getpid(),)
            )
        chunk = max(1, len(papers) // (self.workers * 4))
        return list(self._pool.map(analysis.analyse, papers, chunksize=chunk))


def _facts_for(
    library: Library, papers: list[Paper], analyser: Callable[[list[Paper]], list[StudyFacts]] | None = None
) -> dict[str, StudyFacts]:
    """Facts for each paper: from the cache when the paper is unchanged, else analysed now."""
    ids = [paper.id for paper in papers]
    cached = library.get_facts(ids, analysis.ANALYSER_VERSION)
    missing = [paper for paper in papers if paper.id not in cached]
    if missing:
        fresh = (analyser or _analyse_here)(missing)
        library.put_facts(fresh, {paper.id: paper.content_hash() for paper in missing})
        cached.update({facts.paper_id: facts for facts in fresh})
    return cached


def _exit_with_parent(parent_pid: int) -> None:
    """In a pool worker: exit when the parent is gone (killed ``add``), instead of lingering."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _analyse_here(papers: list[Paper]) -> list[StudyFacts]:
    return [analysis.analyse(paper) for paper in papers]


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class FilterCount:
    """How the filters narrowed a search: of ``found`` studies examined, ``removed`` failed a
    filter (``found - removed`` passed)."""

    found: int = 0
    removed: int = 0


@dataclass
class Retrieved:
    """Hits after filters, each with its paper and facts, plus what the user should be told."""

    query: QueryAnalysis
    hits: list[Hit]
    facts: dict[str, StudyFacts]
    notices: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    filtered: FilterCount | None = None  # None when no filter narrows the search


def prepare_query(question: str, settings: Settings) -> QueryAnalysis:
    query = analyse_query(question, max_chars=settings.retrieve.max_query_chars)
    if not question.strip():
        raise QueryError(
            "the question is empty: nothing to search for",
            hint="ask with content words, e.g. 'Does exercise reduce blood pressure?'",
        )
    if not query.fts_query:
        raise QueryError(
            f"nothing to search for in {question.strip()[:80]!r}",
            hint="ask with content words, e.g. 'Does exercise reduce blood pressure?'",
        )
    return query


def retrieve(
    library: Library, query: QueryAnalysis, settings: Settings, filters: Filters, k: int,
    *, count_filtered: bool = True,
) -> Retrieved:
    """Top-k hits that pass every filter, analysed; candidates are analysed only as needed.

    When a filter narrows the search (and ``count_filtered``), ``filtered`` counts the studies
    examined and those the filters removed, and a notice says so.
    """
    candidates = _candidates(library, query, settings, filters, k)
    kept, facts, fact_count = _keep_passing(library, candidates, filters, k)
    found = Retrieved(query, kept, facts, list(candidates.notices))
    if count_filtered and narrowed(filters):
        year_count = _year_count(library, query, settings, filters, k)
        found.filtered = FilterCount(fact_count.found + year_count.found,
                                     fact_count.removed + year_count.removed)
        notice = filter_notice(found.filtered, filters)
        if notice:
            found.notices.append(notice)
    return found


def _candidates(
    library: Library, query: QueryAnalysis, settings: Settings, filters: Filters, k: int
) -> Retrieved:
    """Ranked candidates: hybrid (BM25 + dense, fused, reranked) when an index exists, else BM25."""
    needs_facts = bool(filters.designs or filters.min_sample_size or filters.species)
    limit = max(settings.retrieve.candidates, k) if needs_facts else k
    found = search_backend(library, query, settings, filters, k=limit)  # backend.name picks
    return Retrieved(query, found.hits, found.facts, found.notices)


def _keep_passing(
    library: Library, candidates: Retrieved, filters: Filters, k: int
) -> tuple[list[Hit], dict[str, StudyFacts], FilterCount]:
    """The first ``k`` candidates that pass the filters needing facts, their facts, and how
    many candidates were examined and removed on the way."""
    kept: list[Hit] = []
    facts: dict[str, StudyFacts] = {}
    examined = 0
    for chunk in _chunks(candidates.hits, max(k, 20)):
        fresh = [hit.paper for hit in chunk if hit.paper and hit.paper_id not in candidates.facts]
        chunk_facts = {**_facts_for(library, fresh), **candidates.facts}  # a backend may hold facts
        for hit in chunk:
            hit_facts = chunk_facts.get(hit.paper_id)
            examined += hit_facts is not None
            if hit_facts and passes_filters(hit_facts, filters):
                kept.append(hit.model_copy(update={"rank": len(kept) + 1}))
                facts[hit.paper_id] = hit_facts
            if len(kept) == k:
                return kept, facts, FilterCount(examined, examined - len(kept))
    return kept, facts, FilterCount(examined, examined - len(kept))


def _year_count(
    library: Library, query: QueryAnalysis, settings: Settings, filters: Filters, k: int
) -> FilterCount:
    """The best-matching studies outside the years asked for, which the search left out before
    examining the rest (one more search without the years; none when no year is set)."""
    if filters.year_min is None and filters.year_max is None:
        return FilterCount()
    without_years = filters.model_copy(update={"year_min": None, "year_max": None})
    hits = _candidates(library, query, settings, without_years, k).hits
    outside = sum(1 for hit in hits
                  if hit.paper is not None and not passes_sql_filters(hit.paper, filters))
    return FilterCount(outside, outside)


def filter_notice(count: FilterCount, filters: Filters) -> str:
    """'The filters left 0 of 20 studies found (published in 2030 or later); ...', or '' when
    the filters removed nothing."""
    if not count.removed:
        return ""
    noun = "study" if count.found == 1 else "studies"
    described = describe_filters(filters)
    kept = count.found - count.removed
    if not kept:
        return (f"The filters left 0 of {count.found} {noun} found ({described}); relax or "
                "remove them to see those studies.")
    return (f"The filters removed {count.removed} of {count.found} {noun} found "
            f"({described}); {kept} passed.")


def _chunks(items: list[Hit], size: int) -> Iterator[list[Hit]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def passes_filters(facts: StudyFacts, filters: Filters) -> bool:
    """Filters that need an analysis: design, minimum sample size, human or animal."""
    if filters.designs and facts.design not in filters.designs:
        return False
    if filters.min_sample_size:
        if facts.sample_size is None or facts.sample_size.n < filters.min_sample_size:
            return False
    if filters.species == "human" and facts.species not in ("human", "unknown"):
        return False
    if filters.species == "animal" and facts.species != "animal":
        return False
    return True


def search(
    query: str, settings: Settings | None = None, *, k: int | None = None,
    filters: Filters | None = None, notices: list[str] | None = None,
    library: Library | None = None,
) -> list[Hit]:
    """Ranked hits for a query, best first (the same retrieval ``ask`` uses).

    What the user should know about the run (e.g. "no embedding index: BM25 only") is appended
    to ``notices`` when a list is given. ``library``: an open library to search instead of
    opening (and closing) the one the settings name; the caller keeps it open.
    """
    settings = settings or Settings()
    parsed = prepare_query(query, settings)
    with _opened(library, settings, create=False) as searched:
        found = retrieve(searched, parsed, settings, filters or Filters(), k or settings.retrieve.k)
    if notices is not None:
        notices.extend(found.notices)
    return found.hits


def search_batch(
    queries: Iterable[tuple[str, str]], settings: Settings | None = None, *, k: int | None = None,
    filters: Filters | None = None, library: Library | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """(id, query) in, (id, [paper ids best first]) out; one library connection for the batch
    (``library`` when given, left open)."""
    settings = settings or Settings()
    with _opened(library, settings, create=False) as searched:
        for query_id, text in queries:
            try:
                parsed = prepare_query(text, settings)
            except QueryError:
                yield query_id, []
                continue
            found = retrieve(searched, parsed, settings, filters or Filters(),
                             k or settings.retrieve.k, count_filtered=False)  # no notices here
            yield query_id, [hit.paper_id for hit in found.hits]


# --------------------------------------------------------------------------- ask


def ask(
    question: str, settings: Settings | None = None, *, filters: Filters | None = None,
    k: int | None = None, style: str | None = None, offline: bool = False, refresh: bool = False,
    transport: object | None = None, library: Library | None = None,
) -> Report:
    """Answer a question with a cited evidence report.

    Live sources are searched first (unless ``offline``, ``sources.offline`` or
    ``EVIDENTIA_OFFLINE=1``); what they return lands in the library, cached for
    ``sources.cache_ttl_s``, and the answer comes from the whole library. ``library``: an open
    library to use instead of opening the one the settings name; the caller keeps it open.
    """
    settings = settings or Settings()
    if style:
        settings = settings.with_overrides([f"synthesise.style={style}"])
    filters = filters or Filters()
    query = prepare_query(question, settings)
    offline = offline or settings.sources.offline or os.environ.get("EVIDENTIA_OFFLINE") == "1"
    offline = offline or uses_remote_backend(settings)  # the remote collection is the corpus
    with _opened(library, settings, create=not offline) as answered:
        live = gather(query, answered, settings, refresh=refresh, offline=offline, transport=transport)
        found = retrieve(answered, query, settings, filters, k or settings.retrieve.k)
        studies = _judge(query, found)
    notices = [*live.notices, *found.notices]
    return synthesise(query, studies, settings=settings.synthesise, filters=filters, notices=notices,
                      found_before_filters=found.filtered.found if found.filtered else None)


@contextmanager
def _opened(library: Library | None, settings: Settings, *, create: bool) -> Iterator[Library]:
    """``library`` as it is (the caller closes it), else the settings' library, closed after."""
    if library is not None:
        yield library
        return
    with open_library(settings, create=create) as opened:
        yield opened


def _judge(
    query: QueryAnalysis, found: Retrieved
) -> list[tuple[Hit, Paper, StudyFacts, StanceJudgement]]:
    studies = []
    for hit in found.hits:
        if hit.paper is None:
            continue
        facts = found.facts[hit.paper_id]
        stance = analysis.judge_stance(query, hit.paper, facts)
        studies.append((hit, hit.paper, facts, stance))
    return studies


def check(report: Report, settings: Settings | None = None) -> list[dict[str, object]]:
    """The faithfulness checker's verdict on every sentence of a report (``ask --check``)."""
    settings = settings or Settings()
    from .retrieve.backend import get_papers

    ids = {pid for claim in report.claims() for pid in claim.citations}
    with open_library(settings, create=False) as library:
        # From the backend: with Milvus the cited papers live in the collection, not the library.
        papers = get_papers(library, sorted(ids), settings).papers
    return verdicts(report, papers)


def index(settings: Settings | None = None, *, progress: Progress | None = None) -> dict[str, object]:
    """Bring the library's dense (embedding) index up to date; resumable after an interruption."""
    from .index import build_index

    settings = settings or Settings()
    with open_library(settings, create=False) as library:
        summary = build_index(library, settings, progress=progress)
    return {"embedder": settings.index.embedder, **dataclasses.asdict(summary)}


def info(settings: Settings | None = None) -> dict[str, object]:
    """What is in the library and where it lives."""
    settings = settings or Settings()
    path = settings.library.resolved_path()
    with open_library(settings, create=False) as library:
        stats = dict(library.stats())
    stats["path"] = str(path)
    stats["analyser_version"] = analysis.ANALYSER_VERSION
    return stats
