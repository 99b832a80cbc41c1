"""The JSON API, mirroring the library and the CLI: ask (and its faithfulness check), search (one
query or a batch), papers, library (upload, embedding index, settings), jobs, exports.

Every error is ``{"error": {"type": ..., "message": ...}}`` (see ``problems.py``); the schema is
at ``/api/openapi.json``.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ..models import Hit, Paper, Report, StudyFacts
from ..render import render
from .exports import check_format, papers_download, report_download
from .params import (
    AskParams,
    BatchSearchParams,
    ExportIds,
    SearchParams,
    checked_ask,
    checked_batch,
    checked_search,
    filters_from_query,
    report_url,
    validated,
)
from .problems import Problem
from .service import ReportResult, Service
from .uploads import receive_upload
from .views import settings_rows

router = APIRouter(prefix="/api", tags=["api"])


class ErrorBody(BaseModel):
    type: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in ((400, "bad input"), (404, "not found"), (409, "already running"), (413, "body too large"),
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
    total_units: int | None = None
    result_url: str | None = None
    summary: dict[str, Any] | None = None
    error: dict[str, str] | None = None
    status_url: str
    page_url: str


class EvidenceOut(BaseModel):
    paper_id: str
    field: str
    start: int
    end: int
    text: str


class VerdictOut(BaseModel):
    part: str = Field(description="answer, a section heading, or conclusion")
    kind: str
    text: str
    citations: list[str]
    verdict: str = Field(description="pass or fail")
    problems: list[str]
    checked: dict[str, list[str]] = Field(description="numbers, doses, scales and conditions compared")
    evidence: list[EvidenceOut] = Field(description="the spans of the cited papers the sentence rests on")


class CheckOut(BaseModel):
    question: str
    passed: int
    total: int
    verdicts: list[VerdictOut]


class BatchHitsOut(BaseModel):
    id: str
    hits: list[str] = Field(description="paper ids, best first")


class BatchSearchOut(BaseModel):
    results: list[BatchHitsOut]


class SettingOut(BaseModel):
    name: str
    value: str
    default: str
    description: str
    changed: bool


class IndexStatusOut(BaseModel):
    embedder: str
    built: list[str] = Field(description="embedding indexes beside the library (embedder keys)")
    job: JobOut | None = Field(None, description="the index build now running, if any")


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
    result = await svc.ask_with_sources(checked_ask(params, svc.settings.web))
    return Response(result.report.model_dump_json(), media_type="application/json")


@router.get("/ask", response_model=Report, responses=ERRORS, summary="Answer a question (GET)")
async def ask_get(
    request: Request, q: Annotated[str, Query(description="the question")],
    style: Annotated[str, Query(description="pro or explainer")] = "pro",
    k: Annotated[int | None, Query(ge=1)] = None,
    offline: Annotated[bool, Query(description="library only; no live source")] = False,
    refresh: Annotated[bool, Query(description="refetch live sources even if cached")] = False,
) -> Response:
    """Same as ``POST /api/ask`` with the filters as query parameters (``year_min``, ``design`` ...)."""
    svc = service(request)
    params = ask_from_request(request, q, style, k, offline, refresh)
    result = await svc.ask_with_sources(params)
    return Response(result.report.model_dump_json(), media_type="application/json")


def ask_from_request(request: Request, q: str, style: str, k: int | None, offline: bool,
                     refresh: bool) -> AskParams:
    filters = filters_from_query(request.query_params, request.query_params.getlist)
    data = {"question": q, "filters": filters, "style": style, "k": k, "offline": offline, "refresh": refresh}
    return checked_ask(validated(AskParams, data), service(request).settings.web)


# --------------------------------------------------------------------------- faithfulness check


@router.post("/check", response_model=CheckOut, responses=ERRORS, summary="Check a report's sentences")
async def check(params: AskParams, request: Request) -> CheckOut:
    """The faithfulness checker's verdict on every sentence of the report (``ask --check``), each
    with the spans of the cited papers it rests on."""
    svc = service(request)
    return check_out(*await svc.check(checked_ask(params, svc.settings.web)))


@router.get("/check", response_model=CheckOut, responses=ERRORS, summary="Check a report's sentences (GET)")
async def check_get(
    request: Request, q: Annotated[str, Query(description="the question")],
    style: Annotated[str, Query(description="pro or explainer")] = "pro",
    k: Annotated[int | None, Query(ge=1)] = None,
    offline: Annotated[bool, Query(description="library only; no live source")] = False,
    refresh: Annotated[bool, Query(description="refetch live sources even if cached")] = False,
) -> CheckOut:
    """Same as ``POST /api/check`` with the filters as query parameters."""
    params = ask_from_request(request, q, style, k, offline, refresh)
    return check_out(*await service(request).check(params))


def check_out(result: ReportResult, verdicts: list[dict[str, Any]]) -> CheckOut:
    passed = sum(1 for verdict in verdicts if verdict["verdict"] == "pass")
    return CheckOut(question=result.report.question, passed=passed, total=len(verdicts),
                    verdicts=[VerdictOut.model_validate(verdict) for verdict in verdicts])


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


@router.post("/search/batch", response_model=BatchSearchOut, responses=ERRORS, summary="Search many queries")
async def search_batch(body: BatchSearchParams, request: Request) -> BatchSearchOut:
    """``search --batch``: each query's paper ids, best first. The body is a list of
    ``{"id", "query"}``, or ``{"queries": [...], "filters": {...}, "k": 10}``; at most
    100 queries."""
    svc = service(request)
    results = await svc.search_batch(checked_batch(body, svc.settings.web), body.k, body.filters)
    return BatchSearchOut(results=[BatchHitsOut(id=query_id, hits=ids) for query_id, ids in results])


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


@router.post("/index", status_code=202, response_model=JobOut, responses=ERRORS,
             summary="Build the embedding index")
async def build_index(request: Request) -> JSONResponse:
    """Build or update the dense index hybrid retrieval uses (``evidentia index``), as a job.

    One build at a time: 409 while one runs. Poll ``status_url``; ``summary`` has the counts.
    """
    job = service(request).start_index_job()
    return JSONResponse(job.public(), status_code=202, headers={"Location": job.public()["status_url"]})


@router.get("/index", response_model=IndexStatusOut, responses=ERRORS, summary="Embedding index status")
async def index_status(request: Request) -> dict[str, Any]:
    """The embedder in use, the indexes built, and the build now running (if any)."""
    return service(request).index_status()


@router.get("/settings", response_model=list[SettingOut], summary="Settings in use")
async def settings(request: Request) -> list[dict[str, Any]]:
    """Every setting with its value, default and description (``info --settings-list``);
    keys, tokens and contact addresses are shown only as set or not set."""
    return [asdict(row) for row in settings_rows(service(request).settings)]


# --------------------------------------------------------------------------- jobs


@router.post("/jobs", status_code=202, response_model=JobOut, responses=ERRORS,
             summary="Start an ask in the background")
async def start_job(params: AskParams, request: Request) -> JSONResponse:
    """Start computing a report; poll ``status_url``; when done, ``result_url`` shows it."""
    svc = service(request)
    params = checked_ask(params, svc.settings.web)
    job = svc.start_ask_with_sources_job(params, report_url(params))
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
    result = await svc.ask_with_sources(checked_ask(params, svc.settings.web))
    return report_download(render(result.report, fmt), fmt, result.report.question).response()


@router.post("/export/papers", responses=ERRORS, summary="Export selected papers")
async def export_papers(body: ExportIds, request: Request) -> Response:
    """Selected papers as BibTeX, RIS, CSL-JSON, CSV of facts, JSON, Markdown or HTML."""
    svc = service(request)
    fmt = check_format(body.format)
    if len(body.ids) > svc.settings.web.max_export_ids:
        raise Problem(422, "invalid_request", f"at most {svc.settings.web.max_export_ids} papers per export")
    return papers_download(await svc.papers(body.ids), fmt).response()
