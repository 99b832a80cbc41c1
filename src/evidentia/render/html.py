"""The report as one self-contained HTML file: inline CSS, no scripts, no external assets.

Jinja2 with autoescape always on: every paper and user string is escaped; the only markup added
to text is built here from escaped pieces (citation links to ``#src-n``). A Content-Security-Policy
meta tag forbids scripts and remote loads as a second line of defence.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from ..models import Claim, Report
from .layout import (
    author_line,
    filter_line,
    grade_label,
    is_list,
    meter_filled,
    meter_shares,
    paragraphs,
    source_links,
    split_markers,
)

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["grade_label"] = grade_label
    env.filters["authors"] = author_line
    return env


def render_html(report: Report) -> str:
    numbers = {source.number for source in report.sources}
    template = environment().get_template("report.html")
    return template.render(
        report=report,
        cite=lambda claim: cite(claim, numbers),
        paragraphs=paragraphs,
        is_list=is_list,
        shares=meter_shares(report.meter),
        filled=meter_filled(report.meter),
        links=source_links,
        conclusion=_conclusion_parts(report.conclusion),
        filters=filter_line(report.filters),
    )


def cite(claim: Claim, numbers: set[int]) -> Markup:
    """Escaped claim text whose [n] markers link to the numbered sources."""
    out = Markup("")
    for piece in split_markers(claim.text):
        if isinstance(piece, str):
            out += escape(piece)
            continue
        links = [Markup('<a class="cite" href="#src-{0}">{0}</a>').format(n) if n in numbers
                 else escape(str(n)) for n in piece]
        out += Markup("[") + Markup(", ").join(links) + Markup("]")
    return out


def _conclusion_parts(claims: list[Claim]) -> dict[str, list[Claim]]:
    return {
        "main": [c for c in claims if c.kind not in ("limitation", "research_need")],
        "limits": [c for c in claims if c.kind == "limitation"],
        "needs": [c for c in claims if c.kind == "research_need"],
    }
