"""Feature rerank of fused candidates: relevance first, then the strength of the evidence.

Each candidate gets features, each scaled to about [0, 1] (relevance) or [-0.5, 0.5] (priors):

========== =================================================================================
bm25       BM25 score / best BM25 score among the candidates (0 when BM25 did not find it)
dense      cosine, min-max scaled over the candidates (0 when it has no vector)
fused      reciprocal-rank-fusion score / best fused score
title      share of the query's terms found in the title, each term weighted by its rarity
           among the candidates (a term every candidate has tells nothing)
abstract   the same share for the abstract
design     strength of the study design (meta-analysis +0.5 ... in vitro -0.5; unknown 0)
sample     log10 of the sample size, 100 participants = 0, 10,000+ = +0.5 (unknown 0)
recency    publication year: this year +0.5, 30 years ago or more -0.5 (unknown 0)
species    human +0.5, animal or in vitro -0.5, unknown 0
========== =================================================================================

The score is the weighted sum (weights from ``IndexSettings.rerank_*``). Design, sample size and
species come from cached analyses when the caller passes them; without them, design falls back
on the record's publication types and species on its MeSH check tags, and the rest count 0, so
the rerank works on a library that was never analysed. Relevance weights were tuned on BEIR
SciFact's train queries; the prior weights are small so they reorder only close calls.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ..models import DESIGNS, Paper, QueryAnalysis, StudyFacts, design_rank

FEATURES = ("bm25", "dense", "fused", "title", "abstract", "design", "sample", "recency", "species")

# Publication types (PubMed's controlled list) -> design; general vocabulary, first match wins.
_PUBLICATION_DESIGNS: tuple[tuple[str, str], ...] = (
    ("meta-analysis", "meta_analysis"),
    ("systematic review", "systematic_review"),
    ("randomized controlled trial", "rct"),
    ("controlled clinical trial", "non_randomised_trial"),
    ("clinical trial", "non_randomised_trial"),
    ("observational study", "cohort"),
    ("case reports", "case_report"),
    ("practice guideline", "guideline"),
    ("review", "narrative_review"),
)


@dataclass
class Candidate:
    """A fused candidate with what the rerank reads; ``scores`` holds bm25 / dense / fused."""

    paper_id: str
    paper: Paper | None
    scores: dict[str, float] = field(default_factory=dict)
    facts: StudyFacts | None = None


def rerank(
    candidates: Sequence[Candidate], query: QueryAnalysis, weights: Mapping[str, float],
    *, this_year: int,
) -> list[tuple[Candidate, float, dict[str, float]]]:
    """(candidate, score, features), best first; ties keep the incoming (fused) order."""
    rows = candidate_features(candidates, query, this_year=this_year)
    scored = [
        (candidate, sum(weights.get(name, 0.0) * value for name, value in feats.items()), feats)
        for candidate, feats in zip(candidates, rows, strict=True)
    ]
    order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
    return [scored[i] for i in order]


def candidate_features(
    candidates: Sequence[Candidate], query: QueryAnalysis, *, this_year: int
) -> list[dict[str, float]]:
    relevance = _relevance_features(candidates)
    matches = _term_features(candidates, query)
    return [
        {**rel, **match, **prior_features(c.paper, c.facts, this_year=this_year)}
        for c, rel, match in zip(candidates, relevance, matches, strict=True)
    ]


# --------------------------------------------------------------------------- relevance


def _relevance_features(candidates: Sequence[Candidate]) -> list[dict[str, float]]:
    best_bm25 = max((c.scores.get("bm25", 0.0) for c in candidates), default=0.0)
    best_fused = max((c.scores.get("fused", 0.0) for c in candidates), default=0.0)
    cosines = [c.scores["dense"] for c in candidates if "dense" in c.scores]
    low, high = (min(cosines), max(cosines)) if cosines else (0.0, 0.0)
    return [
        {
            "bm25": _ratio(c.scores.get("bm25", 0.0), best_bm25),
            "dense": _ratio(c.scores["dense"] - low, high - low) if "dense" in c.scores else 0.0,
            "fused": _ratio(c.scores.get("fused", 0.0), best_fused),
        }
        for c in candidates
    ]


def _ratio(value: float, scale: float) -> float:
    return max(value, 0.0) / scale if scale > 0 else 0.0


STEM = 6


def stem(word: str) -> str:
    """A crude, language-general stem: lower case, six letters (``fractures`` = ``fractu``)."""
    return word.lower()[:STEM]


def _term_features(
    candidates: Sequence[Candidate], query: QueryAnalysis
) -> list[dict[str, float]]:
    terms = list(dict.fromkeys(stem(term) for term in query.terms if term))
    if not terms:
        return [{"title": 0.0, "abstract": 0.0} for _ in candidates]
    pattern = _terms_pattern(terms)
    titles = [_found(pattern, c.paper.title) if c.paper else set() for c in candidates]
    abstracts = [_found(pattern, c.paper.abstract) if c.paper else set() for c in candidates]
    weights = _rarity(terms, [t | a for t, a in zip(titles, abstracts, strict=True)])
    total = sum(weights.values())
    return [
        {"title": _coverage(weights, title, total), "abstract": _coverage(weights, abstract, total)}
        for title, abstract in zip(titles, abstracts, strict=True)
    ]


def _terms_pattern(stems: list[str]) -> re.Pattern[str]:
    """Matches a word whose stem is one of ``stems``: a prefix for full-length stems, else the
    whole word. One scan of a text instead of stemming each of its words.

    Each branch starts with its literal stem and checks the word start after it (a lookbehind
    over the stem and the character before): a pattern that starts with literals lets the
    regex engine skip ahead to their first letters, a third faster than testing the word
    start at every position. The matches are the same.
    """
    parts = [
        re.escape(term) + r"(?<![^\W_]" + "." * len(term) + ")"
        + ("" if len(term) >= STEM else r"(?![^\W_])")
        for term in sorted(stems, key=len, reverse=True)
    ]
    return re.compile("(?:" + "|".join(parts) + ")", re.DOTALL)


def _found(pattern: re.Pattern[str], text: str) -> set[str]:
    return set(pattern.findall(text.lower()))


def _rarity(terms: list[str], documents: list[set[str]]) -> dict[str, float]:
    """IDF of each term over the candidate set (smoothed, so a term no candidate has counts)."""
    count = len(documents)
    return {
        term: math.log(1 + (count + 1) / (1 + sum(term in doc for doc in documents)))
        for term in terms
    }


def _coverage(weights: dict[str, float], stems: set[str], total: float) -> float:
    if total <= 0:
        return 0.0
    return sum(weight for term, weight in weights.items() if term in stems) / total


# --------------------------------------------------------------------------- priors


def prior_features(
    paper: Paper | None, facts: StudyFacts | None, *, this_year: int
) -> dict[str, float]:
    """Design, sample size, recency and species, centred on 0 for "unknown"."""
    return {
        "design": _design(paper, facts),
        "sample": _sample(facts),
        "recency": _recency(paper, this_year),
        "species": _species(paper, facts),
    }


def _design(paper: Paper | None, facts: StudyFacts | None) -> float:
    design = facts.design if facts and facts.design != "other" else _design_from_types(paper)
    if design is None or design not in DESIGNS or design == "other":
        return 0.0
    return 0.5 - design_rank(design) / (len(DESIGNS) - 2)


def _design_from_types(paper: Paper | None) -> str | None:
    types = [kind.lower() for kind in (paper.publication_types if paper else [])]
    for name, design in _PUBLICATION_DESIGNS:
        if name in types:
            return design
    return None


def _sample(facts: StudyFacts | None) -> float:
    if not facts or not facts.sample_size or facts.sample_size.n <= 0:
        return 0.0
    return max(-0.5, min(0.5, (math.log10(facts.sample_size.n) - 2) / 4))


def _recency(paper: Paper | None, this_year: int) -> float:
    if not paper or not paper.year:
        return 0.0
    age = max(0, this_year - paper.year)
    return 0.5 - min(age, 30) / 30


def _species(paper: Paper | None, facts: StudyFacts | None) -> float:
    species = facts.species if facts else "unknown"
    if species == "unknown" and paper:
        mesh = {term.lower() for term in paper.mesh_terms}
        if "humans" in mesh and "animals" not in mesh:
            species = "human"
        elif "animals" in mesh and "humans" not in mesh:
            species = "animal"
    return {"human": 0.5, "animal": -0.5, "in_vitro": -0.5}.get(species, 0.0)
