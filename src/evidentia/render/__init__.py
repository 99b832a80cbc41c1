"""Render a ``Report`` as text: Markdown, JSON, one self-contained HTML file, or citation exports.

Renderers only lay out what the report holds; they never add facts. Every string that comes from
a paper or a user is escaped for the target format, and links are built only from PMIDs, DOIs
and plain http(s) URLs.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import InputError
from ..models import Report

FORMATS = ("md", "json", "html", "bibtex", "ris", "csl-json", "csv")


def _renderers() -> dict[str, Callable[[Report], str]]:
    """Imported on use, so that ``import evidentia.render`` stays cheap."""
    from .citations import render_bibtex, render_csl_json, render_ris
    from .csv import render_csv
    from .html import render_html
    from .json import render_json
    from .markdown import render_markdown

    return {
        "md": render_markdown, "json": render_json, "html": render_html,
        "bibtex": render_bibtex, "ris": render_ris, "csl-json": render_csl_json, "csv": render_csv,
    }


def render(report: Report, fmt: str) -> str:
    """The report as text in one of ``FORMATS`` (``md``, ``json``, ``html``, citation exports)."""
    renderer = _renderers().get((fmt or "").strip().lower())
    if renderer is None:
        raise InputError(f"unknown report format {fmt!r}",
                         hint=f"use one of: {', '.join(FORMATS)}")
    return renderer(report)


__all__ = ["FORMATS", "render"]
