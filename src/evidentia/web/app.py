"""The web app: HTML pages and a JSON API over one library, from the same service.

    from evidentia.web import create_app
    app = create_app(settings)          # an ASGI app; ``evidentia serve`` runs it with uvicorn

Static files (CSS, JS, icon) are served by the app itself: no CDN, no build step.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..config import Settings
from . import api, pages, problems
from .guard import Guard
from .problems import Problem
from .service import Service
from .templating import HERE, make_templates

log = logging.getLogger(__name__)

TITLES = {
    400: "That request could not be used", 404: "Not found", 405: "Not allowed here",
    413: "Too large", 414: "Address too long", 415: "Unsupported upload", 422: "Please check your input",
    429: "Busy right now", 500: "Something went wrong", 503: "Busy right now",
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app over the library the settings point at."""
    settings = settings or Settings()
    app = FastAPI(
        title="evidentia", version=__version__,
        description="Answer research questions from a library of papers with cited evidence reports.",
        openapi_url="/api/openapi.json", docs_url=None, redoc_url=None,
    )
    app.state.service = Service(settings)
    app.state.templates = make_templates()
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    problems.install(app, error_page)
    web = settings.web
    app.add_middleware(
        Guard, max_body_bytes=web.max_body_bytes, max_upload_bytes=web.max_upload_bytes,
        max_url_bytes=web.max_url_bytes,
    )
    return app


def error_page(request: Request, problem: Problem) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(
        request, "error.html",
        {"status": problem.status, "title": TITLES.get(problem.status, "Error"),
         "message": problem.message, "nav": ""},
        status_code=problem.status, headers=problem.headers,
    )
