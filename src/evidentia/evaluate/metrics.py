"""Ranking metrics with the standard (trec_eval / pytrec_eval, as BEIR reports them) definitions.

* ``ndcg_at(ranked, qrels, k)``: DCG with linear gain ``rel / log2(rank + 1)`` over the top
  ``k`` retrieved, divided by the DCG of the ideal ordering of the judged relevant documents.
* ``recall_at(ranked, qrels, k)``: relevant documents (``rel > 0``) in the top ``k``, divided
  by all relevant documents of the query.

``mean_metric`` averages over the queries in the qrels (a query that retrieved nothing scores
0); queries without any relevant document are left out, as trec_eval does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

Qrels = Mapping[str, Mapping[str, int]]  # query id -> document id -> relevance
Run = Mapping[str, Sequence[str]]  # query id -> document ids, best first


def dcg(gains: Sequence[float]) -> float:
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))


def ndcg_at(ranked: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    ideal = dcg(sorted((rel for rel in relevance.values() if rel > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    gains = [max(relevance.get(doc, 0), 0) for doc in _unique(ranked)[:k]]
    return dcg(gains) / ideal


def recall_at(ranked: Sequence[str], relevance: Mapping[str, int], k: int) -> float:
    relevant = {doc for doc, rel in relevance.items() if rel > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(_unique(ranked)[:k])) / len(relevant)


def mean_metric(
    run: Run, qrels: Qrels, metric: Callable[[Sequence[str], Mapping[str, int], int], float], k: int
) -> float:
    scores = [
        metric(run.get(query, ()), relevance, k)
        for query, relevance in qrels.items()
        if any(rel > 0 for rel in relevance.values())
    ]
    return sum(scores) / len(scores) if scores else 0.0


def _unique(ranked: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(ranked))
