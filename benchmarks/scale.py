"""Scale benchmark: a synthetic library of N abstracts, ingested, embedded and searched.

    python benchmarks/scale.py --n 100000 [--embedder minilm-static] [--queries 200]
    python benchmarks/scale.py                 # N = 1,000,000

Abstracts are made by recombining real sentences of the shared corpora (BEIR SciFact, PubMedQA,
Evidence Inference abstracts), 5-10 per abstract, under a real title, so the vocabulary and
lengths are those of PubMed; ids, years and publication types are drawn with a fixed seed.

Reports (one Markdown table, for BENCHMARKS.md):

* ingest rate: papers/s through ``Library.write_batch`` (store + FTS5 BM25 index), 5,000 a batch;
* embedding rate and index size: ``DenseIndex.sync`` with ``--embedder`` (the static embedder by
  default: the ONNX one embeds ~40-60 abstracts/s on 2 cores, hours at this scale), plus the rate
  of ``--sample-embedder`` on ``--sample`` abstracts for comparison;
* latency of ``hybrid.search`` (BM25 + dense + fusion + rerank, k=20) p50/p99 over ``--queries``
  real questions, warm (each query run once before timing), in a fresh process, and that
  process's peak memory (RSS); plus BM25-only and dense-only latency (each with the rerank).

The machine's core count is printed: on a shared 2-core machine the figures are lower bounds.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from evidentia.models import Paper  # noqa: E402

SHARED = Path(os.environ.get("EVIDENTIA_SHARED_DATA", REPO.parent / "shared" / "data"))
BATCH = 5000
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
TYPES = [["Journal Article"], ["Randomized Controlled Trial"], ["Review"], ["Meta-Analysis"],
         ["Journal Article", "Observational Study"], ["Case Reports"]]


# --------------------------------------------------------------------------- corpus


def sentence_pool() -> tuple[list[str], list[str]]:
    """(titles, sentences) from the shared corpora."""
    titles, sentences = [], []
    for record in _jsonl(SHARED / "beir" / "scifact" / "corpus.jsonl"):
        titles.append(record["title"])
        sentences.extend(_SENTENCE.split(record["text"]))
    pubmedqa = json.loads((SHARED / "pubmedqa" / "ori_pqal.json").read_text())
    for item in pubmedqa.values():
        titles.append(item["QUESTION"])
        for context in item["CONTEXTS"]:
            sentences.extend(_SENTENCE.split(context))
    path = SHARED / "evidence_inference" / "abstracts_only.jsonl.gz"
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for line in lines:
                text = json.loads(line)["text"]
                body = re.sub(r"ABSTRACT\.[A-Z ]+:|TITLE:", " ", text)
                sentences.extend(_SENTENCE.split(" ".join(body.split())))
    return titles, [s.strip() for s in sentences if len(s.strip()) > 30]


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def synthetic_papers(n: int, titles: list[str], sentences: list[str], seed: int = 7):
    """Batches of ``BATCH`` papers, generated on the fly (never all in memory)."""
    rng = random.Random(seed)
    batch = []
    for number in range(1, n + 1):
        abstract = " ".join(rng.choices(sentences, k=rng.randint(5, 10)))
        batch.append(Paper(
            id=f"pmid:{number}", pmid=str(number), title=rng.choice(titles), abstract=abstract,
            year=rng.randint(1980, 2025), publication_types=rng.choice(TYPES), source="synthetic",
        ))
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def questions(count: int) -> list[str]:
    claims = [r["text"] for r in _jsonl(SHARED / "beir" / "scifact" / "queries.jsonl")]
    pubmedqa = [item["QUESTION"] for item in json.loads(
        (SHARED / "pubmedqa" / "ori_pqal.json").read_text()).values()]
    mixed = [q for pair in zip(claims, pubmedqa, strict=False) for q in pair]
    return mixed[:count]


# --------------------------------------------------------------------------- phases


def ingest(path: Path, n: int) -> dict[str, float]:
    from evidentia.store.library import Library

    titles, sentences = sentence_pool()
    generated = written = 0.0
    with Library.open(path) as library:
        started = time.perf_counter()
        for batch in synthetic_papers(n, titles, sentences):
            generated += time.perf_counter() - started
            started = time.perf_counter()
            library.write_batch(batch)
            written += time.perf_counter() - started
            started = time.perf_counter()
        started = time.perf_counter()
        library.optimize()
        optimise = time.perf_counter() - started
    return {"papers": n, "generate_s": generated, "write_s": written, "optimize_s": optimise,
            "ingest_rate": n / written, "library_bytes": _bytes(path)}


def embed(path: Path, name: str, exact_max: int) -> dict[str, float]:
    from evidentia.config import Settings
    from evidentia.index.dense import DenseIndex
    from evidentia.index.embedders import get_embedder
    from evidentia.store.library import Library

    settings = Settings()
    with Library.open(path) as library:
        index = DenseIndex.open(path, get_embedder(name), exact_max=exact_max,
                                hnsw_m=settings.index.hnsw_m, chunk=2048)
        started = time.perf_counter()
        summary = index.sync(library)
        elapsed = time.perf_counter() - started
        kind = "hnsw" if (index.folder / "index.faiss").exists() else "exact"
        size = index.size_bytes()
        index.close()
    return {"embedded": summary.embedded, "embed_s": elapsed,
            "embed_rate": summary.embedded / elapsed, "index_bytes": size, "index_kind": kind}


def sample_rate(name: str, count: int) -> float:
    from evidentia.index.embedders import get_embedder

    titles, sentences = sentence_pool()
    papers = next(synthetic_papers(count, titles, sentences, seed=11))[:count]
    embedder = get_embedder(name)
    texts = [f"{p.title}. {p.abstract}" for p in papers]
    embedder.embed(texts[:8])
    started = time.perf_counter()
    embedder.embed(texts)
    return count / (time.perf_counter() - started)


def latency(path: Path, name: str, count: int, exact_max: int) -> dict[str, float]:
    """Runs in a fresh process: warm-up pass, then the timed pass; peak RSS of that process."""
    from evidentia.config import Settings
    from evidentia.models import Filters
    from evidentia.retrieve.hybrid import search
    from evidentia.retrieve.query import analyse_query
    from evidentia.store.library import Library

    out: dict[str, float] = {}
    with Library.open(path, readonly=True) as library:
        for mode in ("hybrid", "bm25", "dense"):
            settings = Settings().with_overrides(
                [f"index.embedder={name}", f"index.mode={mode}", f"index.exact_max={exact_max}"]
            )
            asked = [analyse_query(q) for q in questions(count)]
            for query in asked:  # warm: index loaded, pages cached
                search(library, query, settings, Filters())
            times = []
            for query in asked:
                started = time.perf_counter()
                search(library, query, settings, Filters())
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            out[f"{mode}_p50_ms"] = statistics.median(times)
            out[f"{mode}_p99_ms"] = times[min(len(times) - 1, int(len(times) * 0.99))]
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited on exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


# --------------------------------------------------------------------------- report


def report(args: argparse.Namespace, figures: dict[str, float]) -> None:
    f = figures
    rows = [
        ("papers", f"{args.n:,}"),
        ("ingest (store + BM25), papers/s", f"{f['ingest_rate']:,.0f} ({f['write_s']:.1f} s; "
         f"optimize {f['optimize_s']:.1f} s; generation {f['generate_s']:.1f} s not counted)"),
        ("library size", f"{f['library_bytes'] / 1e6:,.0f} MB"),
        (f"embedding ({args.embedder}), papers/s",
         f"{f['embed_rate']:,.0f} ({f['embedded']:,} papers in {f['embed_s']:.1f} s, "
         "graph build included)"),
        (f"embedding ({args.sample_embedder}, {args.sample} abstracts), papers/s",
         f"{f.get('sample_rate', float('nan')):,.1f}"),
        ("dense index size / kind", f"{f['index_bytes'] / 1e6:,.0f} MB / {f['index_kind']}"),
        ("hybrid+rerank search p50 / p99 (warm, k=20)",
         f"{f['hybrid_p50_ms']:.1f} ms / {f['hybrid_p99_ms']:.1f} ms"),
        ("BM25(+rerank) search p50 / p99",
         f"{f['bm25_p50_ms']:.1f} ms / {f['bm25_p99_ms']:.1f} ms"),
        ("dense(+rerank) search p50 / p99",
         f"{f['dense_p50_ms']:.1f} ms / {f['dense_p99_ms']:.1f} ms"),
        ("peak memory of the search process", f"{f['peak_rss_mb']:,.0f} MB"),
        ("peak memory of the build process", f"{f['build_rss_mb']:,.0f} MB"),
    ]
    print("| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\ncommand: python benchmarks/scale.py {' '.join(sys.argv[1:])}; "
          f"cores: {os.cpu_count()} (shared with other work; figures are lower bounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic abstracts")
    parser.add_argument("--embedder", default="minilm-static", help="embedder of the index")
    parser.add_argument("--sample-embedder", default="minilm-int8",
                        help="embedder whose rate is measured on a sample")
    parser.add_argument("--sample", type=int, default=500, help="abstracts for the sample rate")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--exact-max", type=int, default=200_000,
                        help="index.exact_max: exact search up to this many vectors, HNSW above")
    parser.add_argument("--work-dir", type=Path, help="keep the library here (default: temp)")
    parser.add_argument("--latency-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.latency_only:  # the child process of the latency phase
        print(json.dumps(latency(args.work_dir / "library.sqlite", args.embedder, args.queries,
                                 args.exact_max)))
        return
    with tempfile.TemporaryDirectory(prefix="evidentia-scale-") as tmp:
        work = args.work_dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        path = work / "library.sqlite"
        figures = ingest(path, args.n) if not path.exists() else _existing(path)
        figures |= embed(path, args.embedder, args.exact_max)
        if args.sample:
            figures["sample_rate"] = sample_rate(args.sample_embedder, args.sample)
        figures["build_rss_mb"] = peak_rss_mb()
        child = subprocess.run(
            [sys.executable, __file__, "--latency-only", "--work-dir", str(work),
             "--embedder", args.embedder, "--queries", str(args.queries),
             "--exact-max", str(args.exact_max)],
            capture_output=True, text=True, check=True,
        )
        figures |= json.loads(child.stdout.strip().splitlines()[-1])
        report(args, figures)


def _existing(path: Path) -> dict[str, float]:
    nan = float("nan")
    return {"ingest_rate": nan, "write_s": nan, "optimize_s": nan, "generate_s": nan,
            "library_bytes": _bytes(path)}


if __name__ == "__main__":
    main()
