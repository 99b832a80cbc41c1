"""Analyser speed: abstracts per CPU-second over the first N SciFact abstracts, with a profile.

    python benchmarks/analyse_speed.py [--data ../shared/data] [--limit 2000] [--profile 25]

Times ``analyse()`` with ``time.process_time`` (CPU seconds, so other load on the machine does
not count) after one warm-up call that loads every model, and optionally prints the top
functions of a cProfile run by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from pathlib import Path

from evidentia.analyse import analyse
from evidentia.evaluate.tasks import default_data_dir
from evidentia.models import Paper


def scifact_papers(data: Path, limit: int) -> list[Paper]:
    """The first ``limit`` SciFact corpus abstracts as papers."""
    papers = []
    with (data / "scifact" / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            papers.append(Paper(id=f"doc:{row['doc_id']}", title=row["title"],
                                abstract=" ".join(row["abstract"])))
            if len(papers) >= limit:
                break
    return papers


def rate(papers: list[Paper]) -> float:
    """Abstracts analysed per CPU-second."""
    analyse(papers[0])  # load the models outside the timing
    started = time.process_time()
    for paper in papers:
        analyse(paper)
    return len(papers) / (time.process_time() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=0, help="print this many profile rows")
    args = parser.parse_args()
    papers = scifact_papers(args.data, args.limit)
    print(f"analyse: {rate(papers):.0f} abstracts per CPU-second over {len(papers)} SciFact abstracts")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [analyse(p) for p in papers])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
