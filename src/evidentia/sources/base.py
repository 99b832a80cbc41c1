"""What every source client shares: its result, the tiered search loop, cursor paging, JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..models import Paper, Skipped
from .polite import BadBody, check_not_html

MAX_PAGES = 200  # a safety stop should a server keep handing out new cursors


@dataclass
class SourceFetch:
    """One source's answer to one question.

    ``total`` is the hit count the source reported; ``expected`` what we set out to fetch
    (``min(total, max_results, the source's own ceiling)``); ``papers`` what arrived.
    """

    papers: list[Paper] = field(default_factory=list)
    total: int = 0
    expected: int = 0
    query: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    ceiling: int | None = None  # the most this source can page through, when it has one

    @property
    def capped(self) -> bool:
        """True when the source reported more hits than were fetched by design (top N)."""
        return self.total > self.expected


def first_with_hits(queries: list[str], run: Callable[[str], SourceFetch]) -> SourceFetch:
    """Run the queries strictest first; the first with any hit wins (else the last one's)."""
    result = SourceFetch()
    for query in queries:
        result = run(query)
        if result.total > 0:
            return result
    return result


def add_unique(found: list[Paper], seen: set[str], papers: list[Paper], limit: int) -> None:
    """Append papers not seen yet (by id), up to ``limit`` in all."""
    for paper in papers:
        if len(found) >= limit:
            return
        if paper.id not in seen:
            seen.add(paper.id)
            found.append(paper)


@dataclass
class Page:
    """One page of a cursor-paged search."""

    total: int
    papers: list[Paper]
    skipped: list[Skipped]
    next_cursor: str | None


def fetch_by_cursor(text: str, *, limit: int, page_size: int,
                    get_page: Callable[[str, str, int], Page]) -> SourceFetch:
    """Pages from cursor ``*`` on, until ``limit`` records, an empty page, no next cursor, or a
    next cursor equal to the one asked with (how Europe PMC marks its last page)."""
    result = SourceFetch(query=text)
    seen: set[str] = set()
    cursor = "*"
    for _ in range(MAX_PAGES):
        page = get_page(text, cursor, min(page_size, limit - len(result.papers)))
        result.total = page.total
        add_unique(result.papers, seen, page.papers, limit)
        result.skipped.extend(page.skipped)
        if not page.papers or len(result.papers) >= limit or page.next_cursor in (None, cursor):
            break
        cursor = page.next_cursor
    result.expected = min(result.total, limit)
    return result


def decode_json_object(response: httpx.Response, body: bytes) -> dict[str, Any]:
    """A JSON object from a 200 response; an HTML page or an error object is a ``BadBody``."""
    check_not_html(response, body)
    try:
        data = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadBody(f"JSON that does not parse ({exc})") from None
    if not isinstance(data, dict):
        raise BadBody("expected a JSON object")
    error = data.get("error") or data.get("errMsg") or data.get("errorMessage")
    if error:
        raise BadBody(f"error from the server: {str(error)[:160]}")
    return data


def split_items(items: Iterable[Paper | Skipped]) -> tuple[list[Paper], list[Skipped]]:
    papers: list[Paper] = []
    skipped: list[Skipped] = []
    for item in items:
        if isinstance(item, Paper):
            papers.append(item)
        else:
            skipped.append(item)
    return papers, skipped


def count_of(value: Any) -> int:
    """A hit count from JSON (0 when missing or not a number)."""
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def cursor_of(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
