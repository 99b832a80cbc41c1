"""Rebuild every learned model of ``evidentia.analyse`` from the shared data, in order.

    python training/train_all.py [--data ../shared/data]

1. ``build_word_clusters.py``  word -> cluster table for the PICO tagger  (about 1 minute)
2. ``train_roles.py``          sentence-role CRF                           (under 1 minute)
3. ``train_pico.py``           PICO span CRF                               (about 1 minute)
4. ``train_stance.py``         stance models (with / without conclusion)   (about 1 minute)

Times are for one core of the 2-core development machine. Each step writes its files into
``src/evidentia/analyse/models/`` and records itself in ``models/meta.json``; run
``evidentia eval <task>`` afterwards for the figures (see docs/extraction.md).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from common import DEFAULT_DATA, MODELS, parser

HERE = Path(__file__).resolve().parent
STEPS = ("build_word_clusters.py", "train_roles.py", "train_pico.py", "train_stance.py")


def main() -> None:
    args = parser(__doc__).parse_args()
    started = time.perf_counter()
    for step in STEPS:
        command = [sys.executable, str(HERE / step), "--data", str(args.data or DEFAULT_DATA),
                   "--out", str(args.out or MODELS)]
        print(f"== {step}", flush=True)
        if subprocess.run(command, check=False).returncode != 0:
            sys.exit(f"{step} failed; the models already written are kept")
    total = sum(p.stat().st_size for p in Path(args.out).iterdir() if p.is_file())
    print(f"all models rebuilt in {time.perf_counter() - started:.0f} s, {total / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
