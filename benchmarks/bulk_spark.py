"""Bulk benchmark: ``evidentia bulk build`` on Spark over N synthetic PubMed records.

    python benchmarks/bulk_spark.py --n 100000 --work-dir /tmp/bulk100k   # default local[2]

Writes N synthetic records as NLM-style PubMed XML baseline files (``--files`` of them,
gzipped), abstracts made by recombining real sentences of the shared corpora (the corpus of
``benchmarks/scale.py``), then runs the whole build: parse, apply, analyse, embed, Parquet.

Reports (Markdown, for BENCHMARKS.md and docs/scale.md):

* end-to-end build throughput, papers/s, on ``--master`` (``local[2]`` by default);
* single-core rates of each step on a sample (parse, analyse, embed with the static and the
  ONNX embedder), which is what the cluster projection multiplies out;
* Parquet bytes per paper per dataset and per million papers;
* the projection: core-hours, and hours on a given cluster, for the PubMed baseline and for a
  daily update file, with each embedder.

The output folder is kept (``--work-dir``) for ``benchmarks/milvus_lite.py --build DIR``.

``--incremental UPDATES``: also writes a daily-update-style file (``UPDATES`` revised records of
the first file, a fifth as many deletions), builds the corpus alone (the base), then the update
with ``--base``, and the corpus + update in full; reports both times, the papers analysed and
copied, and whether the two outputs are equal row for row.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import sys
import time
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "benchmarks"))

from scale import sentence_pool, synthetic_papers

BASELINE_RECORDS = 36_000_000
BASELINE_FILES = 1_300
UPDATE_RECORDS = 30_000  # an NLM daily update file holds up to 30,000 citations
SAMPLE = 1_000

ARTICLE = """<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">\
<PMID Version="1">{pmid}</PMID><Article PubModel="Print"><Journal><JournalIssue>\
<PubDate><Year>{year}</Year></PubDate></JournalIssue><Title>Synthetic Journal</Title></Journal>\
<ArticleTitle>{title}</ArticleTitle><Abstract><AbstractText>{abstract}</AbstractText></Abstract>\
<PublicationTypeList>{types}</PublicationTypeList></Article></MedlineCitation></PubmedArticle>
"""


# --------------------------------------------------------------------------- corpus


def write_corpus(folder: Path, n: int, files: int) -> list[Path]:
    """``files`` gzipped PubMed XML files holding N records between them."""
    folder.mkdir(parents=True, exist_ok=True)
    titles, sentences = sentence_pool()
    per_file = -(-n // files)
    paths, buffer, number = [], io.StringIO(), 0
    for batch in synthetic_papers(n, titles, sentences):
        for paper in batch:
            buffer.write(ARTICLE.format(
                pmid=paper.pmid, year=paper.year, title=escape(paper.title),
                abstract=escape(paper.abstract),
                types="".join(f"<PublicationType>{t}</PublicationType>" for t in paper.publication_types)))
            number += 1
            if number % per_file == 0 or number == n:
                paths.append(_flush(folder, len(paths) + 1, buffer.getvalue()))
                buffer = io.StringIO()
    return paths


def _flush(folder: Path, index: int, articles: str) -> Path:
    path = folder / f"synthetic26n{index:04d}.xml.gz"
    text = f'<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n{articles}</PubmedArticleSet>\n'
    path.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0))
    return path


# --------------------------------------------------------------------------- measurements


def step_rates(path: Path) -> dict[str, float]:
    """Single-core papers/s of each step, on the first SAMPLE records of one file."""
    from evidentia.analyse import analyse
    from evidentia.bulk.records import file_events
    from evidentia.index.embedders import (
        available_embedders,
        document_text,
        get_embedder,
    )
    from evidentia.models import Paper

    content = path.read_bytes()
    started = time.perf_counter()
    events = list(file_events(0, path.name, content, max_file_bytes=10**10, max_record_bytes=2**21))
    rates = {"parse": len(events) / (time.perf_counter() - started)}
    papers = [Paper.model_validate_json(e[4]) for e in events[:SAMPLE] if e[3] == "paper"]
    analyse(papers[0])
    started = time.perf_counter()
    for paper in papers:
        analyse(paper)
    rates["analyse"] = len(papers) / (time.perf_counter() - started)
    texts = [document_text(p.title, p.abstract) for p in papers]
    for name in ("minilm-static", "minilm-int8"):
        if available_embedders().get(name):
            embedder = get_embedder(name)
            embedder.embed(texts[:8])
            count = len(texts) if name == "minilm-static" else min(len(texts), 300)
            started = time.perf_counter()
            embedder.embed(texts[:count])
            rates[f"embed {name}"] = count / (time.perf_counter() - started)
    return rates


def run_build(corpus: list[Path], out: Path, args: argparse.Namespace) -> dict[str, float]:
    from evidentia.bulk import build
    from evidentia.config import Settings

    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per Spark task, as on a cluster
    settings = Settings.load(None, [f"index.embedder={args.embedder}", f"bulk.partitions={args.partitions}",
                                    f"bulk.spark_master={args.master}", f"bulk.driver_memory={args.driver_memory}"])
    started = time.perf_counter()
    summary = build([str(path) for path in corpus], str(out), settings,
                    progress=lambda m: print(f"  {m}", file=sys.stderr))
    elapsed = time.perf_counter() - started
    return {"papers": summary.papers, "build_s": elapsed, "rate": summary.papers / elapsed,
            "skipped": summary.skipped}


def write_update(corpus: list[Path], folder: Path, count: int) -> Path:
    """An update file: ``count`` revised records of the first file, then deletions of others."""
    text = gzip.decompress(corpus[0].read_bytes()).decode("utf-8")
    articles = re.findall(r"<PubmedArticle>.*?</PubmedArticle>", text, re.DOTALL)
    revised = [a.replace("<ArticleTitle>", "<ArticleTitle>Revised: ") for a in articles[:count]]
    pmids = re.findall(r'<PMID Version="1">(\d+)</PMID>', text)[count : count + max(1, count // 5)]
    deletion = "<DeleteCitation>" + "".join(f'<PMID Version="1">{p}</PMID>' for p in pmids) + "</DeleteCitation>\n"
    folder.mkdir(parents=True, exist_ok=True)
    return _flush(folder, 9999, "".join(revised) + deletion)


def run_incremental(corpus: list[Path], args: argparse.Namespace) -> dict[str, object]:
    """Base build, then the update on top of it (``--base``), then corpus + update in full."""
    import pyarrow.parquet as pq

    from evidentia.bulk import build
    from evidentia.config import Settings

    update = write_update(corpus, args.work_dir / f"update-{args.n}", args.incremental)
    settings = Settings.load(None, [f"index.embedder={args.embedder}", f"bulk.partitions={args.partitions}",
                                    f"bulk.spark_master={args.master}", f"bulk.driver_memory={args.driver_memory}"])
    root, timed = args.work_dir / f"incremental-{args.n}", {}
    runs = {"base": ([*corpus], None), "incremental": ([update], root / "base"),
            "full": ([*corpus, update], None)}
    for name, (inputs, base) in runs.items():
        started = time.perf_counter()
        summary = build([str(p) for p in inputs], str(root / name), settings,
                        base=str(base) if base else None)
        timed[name] = {"seconds": round(time.perf_counter() - started, 1), "papers": summary.papers,
                       "analysed": summary.analysed, "carried": summary.carried}
    same = all(pq.read_table(root / "incremental" / d).to_pylist() == pq.read_table(root / "full" / d).to_pylist()
               for d in ("papers", "facts", "embeddings"))
    return {**timed, "equal": same}


def parquet_bytes(out: Path, papers: int) -> dict[str, float]:
    sizes = {d: sum(f.stat().st_size for f in (out / d).glob("*.parquet"))
             for d in ("papers", "facts", "embeddings")}
    return {f"{d} bytes/paper": size / papers for d, size in sizes.items()}


# --------------------------------------------------------------------------- projection


def projection(rates: dict[str, float], measured: dict[str, float], cores: int, args: argparse.Namespace,
               ) -> list[tuple[str, str]]:
    """Core-hours per workload from the single-core step rates, scaled by the measured overhead."""
    rows = []
    steps = 1 / rates["parse"] + 1 / rates["analyse"]
    ideal_local = cores / (steps + 1 / rates[f"embed {args.embedder}"])
    overhead = ideal_local / measured["rate"]  # Spark, shuffle, Parquet, sharing on this machine
    rows.append(("overhead vs. the sum of single-core steps (measured build)", f"{overhead:.2f}x"))
    for name in ("minilm-static", "minilm-int8"):
        if f"embed {name}" not in rates:
            continue
        per_paper = (steps + 1 / rates[f"embed {name}"]) * overhead  # core-seconds
        baseline = BASELINE_RECORDS * per_paper / 3600
        update = UPDATE_RECORDS * per_paper / 3600
        rows.append((f"PubMed baseline ({BASELINE_RECORDS / 1e6:.0f}M), {name}: core-hours",
                     f"{baseline:,.0f} (= {baseline / args.cluster_cores:,.1f} h on {args.cluster_cores} cores)"))
        rows.append((f"daily update file ({UPDATE_RECORDS:,}), {name}: core-minutes",
                     f"{update * 60:,.0f} (= {update * 60 / args.update_cores:,.1f} min on {args.update_cores} cores)"))
    return rows


def report(args: argparse.Namespace, rates: dict[str, float], measured: dict[str, float],
           sizes: dict[str, float]) -> None:
    cores = int(args.master.removeprefix("local[").removesuffix("]")) if args.master.startswith("local[") else 0
    rows = [("papers", f"{measured['papers']:,} ({args.files} files)"),
            (f"bulk build, {args.master}, {args.embedder}: papers/s",
             f"{measured['rate']:,.0f} ({measured['build_s']:.0f} s end to end, Spark start included)")]
    rows += [(f"single core: {name}, papers/s", f"{rate:,.0f}") for name, rate in rates.items()]
    rows += [(f"Parquet {name}", f"{value:,.0f} B ({value * 1e6 / 1e9:,.2f} GB per million)")
             for name, value in sizes.items()]
    total = sum(sizes.values())
    rows.append(("Parquet total per million papers", f"{total * 1e6 / 1e9:,.2f} GB"))
    if cores:
        rows += projection(rates, measured, cores, args)
    print("| figure | value |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")
    print(f"\ncommand: python benchmarks/bulk_spark.py {' '.join(sys.argv[1:])}; "
          f"machine cores: {os.cpu_count()} (shared with other work: figures are lower bounds)")
    print(json.dumps({"rates": rates, "measured": measured, "sizes": sizes}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic records")
    parser.add_argument("--files", type=int, default=10, help="input files to spread them over")
    parser.add_argument("--partitions", type=int, default=8, help="bulk.partitions")
    parser.add_argument("--embedder", default="minilm-static")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="2g")
    parser.add_argument("--cluster-cores", type=int, default=256, help="cores of the projected cluster")
    parser.add_argument("--update-cores", type=int, default=16, help="cores for a daily update")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/evidentia-bulk-bench"))
    parser.add_argument("--incremental", type=int, default=0, metavar="UPDATES",
                        help="measure an incremental build of an update with this many revised records")
    args = parser.parse_args()
    corpus_dir, out = args.work_dir / f"corpus-{args.n}", args.work_dir / f"out-{args.n}"
    corpus = sorted(corpus_dir.glob("*.xml.gz")) or write_corpus(corpus_dir, args.n, args.files)
    if args.incremental:
        print(json.dumps(run_incremental(corpus, args), indent=2))
        return
    rates = step_rates(corpus[0])
    measured = run_build(corpus, out, args)
    report(args, rates, measured, parquet_bytes(out, measured["papers"]))


if __name__ == "__main__":
    main()
