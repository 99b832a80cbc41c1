"""``gather``: live records land in a real library with their fetch time; the cache answers the
same question within its TTL; ``refresh`` refetches; offline makes no request.

Responses are real recorded bodies from shared/data/formats replayed through ``MockTransport``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from evidentia.config import Settings
from evidentia.models import QueryAnalysis
from evidentia.sources import GatherResult, cache_key, gather
from evidentia.store.library import Library

pytestmark = pytest.mark.shared_data

NOW = 1_750_000_000.0
TTL = 7 * 24 * 3600
QUERY = QueryAnalysis(question="Do language models help chemistry?",
                      terms=["language models", "chemistry"], intervention=["language models"],
                      outcome=["chemistry"])


class Replay:
    """PubMed: the real esearch2 + pubmed1 (two records) bodies; Europe PMC: its real zero-hit body; OpenAlex:
    a real two-work list. ``down`` names hosts that answer 503."""

    def __init__(self, formats: Path, down: tuple[str, ...] = ()) -> None:
        self.bodies = {
            "esearch.fcgi": (formats / "esearch_xml" / "biopython_esearch2.xml").read_bytes(),
            "efetch.fcgi": (formats / "pubmed_xml" / "biopython_efetch" / "pubmed1.xml").read_bytes(),
            "search": (formats / "europepmc_json" / "pyeuropepmc_search_no_results.json").read_bytes(),
            "works": (formats / "openalex_json" /
                      "works_filter_title.search_Augmenting_large_language_models_with_chemistry.json"
                      ).read_bytes(),
        }
        self.down = down
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if request.url.host in self.down:
            return httpx.Response(503)
        return httpx.Response(200, content=self.bodies[request.url.path.rsplit("/", 1)[-1]])


def no_wait(seconds: float) -> None:
    """Rate-limit and backoff waits cost nothing here (their timing is tested elsewhere)."""


def no_network(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected request to {request.url}")


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    with Library.open(tmp_path / "library.sqlite") as opened:
        yield opened


def settings(**sources: object) -> Settings:
    return Settings.from_dict({"sources": {
        "pubmed": {"base_url": "https://eutils.test"}, "europepmc": {"base_url": "https://epmc.test"},
        "openalex": {"base_url": "https://openalex.test"}, "backoff_base_s": 0, **sources}})


def live(question: str | QueryAnalysis, library: Library, handler: object, config: Settings | None = None,
         **options: object) -> GatherResult:
    """``gather`` through a replay handler, at ``NOW`` unless told, with waits skipped."""
    options.setdefault("now", NOW)
    return gather(question, library, config or settings(), transport=httpx.MockTransport(handler),
                  sleep=no_wait, **options)  # type: ignore[arg-type]


def test_fetched_records_land_in_the_library_with_their_fetch_time(formats: Path,
                                                                   library: Library) -> None:
    replay = Replay(formats)
    result = live(QUERY, library, replay)

    assert not result.from_cache and not result.offline
    assert result.paper_ids == ["pmid:12091962", "pmid:9997", "pmid:38799228",
                                "doi:10.48550/arxiv.2304.05376"]
    assert result.notices == [
        "PubMed: 2 of 42,249 results (retrieved 2 of 100 reported)",
        "Europe PMC: no results",
        "OpenAlex: 2 results",
    ]
    stored = library.get_many(result.paper_ids)
    assert {p.fetched_at for p in stored.values()} == {"2025-06-15T15:06:40+00:00"}
    assert [p.source for p in stored.values()] == ["pubmed", "pubmed", "openalex", "openalex"]
    assert library.recent_fetch(cache_key(QUERY, settings().sources), TTL, NOW) == result.paper_ids


def test_the_same_question_within_the_ttl_is_answered_from_the_cache(formats: Path,
                                                                     library: Library) -> None:
    first = live(QUERY, library, Replay(formats))
    again = live(QUERY, library, no_network, now=NOW + TTL - 1)
    assert again.from_cache and again.paper_ids == first.paper_ids and again.statuses == []
    assert again.notices[0].startswith("live sources: 4 records from an earlier fetch")


def test_after_the_ttl_or_with_refresh_the_sources_are_asked_again(formats: Path,
                                                                   library: Library) -> None:
    live(QUERY, library, Replay(formats))
    for now, refresh in ((NOW + TTL + 1, False), (NOW + 10, True)):
        replay = Replay(formats)
        result = live(QUERY, library, replay, now=now, refresh=refresh)
        # esearch, efetch, one OpenAlex page, and Europe PMC's three query tiers (all zero hits)
        assert not result.from_cache and replay.requests == 6


def test_a_failed_source_is_reported_and_the_fetch_not_cached(formats: Path, library: Library) -> None:
    result = live(QUERY, library, Replay(formats, down=("epmc.test",)))
    assert "Europe PMC failed: HTTP 503 after 5 attempts" in result.notices
    assert len(result.paper_ids) == 4  # the other sources still answered
    assert library.recent_fetch(cache_key(QUERY, settings().sources), TTL, NOW) is None


@pytest.mark.parametrize("how", ["argument", "setting"])
def test_offline_makes_no_request(library: Library, how: str) -> None:
    config = settings(offline=True) if how == "setting" else settings()
    result = live(QUERY, library, no_network, config, offline=how == "argument")
    assert result.offline and result.notices == ["offline: answered from the local library"]


def test_no_network_is_said_in_one_line(library: Library) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -3] Temporary failure in name resolution", request=request)

    result = live(QUERY, library, unreachable)
    assert result.offline and result.paper_ids == []
    assert result.notices == [
        "offline: no live source could be reached (cannot connect to eutils.test ([Errno -3] "
        "Temporary failure in name resolution)); answered from the local library"]


def test_a_bare_question_is_searched_by_its_words(formats: Path, library: Library) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.params.get("search", ""))
        return Replay(formats)(request)

    config = settings(pubmed={"enabled": False}, europepmc={"enabled": False})
    result = live("Do language models help chemistry?", library, handler, config)
    assert seen == ['"language" AND "models" AND "help" AND "chemistry"'] and len(result.paper_ids) == 2


@pytest.mark.parametrize(("other", "same"), [
    (QUERY.model_copy(update={"question": "do LANGUAGE models help chemistry"}), True),
    (QUERY.model_copy(update={"outcome": ["physics"]}), False),
])
def test_cache_key_follows_the_queries_sent(other: QueryAnalysis, same: bool) -> None:
    assert (cache_key(other, settings().sources) == cache_key(QUERY, settings().sources)) is same


def test_cache_key_follows_the_enabled_sources_and_their_sizes() -> None:
    base = cache_key(QUERY, settings().sources)
    assert cache_key(QUERY, settings(openalex={"enabled": False}).sources) != base
    assert cache_key(QUERY, settings(pubmed={"max_results": 20}).sources) != base
