"""What a request may ask for: the question, filters, style, k and live-source options, and the
queries of a batch search, validated once for pages and API.

Pages read flat query parameters (``?q=...&year_min=2000&design=rct&human=1&offline=1``); the JSON
API reads the same fields as a body (``{"question": ..., "filters": {...}}``). Both end up as
``AskParams``, so a limit is enforced in one place. A batch search comes as a JSON body
(``BatchSearchParams``) or a JSONL file (``batch_from_jsonl``); both end up as (id, query) pairs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import urlencode

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..config import WebSettings
from ..models import DESIGNS, Filters
from .problems import Problem

EXPORT_FORMATS: tuple[str, ...] = ("md", "html", "json", "bibtex", "ris", "csl-json", "csv")
MAX_BATCH_QUERIES = 100  # one batch runs inside one request: keep it to seconds
MAX_BATCH_ID_CHARS = 200


class FilterParams(BaseModel):
    """Filters a user can set; the web form's fields and the API's ``filters`` object."""

    model_config = ConfigDict(extra="forbid")

    year_min: int | None = Field(None, ge=1000, le=2100, description="earliest publication year")
    year_max: int | None = Field(None, ge=1000, le=2100, description="latest publication year")
    designs: list[str] = Field(
        default_factory=list, max_length=len(DESIGNS), description=f"keep only these designs: {', '.join(DESIGNS)}"
    )
    min_n: int | None = Field(None, ge=1, le=100_000_000, description="minimum sample size")
    species: Literal["human", "animal"] | None = Field(None, description="human or animal studies only")
    include_retracted: bool = Field(False, description="keep retracted papers (flagged)")

    @field_validator("designs")
    @classmethod
    def _known_designs(cls, designs: list[str]) -> list[str]:
        unknown = [design for design in designs if design not in DESIGNS]
        if unknown:
            raise ValueError(f"unknown design {unknown[0][:40]!r}; use one of {', '.join(DESIGNS)}")
        return list(dict.fromkeys(designs))

    @model_validator(mode="after")
    def _years_in_order(self) -> FilterParams:
        if self.year_min and self.year_max and self.year_min > self.year_max:
            raise ValueError("year_min is after year_max")
        return self

    def to_filters(self) -> Filters:
        return Filters(
            year_min=self.year_min, year_max=self.year_max, designs=self.designs,
            min_sample_size=self.min_n, species=self.species,
            include_retracted=self.include_retracted,
        )


class AskParams(BaseModel):
    """A question with its filters: the body of ``POST /api/ask`` and ``POST /api/jobs``."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, description="the research question")
    filters: FilterParams = Field(default_factory=FilterParams)
    style: Literal["pro", "explainer"] = Field("pro", description="report style")
    k: int | None = Field(None, ge=1, description="studies to read (default: retrieve.k)")
    offline: bool = Field(False, description="answer from the library only; no live source (ask --offline)")
    refresh: bool = Field(
        False, description="refetch live sources even if the question is cached (ask --refresh)"
    )

    def cache_key(self) -> str:
        # ``refresh`` changes how a report is made, not which report it is: a refreshed report
        # is remembered for the plain address that follows (a job's result page, a permalink).
        return self.model_dump_json(exclude={"refresh"})

    def uses_source_options(self) -> bool:
        return self.offline or self.refresh


class SearchParams(BaseModel):
    """A search query with its filters: the body of ``POST /api/search``."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, description="search words")
    filters: FilterParams = Field(default_factory=FilterParams)
    k: int | None = Field(None, ge=1, description="hits to return (default: retrieve.k)")


class BatchQuery(BaseModel):
    """One query of a batch search: the CLI's ``{"id", "query"}`` line."""

    model_config = ConfigDict(extra="forbid")

    id: str | int | None = Field(None, description="your id, echoed back (default: the position, from 1)")
    query: str = Field(description="search words; an empty query finds nothing")


class BatchSearchParams(BaseModel):
    """The body of ``POST /api/search/batch``: queries with shared filters and k, or just the list."""

    model_config = ConfigDict(extra="forbid")

    queries: list[BatchQuery] = Field(
        min_length=1, max_length=MAX_BATCH_QUERIES, description=f"at most {MAX_BATCH_QUERIES} queries"
    )
    filters: FilterParams = Field(default_factory=FilterParams)
    k: int | None = Field(None, ge=1, description="hits per query (default: retrieve.k)")

    @model_validator(mode="before")
    @classmethod
    def _bare_list(cls, data: Any) -> Any:
        """A bare list of queries is the same as ``{"queries": [...]}``."""
        return {"queries": data} if isinstance(data, list) else data


class ExportIds(BaseModel):
    """Selected papers to export."""

    model_config = ConfigDict(extra="forbid")

    ids: list[str] = Field(min_length=1, description="paper ids, PMIDs or DOIs")
    format: str = Field("bibtex", description=f"one of {', '.join(EXPORT_FORMATS)}")


# --------------------------------------------------------------------------- limits


def check_text(text: str, limits: WebSettings, what: str = "question") -> str:
    """The stripped text; 422 when it is empty or longer than ``max_query_chars``."""
    text = text.strip()
    if not text:
        raise Problem(422, "invalid_request", f"the {what} is empty; type a few words")
    if len(text) > limits.max_query_chars:
        raise Problem(
            422, "invalid_request",
            f"the {what} is {len(text)} characters long; the limit is {limits.max_query_chars}",
        )
    return text


def check_k(k: int | None, limits: WebSettings) -> int | None:
    if k is not None and k > limits.max_k:
        raise Problem(422, "invalid_request", f"k={k} is more than this server allows ({limits.max_k})")
    return k


def checked_ask(params: AskParams, limits: WebSettings) -> AskParams:
    question = check_text(params.question, limits)
    check_k(params.k, limits)
    return params.model_copy(update={"question": question})


def checked_search(params: SearchParams, limits: WebSettings) -> SearchParams:
    query = check_text(params.query, limits, "query")
    check_k(params.k, limits)
    return params.model_copy(update={"query": query})


# --------------------------------------------------------------------------- form fields


def _blank_to_none(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def filters_from_query(query: Mapping[str, Any], getlist: Any) -> FilterParams:
    """Filters from flat form fields; blank fields are unset. 422 on bad values."""
    species = _blank_to_none(query.get("species"))
    if _truthy(query.get("human")):
        species = "human"
    data = {
        "year_min": _blank_to_none(query.get("year_min")),
        "year_max": _blank_to_none(query.get("year_max")),
        "designs": [design for design in getlist("design") if design],
        "min_n": _blank_to_none(query.get("min_n")),
        "species": species,
        "include_retracted": _truthy(query.get("include_retracted")),
    }
    return validated(FilterParams, data)


def ask_from_query(query: Mapping[str, Any], getlist: Any, limits: WebSettings) -> AskParams:
    data = {
        "question": query.get("q") or "",
        "filters": filters_from_query(query, getlist),
        "style": _blank_to_none(query.get("style")) or "pro",
        "k": _blank_to_none(query.get("k")),
        "offline": _truthy(query.get("offline")),
        "refresh": _truthy(query.get("refresh")),
    }
    return checked_ask(validated(AskParams, data), limits)


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "on", "yes")


def validated(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Problem(422, "invalid_request", describe_validation(exc)) from None


def describe_validation(exc: ValidationError) -> str:
    """One readable line per problem, without echoing long inputs back."""
    problems = []
    for err in exc.errors()[:10]:
        where = ".".join(str(part) for part in err["loc"] if part != "body") or "request"
        problems.append(f"{where}: {err['msg']}")
    return "; ".join(problems)


def query_string(params: AskParams) -> list[tuple[str, str]]:
    """The flat form fields that reproduce ``params`` (for report, export and job URLs)."""
    pairs: list[tuple[str, str]] = [("q", params.question)]
    filters = params.filters
    for name in ("year_min", "year_max", "min_n", "species"):
        value = getattr(filters, name)
        if value is not None:
            pairs.append((name, str(value)))
    pairs.extend(("design", design) for design in filters.designs)
    if filters.include_retracted:
        pairs.append(("include_retracted", "1"))
    if params.style != "pro":
        pairs.append(("style", params.style))
    if params.k is not None:
        pairs.append(("k", str(params.k)))
    if params.offline:
        pairs.append(("offline", "1"))
    return pairs  # never ``refresh``: a link or a job's result page must not refetch again


def report_url(params: AskParams) -> str:
    """The plain GET address of the report for ``params``: bookmarkable, works without JS."""
    return "/report?" + urlencode(query_string(params))


def check_report_url(params: AskParams) -> str:
    """The faithfulness check of the report for ``params`` (``ask --check``)."""
    return "/report/check?" + urlencode(query_string(params))


# --------------------------------------------------------------------------- batch search


def checked_batch(params: BatchSearchParams, limits: WebSettings) -> list[tuple[str, str]]:
    """(id, query) pairs of a JSON batch; 422 naming the query that breaks a limit."""
    check_k(params.k, limits)
    pairs = []
    for position, item in enumerate(params.queries, 1):
        query_id = str(position) if item.id is None else str(item.id)
        pairs.append(_checked_pair(f"queries[{position - 1}]", query_id, item.query, limits))
    return pairs


def batch_from_jsonl(data: bytes, limits: WebSettings) -> list[tuple[str, str]]:
    """(id, query) pairs from a JSONL file of ``{"id", "query"}`` lines, like ``search --batch``.

    Blank lines are skipped; an id defaults to the line number. Any bad line is a 422 naming it.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem(422, "invalid_request",
                      f"the file is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8") from None
    pairs: list[tuple[str, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(pairs) == MAX_BATCH_QUERIES:
            raise Problem(422, "invalid_request",
                          f"the file has more than {MAX_BATCH_QUERIES} queries; split it, or use "
                          "`evidentia search --batch` for large batches")
        pairs.append(_batch_line(number, line, limits))
    if not pairs:
        raise Problem(422, "invalid_request", 'the file has no queries; write one {"id": ..., "query": "..."} per line')
    return pairs


def _batch_line(number: int, line: str, limits: WebSettings) -> tuple[str, str]:
    where = f"line {number}"
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise Problem(422, "invalid_request", f"{where}: not JSON ({getattr(exc, 'msg', 'invalid')})") from None
    if not isinstance(record, dict) or not isinstance(record.get("query"), str):
        raise Problem(422, "invalid_request", f'{where}: expected {{"id": ..., "query": "..."}}')
    return _checked_pair(where, str(record.get("id", number)), record["query"], limits)


def _checked_pair(where: str, query_id: str, query: str, limits: WebSettings) -> tuple[str, str]:
    if len(query_id) > MAX_BATCH_ID_CHARS:
        raise Problem(422, "invalid_request", f"{where}: the id is longer than {MAX_BATCH_ID_CHARS} characters")
    if len(query) > limits.max_query_chars:
        raise Problem(422, "invalid_request",
                      f"{where}: the query is {len(query)} characters long; the limit is {limits.max_query_chars}")
    return query_id, query
