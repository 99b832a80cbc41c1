"""One error shape for the API, one error page for people, and no 500 on bad input.

Every failure becomes ``{"error": {"type": ..., "message": ...}}`` under ``/api`` and an HTML
page elsewhere, with the status below. ``EvidentiaError`` subclasses map by kind::

    NotFoundError -> 404     QueryError, RecordError -> 422     InputError, ConfigError -> 400
    LibraryError, SourceError -> 503 (the service cannot answer now)
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    ConfigError,
    EvidentiaError,
    InputError,
    LibraryError,
    NotFoundError,
    QueryError,
    RecordError,
    SourceError,
)
from .limits import Overloaded

log = logging.getLogger(__name__)

# Most specific first: RecordError is an InputError.
ERROR_STATUS: tuple[tuple[type[EvidentiaError], int, str], ...] = (
    (NotFoundError, 404, "not_found"),
    (RecordError, 422, "invalid_record"),
    (QueryError, 422, "invalid_query"),
    (InputError, 400, "invalid_input"),
    (ConfigError, 400, "invalid_settings"),
    (LibraryError, 503, "library_unavailable"),
    (SourceError, 503, "source_unavailable"),
)

HTTP_TYPES = {
    400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large",
    414: "uri_too_long", 415: "unsupported_media_type", 422: "invalid_request",
    429: "too_many_requests", 503: "busy",
}


class Problem(Exception):
    """A request the server refuses, with the status, error type and a message for the user."""

    def __init__(
        self, status: int, type_: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.headers = headers or {}


def problem_from_evidentia(exc: EvidentiaError) -> Problem:
    for cls, status, type_ in ERROR_STATUS:
        if isinstance(exc, cls):
            return Problem(status, type_, str(exc))
    return Problem(400, "error", str(exc))


def problem_from_overload(exc: Overloaded) -> Problem:
    return Problem(exc.status, HTTP_TYPES[exc.status], exc.message,
                   {"Retry-After": str(exc.retry_after_s)})


def problem_for(exc: BaseException) -> Problem:
    """Any exception as the Problem a user is shown (unexpected ones are logged, not shown)."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, EvidentiaError):
        return problem_from_evidentia(exc)
    if isinstance(exc, Overloaded):
        return problem_from_overload(exc)
    log.error("internal error", exc_info=exc)
    return Problem(500, "internal", "internal error; the server log has details")


def error_body(problem: Problem) -> dict[str, dict[str, str]]:
    return {"error": {"type": problem.type, "message": problem.message}}


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or request.url.path.startswith("/export")


def install(app: FastAPI, page_renderer: object) -> None:
    """Register the handlers; ``page_renderer(request, problem)`` draws the HTML error page."""

    def respond(request: Request, problem: Problem) -> Response:
        if wants_json(request) or page_renderer is None:
            return JSONResponse(error_body(problem), problem.status, headers=problem.headers)
        return page_renderer(request, problem)  # type: ignore[operator]

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> Response:
        return respond(request, exc)

    @app.exception_handler(EvidentiaError)
    async def _evidentia(request: Request, exc: EvidentiaError) -> Response:
        return respond(request, problem_from_evidentia(exc))

    @app.exception_handler(Overloaded)
    async def _overloaded(request: Request, exc: Overloaded) -> Response:
        return respond(request, problem_from_overload(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return respond(request, Problem(422, "invalid_request", describe_request_errors(exc)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        type_ = HTTP_TYPES.get(exc.status_code, "error")
        return respond(request, Problem(exc.status_code, type_, message, dict(exc.headers or {})))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return respond(request, Problem(500, "internal", "internal error; the server log has details"))


def describe_request_errors(exc: RequestValidationError) -> str:
    problems = []
    for err in list(exc.errors())[:10]:
        where = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "request"
        problems.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(problems) or "invalid request"
