"""HTML pages: home, report and its source check, job progress, paper, search and batch search,
library (upload, embedding index, settings), and the export downloads.

Works without JavaScript: the ask form posts, the server starts a job and redirects to its page,
which refreshes itself until the report is ready; ``GET /report?q=...`` computes a report
directly (a plain link). With JavaScript, ``static/app.js`` polls the job's JSON instead.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from ..models import DESIGN_LABELS
from .evidence_map import evidence_map
from .exports import check_format, papers_download, report_download
from .highlight import highlighted_abstract, highlighted_title, kinds_present
from .jobs import Job
from .params import (
    MAX_BATCH_QUERIES,
    AskParams,
    FilterParams,
    SearchParams,
    ask_from_query,
    batch_from_jsonl,
    check_k,
    check_report_url,
    check_text,
    filters_from_query,
    query_string,
    report_url,
)
from .problems import Problem
from .service import Service
from .uploads import receive_upload
from .views import (
    design_badges,
    report_context,
    sample_size_label,
    settings_rows,
    unique_texts,
    verdict_views,
)

router = APIRouter(include_in_schema=False)


def service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    context.setdefault("nav", "")
    return templates.TemplateResponse(request, name, context, status_code=status)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def job_started(request: Request, job: Job) -> Response:
    """202 with the job for scripts (``Accept: application/json``); 303 to its page otherwise."""
    if wants_json(request):
        return JSONResponse(job.public(), status_code=202)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


# --------------------------------------------------------------------------- ask


@router.get("/")
async def home(request: Request) -> Response:
    svc = service(request)
    return page(
        request, "home.html", nav="ask", library=await svc.library_info(), filters=FilterParams(),
        style="pro", question=None, open_filters=False, max_query_chars=svc.settings.web.max_query_chars,
        options=ask_options(svc),
    )


def ask_options(svc: Service, k: int | None = None, offline: bool = False) -> dict[str, Any]:
    """The ask form's CLI options: studies to read (``--k``) and live sources (``--offline``)."""
    return {"k": k, "default_k": svc.settings.retrieve.k, "max_k": svc.settings.web.max_k, "offline": offline}


@router.post("/ask")
async def ask_form(request: Request) -> Response:
    """The ask form: start a job and show its progress."""
    svc = service(request)
    async with request.form(max_files=0, max_fields=64) as form:
        params = ask_from_query(form, form.getlist, svc.settings.web)
    return job_started(request, svc.start_ask_with_sources_job(params, report_url(params)))


def _asked(request: Request) -> AskParams | None:
    """The ask in the URL's query string; None when it has no question (the page sends home)."""
    if not (request.query_params.get("q") or "").strip():
        return None
    return ask_from_query(request.query_params, request.query_params.getlist, service(request).settings.web)


@router.get("/report")
async def report_page(request: Request) -> Response:
    """The report for the question in the URL (computed now unless a job already made it)."""
    svc = service(request)
    if (params := _asked(request)) is None:
        return RedirectResponse("/", status_code=303)
    result = await svc.ask_with_sources(params)
    view = report_context(result.report, result.papers)
    return page(
        request, "report.html", nav="ask", report=result.report, view=view,
        chart=evidence_map(view["cards"]), filters=params.filters,
        active_filters=filter_chips(params.filters, params.offline), permalink=report_url(params),
        export_url=lambda fmt: "/export/report?" + urlencode([*query_string(params), ("format", fmt)]),
        seconds=result.seconds, check_url=check_report_url(params),
        options=ask_options(svc, params.k, params.offline),
    )


@router.get("/report/check")
async def check_page(request: Request) -> Response:
    """Every sentence of the report with the checker's verdict and the spans it rests on."""
    svc = service(request)
    if (params := _asked(request)) is None:
        return RedirectResponse("/", status_code=303)
    result, verdicts = await svc.check(params)
    rows = verdict_views(verdicts, result.report)
    return page(
        request, "check.html", nav="ask", report=result.report, rows=rows,
        passed=sum(row.passed for row in rows), report_link=report_url(params),
        active_filters=filter_chips(params.filters, params.offline),
    )


def filter_chips(filters: FilterParams, offline: bool = False) -> list[str]:
    chips = ["library only"] if offline else []
    if filters.year_min or filters.year_max:
        chips.append(f"years {filters.year_min or '…'}–{filters.year_max or '…'}")
    chips.extend(DESIGN_LABELS.get(design, design) for design in filters.designs)
    if filters.min_n:
        chips.append(f"n ≥ {filters.min_n:,}")
    if filters.species:
        chips.append(f"{filters.species} studies only")
    if filters.include_retracted:
        chips.append("retracted included")
    return chips


@router.get("/jobs/{job_id}")
async def job_page(job_id: str, request: Request) -> Response:
    job = service(request).jobs.get(job_id[:64])
    if job is None:
        raise Problem(404, "not_found", "no such job; it may have finished more than an hour ago")
    if job.status == "done" and job.kind == "ask" and job.result_url:
        return RedirectResponse(job.result_url, status_code=303)
    return page(request, "job.html", job=job)


# --------------------------------------------------------------------------- papers and search


@router.get("/paper/{paper_id:path}")
async def paper_page(paper_id: str, request: Request) -> Response:
    result = await service(request).paper(paper_id)
    paper, facts = result.paper, result.facts
    paragraphs = highlighted_abstract(paper, facts)
    title = highlighted_title(paper, facts)
    rows = [
        ("Conditions", unique_texts(facts.conditions)), ("Population", unique_texts(facts.population)),
        ("Interventions", unique_texts(facts.interventions)), ("Doses", unique_texts(facts.doses)),
        ("Compared with", unique_texts(facts.comparators)),
        ("Outcome measures", unique_texts(facts.outcome_measures)),
        ("Adverse effects", unique_texts(facts.adverse_effects)),
        ("Mechanisms", unique_texts(facts.mechanisms)),
    ]
    return page(
        request, "paper.html", paper=paper, facts=facts, paragraphs=paragraphs, title_pieces=title,
        legend=kinds_present(paragraphs, title), fact_rows=rows, badges=design_badges(facts),
        design_label=DESIGN_LABELS.get(facts.design, facts.design), sample=sample_size_label(facts),
    )


@router.get("/search")
async def search_page(request: Request) -> Response:
    svc = service(request)
    raw = request.query_params.get("q") or ""
    hits = []
    query = None
    if raw.strip():
        query = check_text(raw, svc.settings.web, "query")
        hits = await svc.search(SearchParams(query=query, k=min(50, svc.settings.web.max_k)))
    return page(request, "search.html", nav="search", query=query, hits=hits,
                max_query_chars=svc.settings.web.max_query_chars)


@router.get("/search/batch")
async def batch_page(request: Request) -> Response:
    """The batch search form: a JSONL file of queries in, a JSONL file of ranked ids out."""
    svc = service(request)
    return page(request, "batch.html", nav="search", filters=FilterParams(), max_queries=MAX_BATCH_QUERIES,
                max_bytes=svc.settings.web.max_body_bytes, max_size=human_size(svc.settings.web.max_body_bytes),
                default_k=svc.settings.retrieve.k, max_k=svc.settings.web.max_k)


@router.post("/search/batch")
async def batch_search(request: Request) -> Response:
    """``search --batch`` from a form: the uploaded file's results as a JSONL download."""
    svc = service(request)
    async with request.form(max_files=1, max_fields=64) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Problem(422, "invalid_request", "no file in the form; choose a JSONL file of queries")
        data = await upload.read(svc.settings.web.max_body_bytes + 1)
        if len(data) > svc.settings.web.max_body_bytes:
            raise Problem(413, "too_large", f"the file is larger than {human_size(svc.settings.web.max_body_bytes)}; "
                          "split it, or use `evidentia search --batch`")
        queries = batch_from_jsonl(data, svc.settings.web)
        filters = filters_from_query(form, form.getlist)
        k = check_k(int_field(form.get("k"), "k"), svc.settings.web)
    results = await svc.search_batch(queries, k, filters)
    body = "".join(json.dumps({"id": query_id, "hits": ids}, ensure_ascii=False) + "\n" for query_id, ids in results)
    return Response(body, media_type="application/x-ndjson",
                    headers={"Content-Disposition": 'attachment; filename="search-results.jsonl"'})


def int_field(value: Any, name: str) -> int | None:
    """A whole number from a form field; blank is unset; 422 otherwise."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        return None
    if not text.isdigit() or len(text) > 9 or int(text) < 1:
        raise Problem(422, "invalid_request", f"{name}: enter a whole number from 1")
    return int(text)


# --------------------------------------------------------------------------- library


@router.get("/library")
async def library_page(request: Request) -> Response:
    svc = service(request)
    info = await svc.library_info()
    limit = svc.settings.web.max_upload_bytes
    return page(
        request, "library.html", nav="library", library=info,
        size=human_size(int(info.get("file_bytes") or 0)), max_upload=human_size(limit),
        max_upload_bytes=limit, index=svc.index_status(), settings_rows=settings_rows(svc.settings),
    )


@router.post("/library/upload")
async def upload_form(request: Request) -> Response:
    return job_started(request, await receive_upload(request, service(request)))


@router.post("/library/index")
async def index_form(request: Request) -> Response:
    """``evidentia index`` from the library page: start the build and show its progress."""
    return job_started(request, service(request).start_index_job())


def human_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{size:,.1f} GB"


# --------------------------------------------------------------------------- downloads


@router.get("/export/report")
async def export_report(request: Request) -> Response:
    """``/export/report?q=...&format=bibtex``: the report (or its sources) as a download."""
    from ..render import render

    svc = service(request)
    fmt = check_format(request.query_params.get("format"))
    params = ask_from_query(request.query_params, request.query_params.getlist, svc.settings.web)
    result = await svc.ask_with_sources(params)
    return report_download(render(result.report, fmt), fmt, result.report.question).response()


@router.get("/export/papers")
async def export_papers(request: Request) -> Response:
    """``/export/papers?id=pmid:1&id=pmid:2&format=ris``: selected papers as a download."""
    svc = service(request)
    fmt = check_format(request.query_params.get("format"))
    ids = [value for value in request.query_params.getlist("id") if value.strip()]
    if not ids:
        raise Problem(422, "invalid_request", "no papers selected; tick at least one study")
    if len(ids) > svc.settings.web.max_export_ids:
        raise Problem(422, "invalid_request", f"at most {svc.settings.web.max_export_ids} papers per export")
    return papers_download(await svc.papers(ids), fmt).response()
