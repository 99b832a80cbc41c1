"""The JSON API, mirroring the library: ask, search, papers, library, jobs, exports.

Every error is ``{"error": {"type": ..., "message": ...}}`` (see ``problems.py``); the schema is
at ``/api/openapi.json``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..models import Hit, Paper, Report, StudyFacts
from ..render import render
from .exports import check_format, papers_download, report_download
from .params import (
    AskParams,
    ExportIds,
    SearchParams,
    checked_ask,
    checked_search,
    filters_from_query,
    report_url,
    validated,
)
from .problems import Problem
from .service import Service
from .uploads import receive_upload

router = APIRouter(prefix="/api", tags=["api"])


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((400, "bad input"), (404, "not found"), (413, "body too large"),
                       (422, "invalid request"), (429, "queue full; see Retry-After"),
                       (503, "busy or library unavailable; see Retry-After"))
}


class HitOut(BaseModel):
    rank: int
    id: str
    score: float
    title: str | None = None
    year: int | None = None
    journal: str | None = None
    authors: list[str] = Field(default_factory=list)
    pmid: str | None = None
    doi: str | None = None
    url: str | None = None


class SearchOut(BaseModel):
    query: str
    hits: list[HitOut]


class PaperOut(BaseModel):
    paper: Paper
    facts: StudyFacts


class JobOut(BaseModel):
    id: str
    kind: str
    title: str
    status: str
    stage: str
    elapsed_s: float
    done_units: int
    result_url: str | None = None
    summary: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    status_url: str
    page_url: str


def service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def hit_out(hit: Hit) -> HitOut:
    paper = hit.paper
    return HitOut(
        rank=hit.rank, id=hit.paper_id, score=round(hit.score, 6),
        title=paper.title if paper else None, year=paper.year if paper else None,
        journal=paper.journal if paper else None, authors=paper.authors if paper else [],
        pmid=paper.pmid if paper else None, doi=paper.doi if paper else None,
        url=paper.url if paper else None,
    )


# --------------------------------------------------------------------------- ask and search


@router.post("/ask", response_model=Report, responses=ERRORS, summary="Answer a question")
async def ask(params: AskParams, request: Request) -> Response:
    """A cited evidence report for the question (``pipeline.ask``)."""
    svc = service(request)
    result = await svc.ask(checked_ask(params, svc.settings.web))
    return Response(result.report.model_dump_json(), media_type="application/json")


@router.get("/ask", response_model=Report, responses=ERRORS, summary="Answer a question (GET)")
async def ask_get(
    request: Request, q: Annotated[str, Query(description="the question")],
    style: Annotated[str, Query(description="pro or explainer")] = "pro",
    k: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Same as ``POST /api/ask`` with the filters as query parameters (``year_min``, ``design`` ...)."""
    svc = service(request)
    filters = filters_from_query(request.query_params, request.query_params.getlist)
    params = validated(AskParams, {"question": q, "filters": filters, "style": style, "k": k})
    result = await svc.ask(checked_ask(params, svc.settings.web))
    return Response(result.report.model_dump_json(), media_type="application/json")


@router.post("/search", response_model=SearchOut, responses=ERRORS, summary="Search the library")
async def search(params: SearchParams, request: Request) -> SearchOut:
    """Ranked papers for the query, best first (``pipeline.search``)."""
    svc = service(request)
    params = checked_search(params, svc.settings.web)
    hits = await svc.search(params)
    return SearchOut(query=params.query, hits=[hit_out(hit) for hit in hits])


@router.get("/search", response_model=SearchOut, responses=ERRORS, summary="Search the library (GET)")
async def search_get(
    request: Request, q: Annotated[str, Query(description="search words")],
    k: Annotated[int | None, Query(ge=1)] = None,
) -> SearchOut:
    """Same as ``POST /api/search`` with the filters as query parameters."""
    svc = service(request)
    filters = filters_from_query(request.query_params, request.query_params.getlist)
    params = checked_search(validated(SearchParams, {"query": q, "filters": filters, "k": k}), svc.settings.web)
    hits = await svc.search(params)
    return SearchOut(query=params.query, hits=[hit_out(hit) for hit in hits])


# --------------------------------------------------------------------------- papers and library


@router.get("/papers/{paper_id:path}", response_model=PaperOut, responses=ERRORS, summary="One paper")
async def paper(paper_id: str, request: Request) -> PaperOut:
    """The paper and its extracted facts; the id may be ``pmid:…``, ``doi:…``, a PMID or a DOI."""
    result = await service(request).paper(paper_id)
    return PaperOut(paper=result.paper, facts=result.facts)


@router.get("/library", responses=ERRORS, summary="Library statistics")
async def library(request: Request) -> dict[str, Any]:
    """Counts, years covered, file size and analyser version (``pipeline.info``)."""
    return await service(request).library_info()


@router.post("/library", status_code=202, response_model=JobOut, responses=ERRORS,
             summary="Add records (upload)")
async def library_add(request: Request) -> JSONResponse:
    """Upload a records file (multipart field ``file``, or the raw body with ``?filename=``).

    Returns a job; poll ``status_url`` until ``status`` is ``done`` or ``failed``.
    """
    job = await receive_upload(request, service(request))
    return JSONResponse(job.public(), status_code=202, headers={"Location": job.public()["status_url"]})


# --------------------------------------------------------------------------- jobs


@router.post("/jobs", status_code=202, response_model=JobOut, responses=ERRORS,
             summary="Start an ask in the background")
async def start_job(params: AskParams, request: Request) -> JSONResponse:
    """Start computing a report; poll ``status_url``; when done, ``result_url`` shows it."""
    svc = service(request)
    params = checked_ask(params, svc.settings.web)
    job = svc.start_ask_job(params, report_url(params))
    return JSONResponse(job.public(), status_code=202, headers={"Location": job.public()["status_url"]})


@router.get("/jobs/{job_id}", response_model=JobOut, responses=ERRORS, summary="A job's status")
async def job_status(job_id: str, request: Request) -> dict[str, Any]:
    job = service(request).jobs.get(job_id[:64])
    if job is None:
        raise Problem(404, "not_found", "no such job; it may have finished more than an hour ago")
    return job.public()


@router.get("/health", summary="Liveness and load")
async def health(request: Request) -> dict[str, Any]:
    return {"status": "ok", "limits": service(request).status()}


# --------------------------------------------------------------------------- exports


@router.post("/export/report", responses=ERRORS, summary="Export a report")
async def export_report(params: AskParams, request: Request,
                        format: Annotated[str, Query(description="md, html, json, bibtex, ris, csl-json or csv")] = "md") -> Response:
    """The report for the question as a download in the chosen format."""
    svc = service(request)
    fmt = check_format(format)
    result = await svc.ask(checked_ask(params, svc.settings.web))
    return report_download(render(result.report, fmt), fmt, result.report.question).response()


@router.post("/export/papers", responses=ERRORS, summary="Export selected papers")
async def export_papers(body: ExportIds, request: Request) -> Response:
    """Selected papers as BibTeX, RIS, CSL-JSON, CSV of facts, JSON, Markdown or HTML."""
    svc = service(request)
    fmt = check_format(body.format)
    if len(body.ids) > svc.settings.web.max_export_ids:
        raise Problem(422, "invalid_request", f"at most {svc.settings.web.max_export_ids} papers per export")
    return papers_download(await svc.papers(body.ids), fmt).response()
