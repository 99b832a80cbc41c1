"""Reciprocal-rank fusion and the feature rerank, on hand-made candidates."""

from __future__ import annotations

import pytest

from evidentia.models import Paper, QueryAnalysis, SampleSize, Span, StudyFacts
from evidentia.retrieve.fusion import reciprocal_rank_fusion
from evidentia.retrieve.rerank import Candidate, candidate_features, prior_features, rerank

YEAR = 2025


def test_rrf_adds_weight_over_k_plus_rank_for_each_list() -> None:
    fused = reciprocal_rank_fusion(
        {"bm25": [("a", 9.0), ("b", 5.0), ("c", 1.0)], "dense": [("b", 0.9), ("d", 0.8)]}, k=60
    )
    scores = dict(fused)
    assert scores["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["a"] == pytest.approx(1 / 61)
    assert scores["d"] == pytest.approx(1 / 62)
    assert [paper_id for paper_id, _ in fused] == ["b", "a", "d", "c"]


def test_rrf_weights_scale_each_list_and_zero_drops_it() -> None:
    runs = {"bm25": [("a", 1.0)], "dense": [("b", 1.0)]}
    assert reciprocal_rank_fusion(runs, k=10, weights={"bm25": 1.0, "dense": 2.0})[0][0] == "b"
    assert reciprocal_rank_fusion(runs, k=10, weights={"bm25": 1.0, "dense": 0.0}) == [
        ("a", pytest.approx(1 / 11))
    ]


def test_rrf_breaks_ties_by_id_and_counts_a_repeated_paper_once() -> None:
    fused = reciprocal_rank_fusion({"x": [("b", 1.0), ("b", 0.5)], "y": [("a", 1.0)]}, k=1)
    assert fused == [("a", 0.5), ("b", 0.5)]
    assert reciprocal_rank_fusion({}) == []


def query(*terms: str) -> QueryAnalysis:
    return QueryAnalysis(question=" ".join(terms), terms=list(terms))


def paper(pid: str, title: str = "", abstract: str = "", **extra) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, **extra)


def test_title_feature_weighs_rare_query_terms_over_common_ones() -> None:
    candidates = [
        Candidate("p1", paper("p1", "Melatonin and sleep", "sleep sleep")),
        Candidate("p2", paper("p2", "Sleep in shift workers", "sleep")),
        Candidate("p3", paper("p3", "Shift work", "sleep quality")),
    ]
    feats = candidate_features(candidates, query("melatonin", "sleep"), this_year=YEAR)
    assert feats[0]["title"] == pytest.approx(1.0)
    assert 0 < feats[1]["title"] < 0.5  # "sleep" is in every candidate: it counts little
    assert feats[2]["title"] == 0.0 and feats[2]["abstract"] > 0


def test_relevance_features_are_scaled_over_the_candidates() -> None:
    candidates = [
        Candidate("a", None, {"bm25": 10.0, "dense": 0.8, "fused": 0.04}),
        Candidate("b", None, {"bm25": 5.0, "dense": 0.4, "fused": 0.02}),
        Candidate("c", None, {"dense": 0.6, "fused": 0.01}),
    ]
    feats = candidate_features(candidates, query("x"), this_year=YEAR)
    assert [f["bm25"] for f in feats] == [1.0, 0.5, 0.0]
    assert [f["dense"] for f in feats] == pytest.approx([1.0, 0.0, 0.5])
    assert [f["fused"] for f in feats] == [1.0, 0.5, 0.25]


def facts(design: str = "other", n: int | None = None, species: str = "unknown") -> StudyFacts:
    span = Span(start=0, end=1, text="x")
    size = SampleSize(n=n, span=span) if n else None
    return StudyFacts(paper_id="p", analyser_version="t", design=design, sample_size=size,
                      species=species)


@pytest.mark.parametrize(
    ("record", "study", "feature", "expected"),
    [
        (paper("p"), None, "design", 0.0),
        (paper("p", publication_types=["Meta-Analysis"]), None, "design", 0.5),
        (paper("p", publication_types=["Journal Article", "Review"]), None, "design", None),
        (paper("p"), facts("rct"), "design", None),
        (paper("p", publication_types=["Review"]), facts("meta_analysis"), "design", 0.5),
        (paper("p"), facts(n=100), "sample", 0.0),
        (paper("p"), facts(n=10_000), "sample", 0.5),
        (paper("p"), None, "sample", 0.0),
        (paper("p", year=YEAR), None, "recency", 0.5),
        (paper("p", year=YEAR - 30), None, "recency", -0.5),
        (paper("p"), None, "recency", 0.0),
        (paper("p", mesh_terms=["Humans", "Adult"]), None, "species", 0.5),
        (paper("p", mesh_terms=["Animals", "Rats"]), None, "species", -0.5),
        (paper("p", mesh_terms=["Humans", "Animals"]), None, "species", 0.0),
        (paper("p", mesh_terms=["Humans"]), facts(species="in_vitro"), "species", -0.5),
    ],
)
def test_prior_features(record, study, feature, expected) -> None:
    value = prior_features(record, study, this_year=YEAR)[feature]
    if expected is None:  # somewhere strictly between the extremes
        assert -0.5 < value < 0.5 and value != 0.0
    else:
        assert value == pytest.approx(expected)


def test_rct_ranks_above_narrative_review_by_design_feature() -> None:
    rct = prior_features(paper("p"), facts("rct"), this_year=YEAR)["design"]
    review = prior_features(paper("p"), facts("narrative_review"), this_year=YEAR)["design"]
    assert rct > review


def test_rerank_orders_by_weighted_features_and_keeps_ties_in_fused_order() -> None:
    candidates = [
        Candidate("review", paper("review", publication_types=["Review"]), {"fused": 1.0}),
        Candidate("meta", paper("meta", publication_types=["Meta-Analysis"]), {"fused": 1.0}),
        Candidate("plain", paper("plain"), {"fused": 1.0}),
    ]
    ranked = rerank(candidates, query("x"), {"design": 1.0}, this_year=YEAR)
    assert [c.paper_id for c, _, _ in ranked] == ["meta", "plain", "review"]
    same = rerank(candidates, query("x"), {"fused": 1.0}, this_year=YEAR)
    assert [c.paper_id for c, _, _ in same] == ["review", "meta", "plain"]


@pytest.mark.parametrize(
    ("term", "title", "matches"),
    [
        ("fractures", "Hip fracture in older women", True),  # same six-letter stem
        ("fractures", "Fractured wrists", True),
        ("vitamin", "Vitamins and minerals", True),
        ("d", "Vitamin D and bone", True),  # short terms match whole words only
        ("d", "Dose finding study", False),
        ("bmi", "BMI-adjusted risk", True),
        ("bmi", "BMIs of adolescents", False),
        ("covid", "post-COVID fatigue", True),
        ("insulin", "Proinsulin levels", False),  # a stem matches at word starts only
    ],
)
def test_query_terms_match_title_words_by_stem(term: str, title: str, matches: bool) -> None:
    feats = candidate_features([Candidate("p", paper("p", title))], query(term), this_year=YEAR)
    assert (feats[0]["title"] == 1.0) is matches
