"""Metrics for the extractors: token F1, classification accuracy and macro-F1, span overlap.

All functions are pure: lists of gold and predicted labels (or spans) in, ``{name: value}`` out,
values rounded to four places so that the CLI's ``--json`` output is stable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence


def _f1(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def token_f1(gold: Sequence[str], guess: Sequence[str], labels: Iterable[str]) -> dict[str, float]:
    """Token-level F1 per label (``O`` is the outside label) and their macro average."""
    labels = list(labels)
    out: dict[str, float] = {}
    for label in labels:
        tp = sum(1 for g, p in zip(gold, guess, strict=True) if g == p == label)
        precision, recall, f1 = _f1(tp, guess.count(label), gold.count(label))  # type: ignore[attr-defined]
        out[f"{label}.precision"], out[f"{label}.recall"], out[f"{label}.f1"] = precision, recall, f1
    out["macro_f1"] = sum(out[f"{label}.f1"] for label in labels) / len(labels)
    return {k: round(v, 4) for k, v in out.items()}


def classification(gold: Sequence[str], guess: Sequence[str],
                   labels: Iterable[str] | None = None) -> dict[str, float]:
    """Accuracy, macro-F1 over ``labels`` (default: the gold labels) and F1 per label."""
    labels = sorted(set(gold)) if labels is None else list(labels)
    pairs = Counter(zip(gold, guess, strict=True))
    out: dict[str, float] = {"n": float(len(gold))}
    out["accuracy"] = sum(n for (g, p), n in pairs.items() if g == p) / len(gold) if gold else 0.0
    f1s = []
    for label in labels:
        tp = pairs[(label, label)]
        predicted = sum(n for (_, p), n in pairs.items() if p == label)
        actual = sum(n for (g, _), n in pairs.items() if g == label)
        f1 = _f1(tp, predicted, actual)[2]
        out[f"{label}.f1"] = f1
        f1s.append(f1)
    out["macro_f1"] = sum(f1s) / len(f1s) if f1s else 0.0
    return {k: round(v, 4) for k, v in out.items()}


def confusion(gold: Sequence[str], guess: Sequence[str]) -> dict[str, int]:
    """``"gold->guess": count`` for every pair that occurs."""
    return {f"{g}->{p}": n for (g, p), n in sorted(Counter(zip(gold, guess, strict=True)).items())}


def span_match(gold: Sequence[tuple[int, int]], guess: Sequence[tuple[int, int]]) -> tuple[int, int, int, int]:
    """(gold spans hit by a guess, gold spans, guesses that hit a gold span, guesses): overlap counts."""
    def hits(a: tuple[int, int], spans: Sequence[tuple[int, int]]) -> bool:
        return any(a[0] < b[1] and b[0] < a[1] for b in spans)

    return (sum(hits(g, guess) for g in gold), len(gold), sum(hits(p, gold) for p in guess), len(guess))


def prf(tp: int, predicted: int, actual: int, prefix: str) -> dict[str, float]:
    precision, recall, f1 = _f1(tp, predicted, actual)
    return {f"{prefix}.precision": round(precision, 4), f"{prefix}.recall": round(recall, 4),
            f"{prefix}.f1": round(f1, 4)}
