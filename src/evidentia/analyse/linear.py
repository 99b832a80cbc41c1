"""Linear classifiers shipped as data: a JSON file of feature names and labels, an npz of weights.

``models/<name>.json`` holds ``{"labels": [...], "features": [...], ...}`` and
``models/<name>.npz`` the arrays ``weights`` (features x labels, float32) and ``bias`` (labels).
Features are binary strings ("w=reduced", "rule=no"); unknown features are ignored. Nothing is
unpickled: ``numpy.load(allow_pickle=False)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class LinearModel:
    labels: tuple[str, ...]
    index: dict[str, int]
    weights: np.ndarray
    bias: np.ndarray
    meta: dict

    def scores(self, features: list[str]) -> np.ndarray:
        rows = [self.index[f] for f in set(features) if f in self.index]
        total = self.bias.copy()
        if rows:
            total += self.weights[rows].sum(axis=0)
        return total

    def probabilities(self, features: list[str]) -> dict[str, float]:
        scores = self.scores(features)
        top = float(scores.max())
        exps = [math.exp(float(s) - top) for s in scores]
        norm = sum(exps)
        return {label: e / norm for label, e in zip(self.labels, exps, strict=True)}


def save_linear(path_stem: Path, labels: list[str], features: list[str], weights: np.ndarray,
                bias: np.ndarray, **meta: object) -> None:
    """Write ``<stem>.json`` and ``<stem>.npz`` (used by the training scripts)."""
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    keep = np.abs(weights).max(axis=1) > 1e-6  # drop features with no weight at all
    kept = [f for f, k in zip(features, keep, strict=True) if k]
    info = {"labels": labels, "features": kept, **meta}
    path_stem.with_suffix(".json").write_text(json.dumps(info, separators=(",", ":")), encoding="utf-8")
    np.savez_compressed(path_stem.with_suffix(".npz"), weights=weights[keep].astype(np.float32),
                        bias=np.asarray(bias, dtype=np.float32))


@cache
def load_linear(name: str) -> LinearModel | None:
    """The shipped model ``models/<name>.json`` + ``.npz``, or None when it is not there."""
    return load_linear_from(Path(str(resources.files(__package__).joinpath("models"))), name)


def load_linear_from(folder: Path, name: str) -> LinearModel | None:
    """``<folder>/<name>.json`` + ``.npz`` as a model, or None when either file is missing."""
    try:
        info = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        with np.load(folder / f"{name}.npz", allow_pickle=False) as arrays:
            weights, bias = arrays["weights"], arrays["bias"]
    except FileNotFoundError:
        return None
    features = info.pop("features")
    labels = tuple(info.pop("labels"))
    return LinearModel(labels, {f: i for i, f in enumerate(features)}, weights, bias, info)
