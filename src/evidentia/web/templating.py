"""The Jinja2 environment: autoescape on for every template, and the few helpers templates call."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, urlsplit

import jinja2
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..models import DESIGN_LABELS, DESIGNS
from .views import author_line

HERE = Path(__file__).parent

REPORT_FORMATS: tuple[tuple[str, str], ...] = (
    ("md", "Markdown"), ("html", "HTML"), ("json", "JSON"), ("bibtex", "BibTeX (sources)"),
    ("ris", "RIS (sources)"), ("csl-json", "CSL-JSON (sources)"), ("csv", "CSV (one row per study)"),
)
PAPER_FORMATS: tuple[tuple[str, str], ...] = (
    ("bibtex", "BibTeX"), ("ris", "RIS"), ("csl-json", "CSL-JSON"), ("csv", "CSV of facts"),
)


def paper_url(paper_id: str) -> str:
    """``/paper/doi:10.1/x``: ids keep ``:`` and ``/`` readable; everything else is quoted."""
    return "/paper/" + quote(paper_id, safe=":/")


def safe_url(url: str | None) -> str | None:
    """The URL when it is plain http(s) with a host; None otherwise (never ``javascript:``)."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def static_url(name: str) -> str:
    return f"/static/{name}?v={__version__}"


def make_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        static=static_url, paper_url=paper_url, safe_url=safe_url, authors=author_line,
        version=__version__, designs=[(key, DESIGN_LABELS[key]) for key in DESIGNS],
        report_formats=REPORT_FORMATS, paper_formats=PAPER_FORMATS,
    )
    return Jinja2Templates(env=env)
