"""Evaluation of evidentia's stages on public benchmarks (figures go to BENCHMARKS.md).

* :func:`evaluate_beir` - nDCG@10 and recall@100 per retrieval mode on a BEIR-format set
  (``evidentia eval beir-scifact --json``).
* :func:`evaluate_pubmedqa` - recall@10 of each PubMedQA question's own abstract.
* :mod:`.metrics` - the ranking metrics (trec_eval definitions), implemented here.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MODES", "evaluate_beir", "evaluate_pubmedqa"]


def __getattr__(name: str) -> Any:  # lazy: the CLI imports this package for every command
    if name in __all__:
        from . import beir

        return getattr(beir, name)
    raise AttributeError(f"module 'evidentia.evaluate' has no attribute {name!r}")
