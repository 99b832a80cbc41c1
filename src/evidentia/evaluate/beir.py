"""Retrieval quality on BEIR-format sets (SciFact) and on PubMedQA, per retrieval stage.

    scores = evaluate_beir(Path("../shared/data/beir/scifact"), Settings())
    # {"bm25.ndcg@10": 0.68, "bm25.recall@100": 0.92, "dense.ndcg@10": ..., ...}

The corpus is ingested into a library (a temporary one unless ``work_dir`` is given, where the
library and its dense index are kept and reused), the dense index is built with the configured
embedder, and each query runs through :func:`evidentia.retrieve.hybrid.search` in each mode:

========== ==========================================================================
bm25       BM25 alone (``index.mode=bm25``, no rerank)
dense      nearest neighbours alone (``index.mode=dense``, no rerank)
hybrid     both, reciprocal-rank fused (``index.mode=hybrid``, no rerank)
hybrid+rerank  fused, then the feature rerank
========== ==========================================================================

Metrics are nDCG@10 and recall@100 (:mod:`.metrics`, trec_eval definitions). Weights are tuned
on the train split (``training/tune_retrieval.py``), never on test.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import InputError
from ..models import Filters, Paper, make_paper_id
from .metrics import Qrels, mean_metric, ndcg_at, recall_at

MODES: tuple[str, ...] = ("bm25", "dense", "hybrid", "hybrid+rerank")
_MODE_SETTINGS = {
    "bm25": ("bm25", False),
    "bm25+rerank": ("bm25", True),
    "dense": ("dense", False),
    "dense+rerank": ("dense", True),
    "hybrid": ("hybrid", False),
    "hybrid+rerank": ("hybrid", True),
}
Progress = Callable[..., None]


# --------------------------------------------------------------------------- datasets


def load_corpus(dataset_dir: Path) -> list[Paper]:
    """``corpus.jsonl`` (``_id``, ``title``, ``text``) as papers with ids ``doc:<_id>``."""
    papers = []
    for record in _jsonl(dataset_dir / "corpus.jsonl"):
        ext_id = str(record["_id"])
        papers.append(Paper(
            id=make_paper_id(ext_id=ext_id), ext_id=ext_id, title=record.get("title") or "",
            abstract=record.get("text") or "", source="beir",
        ))
    return papers


def load_queries(dataset_dir: Path) -> dict[str, str]:
    return {str(r["_id"]): r["text"] for r in _jsonl(dataset_dir / "queries.jsonl")}


def load_qrels(dataset_dir: Path, split: str) -> dict[str, dict[str, int]]:
    """``qrels/<split>.tsv`` as query id -> ``doc:<corpus id>`` -> relevance."""
    path = dataset_dir / "qrels" / f"{split}.tsv"
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(_lines(path)):
        parts = line.rstrip("\n").split("\t")
        if number == 0 and not parts[-1].lstrip("-").isdigit():
            continue  # header
        if len(parts) >= 3:
            qrels.setdefault(parts[0], {})[make_paper_id(ext_id=parts[1])] = int(parts[-1])
    return qrels


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    for line in _lines(path):
        if line.strip():
            yield json.loads(line)


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open(encoding="utf-8") as handle:
            yield from handle
    except OSError as exc:
        raise InputError(
            f"cannot read {path}: {exc.strerror}",
            hint="point to a BEIR-format folder (corpus.jsonl, queries.jsonl, qrels/)",
        ) from None


# --------------------------------------------------------------------------- library


@contextmanager
def corpus_library(
    papers: Sequence[Paper], work_dir: Path | None, name: str = "library.sqlite"
) -> Iterator[Any]:
    """A library holding ``papers``: reused from ``work_dir`` when complete, else written."""
    from ..store.library import Library

    with tempfile.TemporaryDirectory(prefix="evidentia-eval-") as tmp:
        folder = Path(work_dir) if work_dir else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        library = Library.open(folder / name)
        try:
            if library.count() < len(papers):
                for start in range(0, len(papers), 1000):
                    library.write_batch(list(papers[start : start + 1000]))
            yield library
        finally:
            library.close()


def ensure_dense(library: Any, settings: Settings, embedder: Any = None,
                 progress: Progress | None = None) -> Any:
    """The library's dense index for the configured embedder, synced."""
    from ..index.dense import DenseIndex
    from ..index.embedders import get_embedder

    embedder = embedder or get_embedder(settings.index.embedder)
    index = DenseIndex.open(
        library.path, embedder, exact_max=settings.index.exact_max,
        chunk=settings.index.embed_chunk,
    )
    index.sync(library, progress=progress)
    return index


# --------------------------------------------------------------------------- runs


def mode_settings(settings: Settings, mode: str, k: int) -> Settings:
    """``settings`` with the retrievers and rerank of ``mode``, returning ``k`` hits."""
    if mode not in _MODE_SETTINGS:
        raise InputError(
            f"unknown evaluation mode {mode!r}", hint=f"use {', '.join(_MODE_SETTINGS)}"
        )
    retrievers, rerank = _MODE_SETTINGS[mode]
    data = settings.model_dump(mode="json")
    data["index"].update(mode=retrievers, rerank=rerank)
    data["retrieve"]["k"] = k
    data["retrieve"]["candidates"] = max(k, data["retrieve"]["candidates"])
    return Settings.model_validate(data)


def run_queries(
    library: Any, queries: dict[str, str], settings: Settings, *, embedder: Any = None,
) -> dict[str, list[str]]:
    """Query id -> ranked paper ids, through the hybrid search with ``settings``."""
    from ..retrieve.hybrid import search
    from ..retrieve.query import analyse_query

    run: dict[str, list[str]] = {}
    filters = Filters(include_retracted=True)
    for query_id, text in queries.items():
        analysis = analyse_query(text, max_chars=max(len(text), 10))
        hits, _ = search(library, analysis, settings, filters, embedder=embedder)
        run[query_id] = [hit.paper_id for hit in hits]
    return run


def score_run(run: dict[str, list[str]], qrels: Qrels, prefix: str) -> dict[str, float]:
    return {
        f"{prefix}.ndcg@10": round(mean_metric(run, qrels, ndcg_at, 10), 4),
        f"{prefix}.recall@100": round(mean_metric(run, qrels, recall_at, 100), 4),
    }


# --------------------------------------------------------------------------- entry points


def evaluate_beir(
    dataset_dir: Path, settings: Settings | None = None, modes: Sequence[str] = MODES,
    split: str = "test", *, work_dir: Path | None = None, embedder: Any = None,
    progress: Progress | None = None,
) -> dict[str, float]:
    """nDCG@10 and recall@100 per mode on a BEIR-format set: ``{"bm25.ndcg@10": ...}``."""
    settings = settings or Settings()
    dataset_dir = Path(dataset_dir)
    qrels = load_qrels(dataset_dir, split)
    all_queries = load_queries(dataset_dir)
    queries = {qid: all_queries[qid] for qid in qrels if qid in all_queries}
    scores: dict[str, float] = {}
    with corpus_library(load_corpus(dataset_dir), work_dir) as library:
        if any(mode != "bm25" and not mode.startswith("bm25+") for mode in modes):
            ensure_dense(library, settings, embedder, progress)
        for mode in modes:
            chosen = mode_settings(settings, mode, 100)
            run = run_queries(library, queries, chosen, embedder=embedder)
            scores.update(score_run(run, qrels, mode))
    return scores


def load_pubmedqa(path: Path) -> tuple[list[Paper], dict[str, str]]:
    """PubMedQA PQA-L: each abstract (CONTEXTS joined) as a paper, and its question by PMID."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read PubMedQA file {path}: {exc}") from None
    papers, questions = [], {}
    for pmid, item in data.items():
        year = str(item.get("YEAR") or "")
        papers.append(Paper(
            id=make_paper_id(pmid=str(pmid)), pmid=str(pmid), abstract=" ".join(item["CONTEXTS"]),
            year=int(year) if year.isdigit() else None, mesh_terms=item.get("MESHES") or [],
            source="pubmedqa",
        ))
        questions[str(pmid)] = item["QUESTION"]
    return papers, questions


def evaluate_pubmedqa(
    path: Path, settings: Settings | None = None, modes: Sequence[str] = MODES, *,
    work_dir: Path | None = None, embedder: Any = None, progress: Progress | None = None,
) -> dict[str, float]:
    """Recall@10 of each question's own abstract among all: ``{"pubmedqa.bm25.recall@10": ...}``."""
    settings = settings or Settings()
    papers, questions = load_pubmedqa(path)
    qrels = {pmid: {make_paper_id(pmid=pmid): 1} for pmid in questions}
    scores: dict[str, float] = {}
    with corpus_library(papers, work_dir, "pubmedqa.sqlite") as library:
        if any(mode != "bm25" and not mode.startswith("bm25+") for mode in modes):
            ensure_dense(library, settings, embedder, progress)
        for mode in modes:
            chosen = mode_settings(settings, mode, 10)
            run = run_queries(library, questions, chosen, embedder=embedder)
            scores[f"pubmedqa.{mode}.recall@10"] = round(mean_metric(run, qrels, recall_at, 10), 4)
    return scores
