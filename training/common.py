"""Helpers shared by the training scripts: where the data and the model folder are, arguments."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

MODELS = REPO / "src" / "evidentia" / "analyse" / "models"
DEFAULT_DATA = Path(os.environ.get("EVIDENTIA_SHARED_DATA", REPO.parent / "shared" / "data"))


def parser(description: str | None) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data folder")
    p.add_argument("--out", type=Path, default=MODELS, help="model folder to write")
    return p


def check_data(data: Path) -> None:
    if not data.is_dir():
        sys.exit(f"shared data not found at {data} (use --data or EVIDENTIA_SHARED_DATA)")


def write_meta(out: Path, name: str, info: dict) -> None:
    """Record how a model was built in ``models/meta.json`` (one entry per model)."""
    path = out / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    meta[name] = {**info, "built": time.strftime("%Y-%m-%d")}
    path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


class Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    def __str__(self) -> str:
        return f"{time.perf_counter() - self.started:.1f} s"
