"""Words found in most of a large library are left out of the BM25 match, for speed."""

from __future__ import annotations

from pathlib import Path

import pytest

import evidentia.retrieve.bm25 as bm25
from evidentia.models import Paper
from evidentia.retrieve import analyse_query
from evidentia.store.library import Library


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Library:
    monkeypatch.setattr(bm25, "MIN_LIBRARY_FOR_PRUNING", 10)
    lib = Library.open(tmp_path / "lib.sqlite")
    papers = [Paper(id=f"doc:{i}", ext_id=str(i), title=f"Patients study {i}",
                    abstract="Patients were treated." + (" Melatonin helped sleep." if i < 3 else ""))
              for i in range(40)]
    lib.write_batch(papers)
    return lib


@pytest.mark.parametrize(
    ("question", "share", "expected"),
    [
        ("Does melatonin help patients sleep?", 0.1, '"melatonin" OR "help" OR "sleep"'),
        ("Does melatonin help patients sleep?", 1.0, None),  # 1 keeps every word
        ("patients", 0.1, None),  # a single word is never pruned
        ("patients treated", 0.1, '"patients"'),  # all common: the rarest one stays
    ],
)
def test_common_words_leave_the_match(library: Library, question: str, share: float,
                                      expected: str | None) -> None:
    fts_query = analyse_query(question).fts_query
    pruned = bm25.prune_common_terms(library, fts_query, share)
    assert pruned == (fts_query if expected is None else expected)


def test_counts_follow_writes(library: Library) -> None:
    assert library.phrase_doc_counts(["melatonin"]) == {"melatonin": 3}
    library.write_batch([Paper(id="doc:new", ext_id="new", title="Melatonin", abstract="Melatonin.")])
    assert library.phrase_doc_counts(["melatonin", "melatonin helped"]) == {
        "melatonin": 4, "melatonin helped": 3}


def test_small_libraries_keep_every_word(tmp_path: Path) -> None:
    with Library.open(tmp_path / "small.sqlite") as lib:
        lib.write_batch([Paper(id="doc:1", ext_id="1", title="Patients", abstract="Patients.")])
        query = analyse_query("Does melatonin help patients?").fts_query
        assert bm25.prune_common_terms(lib, query, 0.1) == query
