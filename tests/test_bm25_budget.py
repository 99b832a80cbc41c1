"""The posting budget: a large library's BM25 match keeps a question's rarest words only."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidentia.config import Settings
from evidentia.models import Paper
from evidentia.retrieve import analyse_query, bm25
from evidentia.store.library import Library

COUNTS = {"melatonin": 3, "sleep": 5, "insomnia": 2, "adults": 12, "patients": 40}


@pytest.mark.parametrize(
    ("phrases", "budget", "expected"),
    [
        (
            ["melatonin", "sleep", "adults"],
            100,
            {"melatonin", "sleep", "adults"},
        ),  # all fit
        (
            ["melatonin", "sleep", "adults"],
            20,
            {"melatonin", "sleep", "adults"},
        ),  # 3+5+12 = 20
        (
            ["melatonin", "sleep", "adults"],
            19,
            {"melatonin", "sleep"},
        ),  # the commonest goes
        (
            ["melatonin", "sleep", "insomnia", "adults"],
            10,
            {"insomnia", "melatonin", "sleep"},
        ),
        (
            ["adults", "patients", "melatonin"],
            1,
            {"melatonin", "adults"},
        ),  # two rarest stay
        (["patients"], 0, {"patients"}),  # a lone word stays
        ([], 10, set()),
    ],
)
def test_rarest_words_within_the_budget(
    phrases: list[str], budget: float, expected: set[str]
) -> None:
    assert bm25.rarest_within_budget(phrases, COUNTS, budget) == expected


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    """40 papers: 'patients' in all, 'treated' in 30, 'sleep' in 6, 'melatonin' in 3."""
    monkeypatch.setattr(bm25, "MIN_LIBRARY_FOR_PRUNING", 10)
    lib = Library.open(tmp_path / "lib.sqlite")
    lib.write_batch(
        [
            Paper(
                id=f"doc:{i}",
                ext_id=str(i),
                title=f"Patients study {i}",
                abstract=("Patients were treated. " if i < 30 else "Patients. ")
                + ("Melatonin " if i < 3 else "")
                + ("Sleep improved." if i < 6 else ""),
            )
            for i in range(40)
        ]
    )
    return lib


@pytest.mark.parametrize(
    ("question", "term_share", "posting_share", "expected"),
    [
        # budget 0.25 * 40 = 10 postings: melatonin 3 + sleep 6 fit, treated 30 does not
        ("melatonin sleep treated", 1.0, 0.25, '"melatonin" OR "sleep"'),
        # budget 40: all three fit (3 + 6 + 30 = 39)
        ("melatonin sleep treated", 1.0, 1.0, '"melatonin" OR "sleep" OR "treated"'),
        # no budget: today's pruning alone (treated is in 75% > 50% of the library)
        ("melatonin sleep treated", 0.5, 0.0, '"melatonin" OR "sleep"'),
        ("melatonin sleep treated", 1.0, 0.0, None),  # both off: the query as asked
        # a tiny budget still keeps the two rarest words, in the question's order
        ("treated sleep melatonin patients", 1.0, 0.01, '"sleep" OR "melatonin"'),
        ("melatonin", 1.0, 0.01, None),  # a single word is never pruned
    ],
)
def test_budget_prunes_the_match(
    library: Library,
    question: str,
    term_share: float,
    posting_share: float,
    expected: str | None,
) -> None:
    fts_query = analyse_query(question).fts_query
    pruned = bm25.prune_common_terms(library, fts_query, term_share, posting_share)
    assert pruned == (fts_query if expected is None else expected)


def test_search_ranks_with_the_kept_words(library: Library) -> None:
    query = analyse_query("melatonin sleep treated")
    hits = bm25.bm25_search(library, query, k=10, max_posting_share=0.25)
    assert {hit.paper_id for hit in hits} == {f"doc:{i}" for i in range(6)}


def test_small_libraries_keep_every_word(tmp_path: Path) -> None:
    with Library.open(tmp_path / "small.sqlite") as lib:
        lib.write_batch(
            [Paper(id="doc:1", ext_id="1", title="Patients", abstract="Patients.")]
        )
        query = analyse_query("Does melatonin help patients sleep?").fts_query
        assert bm25.prune_common_terms(lib, query, 0.1, 0.01) == query


def test_budget_is_a_setting() -> None:
    assert Settings().retrieve.max_posting_share == 0.2
    assert (
        Settings()
        .with_overrides(["retrieve.max_posting_share=0"])
        .retrieve.max_posting_share
        == 0
    )
