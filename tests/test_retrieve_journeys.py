"""Retrieval as a user meets it: true notices, odd questions, filters that remove studies, and the
web service's one ask path. Each case is a bug a QA pass found (see the story ids)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.errors import QueryError
from evidentia.models import Filters
from evidentia.retrieve.hybrid import EMPTY_LIBRARY_NOTICE, NO_INDEX_NOTICE
from evidentia.retrieve.query import analyse_query
from evidentia.store.library import Library
from evidentia.web.params import AskParams, FilterParams
from evidentia.web.service import Service

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
QUESTION = "Does melatonin reduce jet lag?"


def _settings(path: Path) -> Settings:
    return Settings.load(None, [f"library.path={path}", "sources.offline=true",
                                'index.embedder="hash"'])


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _settings(tmp_path_factory.mktemp("journeys") / "library.sqlite")
    pipeline.add([MINI], settings)
    return settings


def _search_notices(settings: Settings, question: str, filters: Filters | None = None) -> list[str]:
    notices: list[str] = []
    pipeline.search(question, settings, filters=filters, notices=notices)
    return notices


# --------------------------------------------------------------------------- 1. true index notices


def _empty_library(tmp_path: Path, *, indexed: bool) -> Settings:
    settings = _settings(tmp_path / "empty.sqlite")
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    pipeline.add([empty], settings)
    if indexed:
        assert pipeline.index(settings)["total"] == 0
    return settings


@pytest.mark.parametrize("indexed", [True, False], ids=["after index", "never indexed"])
def test_an_empty_library_says_it_is_empty_not_that_the_index_is_missing(
    tmp_path: Path, indexed: bool
) -> None:
    notices = _search_notices(_empty_library(tmp_path, indexed=indexed), "aspirin headache")
    assert notices == [EMPTY_LIBRARY_NOTICE]
    assert "library is empty" in notices[0] and "evidentia index" not in notices[0]


def test_an_index_built_before_the_papers_came_says_so(tmp_path: Path) -> None:
    settings = _empty_library(tmp_path, indexed=True)
    pipeline.add([MINI], settings)
    notices = _search_notices(settings, QUESTION)
    assert len(notices) == 1 and "holds none of the library's papers yet" in notices[0]
    assert "no embedding index" not in notices[0] and "evidentia index" in notices[0]
    pipeline.index(settings)
    assert _search_notices(settings, QUESTION) == []


def test_a_library_with_papers_and_no_index_keeps_the_standard_notice(mini: Settings) -> None:
    assert _search_notices(mini, QUESTION) == [NO_INDEX_NOTICE]


# --------------------------------------------------------------------------- 2. questions


@pytest.mark.parametrize("question", ["", "   ", "\t\n  \r\n"], ids=["nothing", "spaces", "blank lines"])
def test_a_blank_question_is_called_empty(mini: Settings, question: str) -> None:
    with pytest.raises(QueryError, match="the question is empty") as caught:
        pipeline.search(question, mini)
    assert "''" not in str(caught.value)


LETTERS = [  # (story, question, clauses the FTS query must hold, clauses it must not)
    ("FTS syntax with lone letters", '"a" NOT b* NEAR(c)', ['"near"'], ['"a"', '"b"', '"c"']),
    ("a letter between commas", "zinc, b, colds", ['"zinc"', '"colds"'], ['"b"']),
    ("a letter after punctuation", "zinc (c) colds", ['"zinc"'], ['"c"']),
    ("vitamin D", "Does vitamin D reduce fractures?", ['"vitamin"', '"d"', '"fractures"'], []),
    ("T cells", "Do T cells infiltrate tumours?", ['"t"', '"cells"'], []),
    ("a hyphenated letter", "c-Myc and apoptosis", ['"c"', '"myc"'], []),
    ("a slashed letter", "The G34R/V mutation", ['"g34r"', '"v"'], []),
    ("an abbreviated genus", "H. pylori urease", ['"h"', '"pylori"'], []),
    ("a stopword letter", "Is a diet safe?", ['"diet"'], ['"a"']),
]


@pytest.mark.parametrize("story, question, present, absent", LETTERS, ids=[c[0] for c in LETTERS])
def test_single_letters_are_searched_only_next_to_a_word(
    story: str, question: str, present: list[str], absent: list[str]
) -> None:
    clauses = analyse_query(question).fts_query.split(" OR ")
    assert all(clause in clauses for clause in present), clauses
    assert not any(clause in clauses for clause in absent), clauses


def test_user_text_never_acts_as_fts_syntax() -> None:
    fts = analyse_query('"a" NOT b* NEAR(c) col:x ^y {z} AND (w').fts_query
    for clause in fts.split(" OR "):
        assert clause.startswith('"') and clause.endswith('"') and '"' not in clause[1:-1]


SYMBOLS = ["💊 ", "💊💊 ", "⚕️ ", "👩‍⚕️ ", "★ ", "💊"]


@pytest.mark.parametrize("prefix", SYMBOLS)
def test_a_leading_symbol_does_not_change_the_parse(prefix: str) -> None:
    plain = analyse_query("Does aspirin help headache?")
    odd = analyse_query(f"{prefix}Does aspirin help headache?")
    assert odd.question.startswith(prefix)  # kept as asked
    assert odd.model_dump(exclude={"question"}) == plain.model_dump(exclude={"question"})
    assert odd.is_yes_no and odd.intervention == ["aspirin"] and odd.outcome == ["headache"]


def test_retrieval_and_the_report_see_the_same_parse_with_an_emoji(mini: Settings) -> None:
    plain = pipeline.ask(QUESTION, mini, k=4)
    odd = pipeline.ask(f"💊 {QUESTION}", mini, k=4)
    assert odd.query.model_dump(exclude={"question"}) == plain.query.model_dump(exclude={"question"})
    assert [s.paper_id for s in odd.studies] == [s.paper_id for s in plain.studies]
    assert [s.stance.stance for s in odd.studies] == [s.stance.stance for s in plain.studies]
    assert odd.answer.text == plain.answer.text


# --------------------------------------------------------------------------- 3. filters


FILTERED = [  # (story, filters, notice expected, studies left)
    ("years remove all", Filters(year_min=2030),
     "The filters left 0 of 7 studies found (published in 2030 or later); relax or remove them",
     0),
    ("years remove some", Filters(year_min=2003),
     "The filters removed 4 of 7 studies found (published in 2003 or later); 3 passed.", 3),
    ("design removes some", Filters(designs=["rct"]),
     "The filters removed 5 of 7 studies found (design randomised controlled trial); 2 passed.",
     2),
    ("years and design", Filters(year_min=2003, designs=["rct"]),
     ("The filters removed 5 of 7 studies found (published in 2003 or later, design randomised "
      "controlled trial); 2 passed."), 2),
    ("design removes all", Filters(designs=["case_control"]),
     "The filters left 0 of 7 studies found (design case-control study)", 0),
    ("species", Filters(species="animal"),
     "The filters removed 6 of 7 studies found (animal studies); 1 passed.", 1),
    ("sample size", Filters(min_sample_size=100),
     "The filters removed 4 of 7 studies found (at least 100 participants); 3 passed.", 3),
]


@pytest.mark.parametrize("story, filters, notice, left", FILTERED, ids=[c[0] for c in FILTERED])
def test_filters_say_how_many_studies_they_removed(
    mini: Settings, story: str, filters: Filters, notice: str, left: int
) -> None:
    notices: list[str] = []
    hits = pipeline.search(QUESTION, mini, filters=filters, notices=notices)
    assert len(hits) == left
    assert any(text.startswith(notice) for text in notices), notices


def test_a_filter_that_removes_nothing_says_nothing(mini: Settings) -> None:
    assert _search_notices(mini, QUESTION, Filters(year_min=1900)) == [NO_INDEX_NOTICE]


def test_a_report_emptied_by_filters_tells_one_coherent_story(mini: Settings) -> None:
    report = pipeline.ask(QUESTION, mini, filters=Filters(year_min=2030))
    assert "no study in the library passed the filters (published in 2030 or later)" in report.answer.text
    filter_notices = [n for n in report.notices if "filters" in n]
    assert filter_notices == [("The filters left 0 of 7 studies found (published in 2030 or "
                               "later); relax or remove them to see those studies.")]
    assert report.studies == []


def test_when_nothing_matches_at_all_the_filters_are_not_blamed(mini: Settings) -> None:
    report = pipeline.ask("zorbalin quixotism", mini, filters=Filters(year_min=2030))
    assert "filters" not in report.answer.text
    assert not any("filters" in notice for notice in report.notices)
    assert not any("filters" in claim.text for claim in report.conclusion)


# --------------------------------------------------------------------------- 4. web service


@pytest.fixture()
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """The keyword arguments the service passes to ``pipeline.ask`` and ``search_batch``."""
    seen: dict[str, dict[str, Any]] = {}
    real_ask, real_batch = pipeline.ask, pipeline.search_batch

    def ask(*args: Any, **kwargs: Any) -> Any:
        seen["ask"] = kwargs
        return real_ask(*args, **kwargs)

    def search_batch(*args: Any, **kwargs: Any) -> Any:
        seen["search_batch"] = kwargs
        return real_batch(*args, **kwargs)

    monkeypatch.setattr(pipeline, "ask", ask)
    monkeypatch.setattr(pipeline, "search_batch", search_batch)
    return seen


@pytest.mark.parametrize("offline, refresh", [(False, False), (True, False), (True, True)])
def test_every_web_ask_goes_through_one_path_on_the_thread_library(
    mini: Settings, calls: dict[str, dict[str, Any]], offline: bool, refresh: bool
) -> None:
    service = Service(mini)
    result = service._ask_now(AskParams(question=QUESTION, k=3, offline=offline, refresh=refresh))
    passed = calls["ask"]
    assert (passed.get("offline", False), passed.get("refresh", False)) == (offline, refresh)
    assert isinstance(passed["library"], Library) and passed["library"] is service._library()
    assert set(result.papers) == {study.paper_id for study in result.report.studies}
    assert not hasattr(service, "_ask_with_sources_now")


def test_web_batch_search_uses_the_thread_library(
    mini: Settings, calls: dict[str, dict[str, Any]]
) -> None:
    service = Service(mini)
    got = service._search_batch_now([("q1", QUESTION), ("q2", "   ")], 3, FilterParams())
    assert calls["search_batch"]["library"] is service._library()
    assert got == list(pipeline.search_batch([("q1", QUESTION), ("q2", "   ")], mini, k=3))
    assert got[0][1] and got[1] == ("q2", [])

