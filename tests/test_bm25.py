"""BM25 retrieval over a real library: ranking sanity, filters, ties and hostile queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_query import HOSTILE  # one table of hostile inputs for both layers

from evidentia.models import Filters, Hit, Paper
from evidentia.retrieve import analyse_query, bm25_search
from evidentia.store import Library

CORPUS = [
    Paper(id="pmid:1", pmid="1", title="Melatonin for insomnia in adults", year=2010,
          abstract="We gave a hormone at night to adults who slept badly and measured sleep latency."),
    Paper(id="pmid:2", pmid="2", title="Sleep outcomes in shift workers", year=2015,
          abstract="Melatonin was one of several agents; insomnia improved in some workers."),
    Paper(id="pmid:3", pmid="3", title="Knee osteoarthritis and walking", year=2020,
          abstract="Walking programmes reduced knee pain in older adults."),
    Paper(id="pmid:4", pmid="4", title="A retracted melatonin insomnia trial", year=2012,
          abstract="Melatonin cured insomnia in every patient.", retracted=True),
    Paper(id="pmid:5", pmid="5", title="Undated report", abstract="Melatonin and insomnia."),
    Paper(id="pmid:6", pmid="6", title="Hormones at night", year=2018, abstract="Sleep study.",
          mesh_terms=["Melatonin", "Sleep Initiation and Maintenance Disorders"]),
    Paper(id="pmid:7", pmid="7", title="Fractures in Sjögren syndrome", year=2001,
          abstract="A fracture cohort with COVID 19 follow-up."),
    # Two papers with the same text: equal scores, so the id decides.
    Paper(id="pmid:9", pmid="9", title="Twin zebrafish study", year=2019, abstract="Same text."),
    Paper(id="pmid:8", pmid="8", title="Twin zebrafish study", year=2019, abstract="Same text!"),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    with Library.open(tmp_path_factory.mktemp("bm25") / "lib.sqlite") as lib:
        lib.write_batch(CORPUS)
        yield lib


def search(library: Library, question: str, k: int = 10, **filters: object) -> list[Hit]:
    return bm25_search(library, analyse_query(question), k=k, candidates=100,
                       weights=(3.0, 1.0, 1.5), filters=Filters(**filters))


def found(library: Library, question: str, **filters: object) -> list[str]:
    return [hit.paper_id for hit in search(library, question, **filters)]


def test_a_title_match_beats_an_abstract_only_match(library: Library) -> None:
    ranked = found(library, "Does melatonin help insomnia?")
    assert ranked.index("pmid:1") < ranked.index("pmid:2")
    assert "pmid:3" not in ranked


def test_mesh_terms_are_searchable(library: Library) -> None:
    assert "pmid:6" in found(library, "sleep maintenance disorders")


def test_stems_diacritics_and_hyphens_match_their_variants(library: Library) -> None:
    assert found(library, "fractures") == ["pmid:7"]  # porter: fractures = fracture
    assert found(library, "Sjogren") == ["pmid:7"]  # diacritics folded
    assert found(library, "COVID-19") == ["pmid:7"]  # "COVID 19" in the text


def test_hits_are_ranked_from_one_with_scores_and_papers(library: Library) -> None:
    hits = search(library, "melatonin insomnia", k=3)
    assert [hit.rank for hit in hits] == [1, 2, 3]
    assert all(hit.scores == {"bm25": hit.score} and hit.score > 0 for hit in hits)
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert all(hit.paper is not None and hit.paper.id == hit.paper_id for hit in hits)


def test_equal_scores_are_ordered_by_paper_id(library: Library) -> None:
    assert found(library, "twin zebrafish") == ["pmid:8", "pmid:9"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"pmid:1", "pmid:2", "pmid:5", "pmid:6"}),
        ({"year_min": 2011}, {"pmid:2", "pmid:6"}),
        ({"year_max": 2011}, {"pmid:1"}),
        ({"year_min": 2010, "year_max": 2015}, {"pmid:1", "pmid:2"}),
        ({"include_retracted": True}, {"pmid:1", "pmid:2", "pmid:4", "pmid:5", "pmid:6"}),
        ({"year_min": 2013, "include_retracted": True}, {"pmid:2", "pmid:6"}),
    ],
)
def test_year_filters_and_retractions_apply_in_sql(
    library: Library, filters: dict[str, object], expected: set[str]
) -> None:
    assert set(found(library, "melatonin", **filters)) == expected


def test_weights_change_the_ranking(library: Library) -> None:
    query = analyse_query("melatonin insomnia")
    title_only = bm25_search(library, query, k=2, weights=(1.0, 0.0, 0.0))
    abstract_only = bm25_search(library, query, k=1, weights=(0.0, 1.0, 0.0))
    assert title_only[0].paper_id == "pmid:1"
    assert abstract_only[0].paper_id in {"pmid:2", "pmid:5"}


def test_k_limits_the_hits_and_empty_queries_find_nothing(library: Library) -> None:
    assert len(search(library, "melatonin", k=2)) == 2
    assert search(library, "melatonin", k=0) == []
    assert search(library, "what is the?") == []


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_queries_never_raise_and_find_only_real_papers(library: Library, question: str) -> None:
    hits = search(library, question[:2000])
    assert [hit.rank for hit in hits] == list(range(1, len(hits) + 1))
    assert all(hit.paper is not None for hit in hits)


def test_hostile_words_are_searched_literally(library: Library) -> None:
    assert found(library, "NOT melatonin") == found(library, "melatonin")
    assert found(library, "title:knee") == ["pmid:3"]  # not a column filter
    assert found(library, "NEAR(walking knee)") == ["pmid:3"]
    assert found(library, "osteo*") == []  # no prefix queries


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=200))
def test_any_text_is_a_safe_search(library: Library, question: str) -> None:
    hits = search(library, question)
    assert {hit.paper_id for hit in hits} <= {paper.id for paper in CORPUS}


def test_scifact_corpus_loads_idempotently_and_claims_find_their_abstracts(
    shared_data: Path, tmp_path: Path
) -> None:
    papers, claims = _scifact(shared_data / "scifact")
    with Library.open(tmp_path / "scifact.sqlite") as lib:
        for start in range(0, len(papers), 1000):
            lib.write_batch(papers[start : start + 1000])
        assert lib.count() == 5183 and lib.check_index()
        again = lib.write_batch(papers[:1000])
        assert (again.unchanged, again.added, again.updated) == (1000, 0, 0)
        recalled = sum(
            bool(set(cited) & set(found(lib, claim))) for claim, cited in claims[:100]
        )
    assert recalled >= 60  # BM25 finds a cited abstract in the top 10 for most claims


def _scifact(folder: Path) -> tuple[list[Paper], list[tuple[str, list[str]]]]:
    import json

    papers = []
    for line in (folder / "corpus.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        doc = str(record["doc_id"])
        papers.append(Paper(id=f"doc:{doc}", ext_id=doc, title=record["title"],
                            abstract=" ".join(record["abstract"]), source="scifact"))
    claims = []
    for line in (folder / "claims_train.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        if record["evidence"]:
            claims.append((record["claim"], [f"doc:{doc}" for doc in record["evidence"]]))
    return papers, claims
