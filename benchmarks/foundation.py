"""Foundation timings: `evidentia add` of the SciFact corpus and `evidentia ask` over it.

    python benchmarks/foundation.py [--data ../shared/data] [--runs 5]

Runs the real CLI in subprocesses (cold processes, as a user would), on a fresh library in a
temporary directory, and prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS = [
    "Does vitamin D supplementation reduce the risk of fractures?",
    "Is obesity associated with an increased risk of type 2 diabetes?",
    "Do statins reduce cardiovascular mortality?",
]


def timed(command: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "evidentia"]
    with tempfile.TemporaryDirectory() as tmp:
        lib = ["--library", str(Path(tmp) / "lib.sqlite")]
        add_s, out = timed([*cli, "add", str(args.data / "scifact" / "corpus.jsonl"), *lib, "--no-progress"])
        print(f"| add SciFact corpus (5,183 records, analysis included) | {add_s:.1f} s | {out.strip()} |")
        for question in QUESTIONS:
            runs = [timed([*cli, "ask", question, *lib, "--format", "md"])[0] for _ in range(args.runs)]
            print(f"| ask {question!r} (cold process, median of {args.runs}) | "
                  f"{statistics.median(runs):.2f} s | min {min(runs):.2f} s |")
    print(f"\ncores: {os.cpu_count()}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
