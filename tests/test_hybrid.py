"""Hybrid search: BM25 alone without an index, fused and reranked with one (hash embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidentia.config import Settings
from evidentia.errors import ConfigError
from evidentia.index.dense import DenseIndex
from evidentia.index.embedders import HashEmbedder
from evidentia.models import Filters, Paper
from evidentia.retrieve.hybrid import NO_INDEX_NOTICE, search
from evidentia.retrieve.query import analyse_query
from evidentia.store.library import Library

PAPERS = [
    ("1", "Aspirin and colorectal cancer", "Daily aspirin lowered adenoma recurrence.", 2001),
    ("2", "Exercise lowers blood pressure", "Aerobic training reduced systolic pressure.", 2015),
    ("3", "Melatonin for jet lag", "Melatonin shortened jet lag after eastward flights.", 2010),
    ("4", "Statins and muscle symptoms", "Statin users reported muscle pain.", 2019),
    ("5", "Walking and hypertension", "Brisk walking lowered blood pressure in adults.", 2022),
    ("6", "Zinc and colds", "Zinc lozenges shortened colds.", 1999),
]
EMBEDDER = HashEmbedder()


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "library.sqlite")
    lib.write_batch([
        Paper(id=f"pmid:{pmid}", pmid=pmid, title=title, abstract=abstract, year=year)
        for pmid, title, abstract, year in PAPERS
    ])
    yield lib
    lib.close()


@pytest.fixture
def indexed(library: Library) -> Library:
    DenseIndex.open(library.path, EMBEDDER).sync(library)
    return library


def run(library: Library, question: str, overrides: tuple[str, ...] = (), **filters):
    settings = Settings().with_overrides(list(overrides))
    return search(library, analyse_query(question), settings, Filters(**filters),
                  embedder=EMBEDDER, k=3)


def test_without_an_index_auto_mode_is_bm25_with_a_notice(library: Library) -> None:
    hits, notices = run(library, "Does exercise lower blood pressure?")
    assert notices == [NO_INDEX_NOTICE]
    assert hits[0].paper_id == "pmid:2"
    assert all("dense" not in hit.scores for hit in hits)


def test_with_an_index_auto_mode_fuses_and_reranks(indexed: Library) -> None:
    hits, notices = run(indexed, "Does exercise lower blood pressure?")
    assert notices == []
    assert {hit.paper_id for hit in hits[:2]} == {"pmid:2", "pmid:5"}
    assert {"bm25", "dense", "fused", "rerank"} <= set(hits[0].scores)
    assert [hit.rank for hit in hits] == [1, 2, 3]
    assert all(hit.paper is not None and hit.paper.id == hit.paper_id for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)


@pytest.mark.parametrize(
    ("mode", "rerank", "expected_scores"),
    [
        ("bm25", "false", {"bm25", "fused"}),
        ("dense", "false", {"dense", "fused"}),
        ("hybrid", "false", {"fused"}),
        ("hybrid", "true", {"fused", "rerank"}),
    ],
)
def test_each_stage_can_run_alone(indexed: Library, mode, rerank, expected_scores) -> None:
    stages = (f"index.mode={mode}", f"index.rerank={rerank}")
    hits, notices = run(indexed, "melatonin jet lag", stages)
    assert notices == []
    assert hits[0].paper_id == "pmid:3"
    assert expected_scores <= set(hits[0].scores)
    if mode == "bm25":
        assert all("dense" not in hit.scores for hit in hits)


def test_dense_mode_without_index_falls_back_to_bm25_with_notice(library: Library) -> None:
    hits, notices = run(library, "melatonin jet lag", ("index.mode=dense",))
    assert notices == [NO_INDEX_NOTICE] and hits[0].paper_id == "pmid:3"


def test_year_filter_applies_to_dense_candidates_too(indexed: Library) -> None:
    for mode in ("dense", "hybrid"):
        hits, _ = run(indexed, "blood pressure walking exercise", (f"index.mode={mode}",),
                      year_min=2016)
        assert hits and all(hit.paper.year >= 2016 for hit in hits)


def test_retracted_papers_are_left_out_unless_asked_for(indexed: Library) -> None:
    retracted = indexed.get("pmid:3").model_copy(update={"retracted": True})
    indexed.write_batch([retracted])
    DenseIndex.open(indexed.path, EMBEDDER).sync(indexed)
    hits, _ = run(indexed, "melatonin jet lag", ("index.mode=dense",))
    assert "pmid:3" not in {hit.paper_id for hit in hits}
    hits, _ = run(indexed, "melatonin jet lag", ("index.mode=dense",), include_retracted=True)
    assert hits[0].paper_id == "pmid:3"


def test_k_defaults_to_the_retrieve_setting(indexed: Library) -> None:
    settings = Settings().with_overrides(["retrieve.k=2"])
    hits, _ = search(indexed, analyse_query("blood pressure"), settings, Filters(),
                     embedder=EMBEDDER)
    assert len(hits) == 2


def test_notice_names_the_embedders_that_have_an_index(indexed: Library) -> None:
    settings = Settings()
    other = HashEmbedder(dim=64)
    _, notices = search(indexed, analyse_query("blood pressure"), settings, Filters(),
                        embedder=other, k=3)
    assert "hash-v1-d256" in notices[0] and "BM25 only" in notices[0]


def test_missing_embedder_artifact_falls_back_to_bm25_in_auto_mode(
    indexed: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import evidentia.index.embedders as embedders

    monkeypatch.setattr(embedders, "_installed", lambda name: name == "hash")
    embedders.get_embedder.cache_clear()
    settings = Settings().with_overrides(["index.embedder=minilm-static"])
    hits, notices = search(indexed, analyse_query("melatonin jet lag"), settings, Filters(), k=3)
    assert hits[0].paper_id == "pmid:3"
    assert "not installed" in notices[0] and notices[0].endswith("BM25 only")
    with pytest.raises(ConfigError):
        search(indexed, analyse_query("jet lag"),
               settings.with_overrides(["index.mode=hybrid"]), Filters(), k=3)
    embedders.get_embedder.cache_clear()
