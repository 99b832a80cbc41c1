"""``pipeline.search``, ``search_batch`` and ``ask`` on a library the caller already holds open.

The web service keeps one connection per worker thread and passes it in (``library=``): the
answers must be exactly those of a call that opens the library itself, and the caller's
connection must stay open afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from evidentia import pipeline
from evidentia.config import Settings
from evidentia.errors import LibraryError
from evidentia.models import Filters
from evidentia.store.library import Library
from evidentia.web.params import AskParams, SearchParams
from evidentia.web.service import Service

MINI = Path(__file__).parent / "data" / "mini_corpus.jsonl"
QUESTION = "Does melatonin reduce jet lag?"


def _settings(path: Path) -> Settings:
    return Settings.load(None, [f"library.path={path}", "sources.offline=true", 'index.embedder="hash"'])


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = _settings(tmp_path_factory.mktemp("pipeline-library") / "library.sqlite")
    pipeline.add([MINI], settings)
    return settings


@pytest.fixture()
def held(settings: Settings) -> Iterator[Library]:
    with pipeline.open_library(settings, create=False) as library:
        yield library


@pytest.fixture()
def count_opens(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the library opens the pipeline makes from here on."""
    opens: list[int] = []
    real_open = pipeline.open_library

    def counting_open(*args: object, **kwargs: object) -> Library:
        opens.append(1)
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "open_library", counting_open)
    return opens


def _ids(hits: list) -> list[tuple[str, float]]:
    return [(hit.paper_id, hit.score) for hit in hits]


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("melatonin jet lag", Filters()),
        ("Does melatonin improve sleep?", Filters(year_min=2000)),
        ("sleep", Filters(include_retracted=True)),
    ],
)
def test_search_on_a_held_library_gives_the_same_hits_and_leaves_it_open(
    settings: Settings, held: Library, count_opens: list[int], query: str, filters: Filters
) -> None:
    own_notices: list[str] = []
    held_notices: list[str] = []
    own = pipeline.search(query, settings, k=5, filters=filters, notices=own_notices)
    assert len(count_opens) == 1
    shared = pipeline.search(query, settings, k=5, filters=filters, notices=held_notices, library=held)
    assert len(count_opens) == 1  # no second open
    assert own and _ids(shared) == _ids(own) and held_notices == own_notices
    assert held.count() > 0  # still open


def test_search_batch_on_a_held_library(settings: Settings, held: Library, count_opens: list[int]) -> None:
    queries = [("q1", "melatonin jet lag"), ("q2", "   "), ("q3", "sleep quality")]
    own = list(pipeline.search_batch(queries, settings, k=3))
    shared = list(pipeline.search_batch(queries, settings, k=3, library=held))
    assert len(count_opens) == 1
    assert shared == own and own[1] == ("q2", []) and own[0][1]
    assert held.count() > 0


def test_ask_on_a_held_library_writes_the_same_report(
    settings: Settings, held: Library, count_opens: list[int]
) -> None:
    own = pipeline.ask(QUESTION, settings, k=5)
    shared = pipeline.ask(QUESTION, settings, k=5, library=held)
    assert len(count_opens) == 1
    assert shared.model_dump(exclude={"created"}) == own.model_dump(exclude={"created"})
    assert [study.paper_id for study in shared.studies]
    assert held.count() > 0


def test_service_searches_and_asks_on_its_thread_connection(
    settings: Settings, count_opens: list[int]
) -> None:
    service = Service(settings)
    expected = _ids(pipeline.search("melatonin jet lag", settings, k=4))
    count_opens.clear()
    for _ in range(3):
        assert _ids(service._search_now(SearchParams(query="melatonin jet lag", k=4))) == expected
    service._ask_now(AskParams(question=QUESTION, k=3))
    assert len(count_opens) == 1  # this thread's one connection, opened once and kept


def test_service_ask_without_a_library_file_fails_as_before(tmp_path: Path) -> None:
    service = Service(_settings(tmp_path / "missing.sqlite"))
    with pytest.raises(LibraryError, match="no library"):
        service._ask_now(AskParams(question=QUESTION))
    assert not (tmp_path / "missing.sqlite").exists()


def test_the_service_tunes_the_garbage_collector_once(settings: Settings) -> None:
    Service(settings)
    assert gc.get_threshold() == (10_000, 20, 10)
    gc.set_threshold(700, 10, 10)
    Service(settings)  # once per process: a second app leaves the setting alone
    assert gc.get_threshold() == (700, 10, 10)
    gc.set_threshold(10_000, 20, 10)
