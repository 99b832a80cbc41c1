"""The library's fast read paths give exactly what the plain ones give.

* ``Library.bm25`` ranks with FTS5 alone and joins only the best rows; with ties at the edge or
  many retracted papers it falls back on the full join. Either way: the joined query's answer.
* Phrase counts and the paper count used for query pruning are cached, and recounted after a
  commit by any connection (another process adding papers, an upload in the web app).
* Parsed analyses are shared by identical stored JSON, and follow a re-analysis.
* Rerank term matching scans with a literal-first pattern: the same stems as word-by-word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidentia.models import Paper, StudyFacts
from evidentia.retrieve import rerank
from evidentia.store.library import MMAP_BYTES, Library

WEIGHTS = (3.0, 1.0, 1.5)
WORDS = ["melatonin", "sleep", "insomnia", "trial", "adults", "night"]


def _library(path: Path, papers: list[Paper]) -> Library:
    library = Library.open(path)
    library.write_batch(papers)
    return library


def _paper(number: int, title: str, abstract: str = "", retracted: bool = False) -> Paper:
    return Paper(id=f"pmid:{number}", pmid=str(number), title=title, abstract=abstract,
                 year=2000 + number % 20, retracted=retracted)


@pytest.fixture()
def spy_joined(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = Library._bm25_joined

    def spying(self: Library, *args: object) -> list[tuple[str, float]]:
        calls.append(1)
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Library, "_bm25_joined", spying)
    return calls


# --------------------------------------------------------------------------- bm25


@pytest.mark.parametrize(
    ("case", "papers", "limit", "include_retracted", "falls_back"),
    [
        ("distinct scores: the best rows alone",
         [_paper(i, "melatonin " * (1 + i % 7), "sleep " * (i % 5)) for i in range(60)], 3, False, False),
        ("every score tied: ids decide, via the full join",
         [_paper(i, "melatonin and sleep") for i in range(60)], 1, False, True),
        ("the best papers all retracted: the full join",
         [_paper(i, "melatonin " * (5 if i < 30 else 1), retracted=i < 30) for i in range(60)], 2, False, True),
        ("retracted papers kept when asked",
         [_paper(i, "melatonin " * (5 if i < 30 else 1), retracted=i < 30) for i in range(60)], 2, True, True),
        ("fewer matches than rows read: all of them",
         [_paper(i, "melatonin " * (1 + i % 3)) for i in range(8)], 5, False, False),
    ],
)
def test_bm25_gives_the_joined_answer(
    tmp_path: Path, spy_joined: list[int], case: str, papers: list[Paper], limit: int,
    include_retracted: bool, falls_back: bool,
) -> None:
    with _library(tmp_path / "lib.sqlite", papers) as library:
        expected = library._bm25_joined('"melatonin" OR "sleep"', limit, WEIGHTS, None, None, include_retracted)
        spy_joined.clear()
        found = library.bm25('"melatonin" OR "sleep"', limit=limit, include_retracted=include_retracted)
        assert found == expected and len(found) == limit, case
        assert bool(spy_joined) is falls_back, case


def test_bm25_with_a_year_filter_uses_the_full_join(tmp_path: Path, spy_joined: list[int]) -> None:
    papers = [_paper(i, "melatonin " * (1 + i % 4)) for i in range(30)]
    with _library(tmp_path / "lib.sqlite", papers) as library:
        found = library.bm25('"melatonin"', limit=5, year_min=2010)
        assert spy_joined and found and all(int(pid.split(":")[1]) % 20 >= 10 for pid, _ in found)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), min_size=1, max_size=70),
    retracted=st.sets(st.integers(0, 69), max_size=30),
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=3, unique=True),
    limit=st.integers(1, 40),
    include_retracted=st.booleans(),
)
def test_bm25_equals_the_joined_query_on_any_library(
    tmp_path_factory: pytest.TempPathFactory, texts: list[list[str]], retracted: set[int],
    query: list[str], limit: int, include_retracted: bool,
) -> None:
    papers = [_paper(i, " ".join(words[:2]), " ".join(words), i in retracted) for i, words in enumerate(texts)]
    fts_query = " OR ".join(f'"{word}"' for word in query)
    with _library(tmp_path_factory.mktemp("bm25") / "lib.sqlite", papers) as library:
        expected = library._bm25_joined(fts_query, limit, WEIGHTS, None, None, include_retracted)
        assert library.bm25(fts_query, limit=limit, include_retracted=include_retracted) == expected


def test_connections_read_through_a_memory_map(tmp_path: Path) -> None:
    with Library.open(tmp_path / "lib.sqlite") as library:
        assert library._conn.execute("PRAGMA mmap_size").fetchone()[0] == MMAP_BYTES


# --------------------------------------------------------------------------- cached counts


@pytest.fixture()
def two_connections(tmp_path: Path) -> Iterator[tuple[Library, Library]]:
    path = tmp_path / "lib.sqlite"
    with (_library(path, [_paper(1, "Melatonin trial"), _paper(2, "Sleep trial")]) as writer,
          Library.open(path, create=False) as reader):
        yield reader, writer


def test_counts_follow_commits_of_other_connections(two_connections: tuple[Library, Library]) -> None:
    reader, writer = two_connections
    assert reader.phrase_doc_counts(["melatonin", "trial"]) == {"melatonin": 1, "trial": 2}
    assert reader.indexed_count() == reader.count() == 2
    writer.write_batch([_paper(3, "Melatonin at night")])
    assert reader.phrase_doc_counts(["melatonin", "trial"]) == {"melatonin": 2, "trial": 2}
    assert reader.indexed_count() == 3


def test_counts_stay_cached_while_nothing_changes(
    two_connections: tuple[Library, Library], monkeypatch: pytest.MonkeyPatch
) -> None:
    reader, _ = two_connections
    reader.phrase_doc_counts(["melatonin"])
    kept = reader._phrases
    assert reader.indexed_count() == 2 and reader._phrases is kept
    reader.phrase_doc_counts(["melatonin trial"])
    assert reader._phrases is kept


# --------------------------------------------------------------------------- analyses


def test_parsed_facts_are_shared_by_identical_json_and_follow_reanalysis(tmp_path: Path) -> None:
    paper = _paper(1, "Melatonin trial", "A randomised trial of 120 adults.")
    with _library(tmp_path / "lib.sqlite", [paper]) as library:
        hashes = {paper.id: library.get(paper.id).content_hash()}  # type: ignore[union-attr]
        library.put_facts([StudyFacts(paper_id=paper.id, analyser_version="v1", design="rct")], hashes)
        first = library.get_facts([paper.id], "v1")[paper.id]
        again = library.get_facts([paper.id, paper.id], "v1")[paper.id]
        assert again is first and first.design == "rct"
        library.put_facts([StudyFacts(paper_id=paper.id, analyser_version="v1", design="cohort")], hashes)
        assert library.get_facts([paper.id], "v1")[paper.id].design == "cohort"
        assert library.get_facts([paper.id], "v2") == {}


# --------------------------------------------------------------------------- rerank term matching


def _word_by_word(stems: list[str], text: str) -> set[str]:
    """The specification: a full-length stem matches a word's start, a shorter one a whole word."""
    found = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        if word[: rerank.STEM] in stems and len(word[: rerank.STEM]) == rerank.STEM:
            found.add(word[: rerank.STEM])
        elif word in stems:
            found.add(word)
    return found


@pytest.mark.parametrize(
    ("terms", "text"),
    [
        (["fractures", "d"], "Vitamin D and hip fractures; D-dimer; fractured wrists."),
        (["d", "vitamin"], "vitamind d_d _vitamin vitamin_d 25(OH)D d\nd"),
        (["covid", "19"], "post-COVID-19 fatigue; covid19; SARS-CoV-2 (COVID 19)"),
        (["insulin", "bmi"], "Proinsulin, insulin-like, BMIs, bmi, BMI."),
        (["sjögren", "ß"], "Sjögren's syndrome, SJÖGREN, Straße, ẞ"),
        (["melatonin", "ab"], "abab ab ab- -ab melatonin2 2melatonin"),
    ],
)
def test_term_pattern_finds_what_word_by_word_stemming_finds(terms: list[str], text: str) -> None:
    stems = list(dict.fromkeys(rerank.stem(term) for term in terms))
    pattern = rerank._terms_pattern(stems)
    assert rerank._found(pattern, text) == _word_by_word(stems, text)
