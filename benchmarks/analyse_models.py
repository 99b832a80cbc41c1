"""Analysis v2 figures: every extractor on its held-out set, model size, load time and speed.

    python benchmarks/analyse_models.py [--data ../shared/data] [--tasks pubmedqa,pico,...]

Runs the ``evidentia eval`` tasks (``evidentia.evaluate.tasks``) one after the other and prints
each metric, then the size of ``analyse/models/`` and the time to load every model. Each task can
also be run alone: ``evidentia eval TASK --json``. Rebuild the models first with
``python training/train_all.py`` when the training data or the features changed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from evidentia.evaluate.tasks import TASKS, default_data_dir, run_task

MODELS = Path(__file__).resolve().parents[1] / "src" / "evidentia" / "analyse" / "models"
DEFAULT_TASKS = ("pubmedqa", "pico", "outcomes", "roles", "design", "sample-size", "stance-scifact", "speed")
LOAD_PROBE = (
    "import time; t = time.perf_counter(); "
    "from evidentia.analyse import analyse, judge_stance; "
    "from evidentia.models import Paper, QueryAnalysis; "
    "p = Paper(id='doc:1', abstract='We randomised 40 adults to X or placebo. X reduced pain (p<0.01).'); "
    "judge_stance(QueryAnalysis(question='Does X reduce pain?'), p, analyse(p)); "
    "print(f'{time.perf_counter() - t:.2f}')"
)


def model_figures() -> None:
    size = sum(p.stat().st_size for p in MODELS.iterdir() if p.is_file())
    seconds = subprocess.run([sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()[-1]
    print(f"models: {size / 1e6:.1f} MB in {MODELS.name}/; import + load every model + first analysis: {seconds} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--tasks", default=",".join(DEFAULT_TASKS), help=f"any of: {', '.join(TASKS)}")
    args = parser.parse_args()
    model_figures()
    for name in args.tasks.split(","):
        started = time.perf_counter()
        scores = run_task(name, args.data)
        shown = ", ".join(f"{k} {v:.3f}" if v <= 1 else f"{k} {v:.0f}" for k, v in scores.items())
        print(f"{name} ({time.perf_counter() - started:.0f} s): {shown}", flush=True)


if __name__ == "__main__":
    main()
