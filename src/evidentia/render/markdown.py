"""The report as Markdown: question, answer, meter bar, grade, sections, conclusion, sources.

Paper and user strings are escaped so that a title cannot add headings, links or raw HTML;
citation markers stay as plain ``[n]`` that match the numbered source list.
"""

from __future__ import annotations

import re

from ..models import Claim, Grade, Meter, Report, Section, Source
from .layout import (
    MARKER_RE,
    author_line,
    filter_line,
    grade_label,
    is_list,
    meter_filled,
    paragraphs,
    source_links,
    verdict_lines,
)

# Characters that would start emphasis, code, links or strike-through anywhere in a line.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]~])")


def md_escape(text: str, *, line_start: bool = False) -> str:
    """Plain text that Markdown shows as written (no emphasis, links, headings or HTML)."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"&(?=#?\w+;)", "&amp;", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)  # only a "<" that could open a tag
    text = _MD_SPECIAL.sub(r"\\\1", text)
    if line_start:
        text = re.sub(r"^(\d+)([.)])", r"\1\\\2", text)  # "1. Title" must not start a list
        text = re.sub(r"^([#>+-])", r"\\\1", text)  # nor a heading, quote or bullet
    return text


def claim_text(claim: Claim) -> str:
    """Escaped claim text with its [n] markers kept readable."""
    escaped = md_escape(claim.text, line_start=True)
    return re.sub(r"\\\[(\d+(?:, \d+)*)\\\]", r"[\1]", escaped)


def render_markdown(report: Report) -> str:
    lines = [f"# {md_escape(report.question)}", ""]
    filters = filter_line(report.filters)
    if filters:
        lines += [f"*Filters: {md_escape(filters)}.*", ""]
    lines += [f"**Answer:** {claim_text(report.answer)}", ""]
    if report.meter.shown:
        lines += [f"`{meter_bar(report.meter)}`", ""]
    if report.grade is not None:
        lines += [f"**Certainty of the evidence:** {grade_text(report.grade)}", ""]
    for section in report.sections:
        lines += section_lines(section)
    lines += conclusion_lines(report.conclusion)
    lines += notice_lines(report)
    lines += source_lines(report.sources)
    return "\n".join(lines).rstrip() + "\n"


def meter_bar(meter: Meter) -> str:
    """'Yes ████████░░ 6 · Possibly 2 · No 1' (plus unclear when there are any)."""
    filled = meter_filled(meter)
    bar = "█" * filled + "░" * (10 - filled)
    text = f"Yes {bar} {meter.yes} · Possibly {meter.possibly} · No {meter.no}"
    return text + (f" · Unclear {meter.unclear}" if meter.unclear else "")


def grade_text(grade: Grade) -> str:
    reasons = "; ".join(md_escape(reason) for reason in grade.reasons)
    return f"{grade_label(grade.level)}" + (f" ({reasons})" if reasons else "")


def section_lines(section: Section) -> list[str]:
    lines = [f"## {md_escape(section.heading)}", ""]
    if section.grade is not None:
        lines += [f"*Certainty: {grade_text(section.grade)}*", ""]
    if is_list(section.sentences):
        return lines + [f"- {claim_text(claim)}" for claim in section.sentences] + [""]
    for paragraph in paragraphs(section.sentences):
        lines += [" ".join(claim_text(claim) for claim in paragraph), ""]
    return lines


def conclusion_lines(claims: list[Claim]) -> list[str]:
    if not claims:
        return []
    main = [claim for claim in claims if claim.kind not in ("limitation", "research_need")]
    limits = [claim for claim in claims if claim.kind == "limitation"]
    needs = [claim for claim in claims if claim.kind == "research_need"]
    lines = ["## Conclusion", ""]
    if main:
        lines += [" ".join(claim_text(claim) for claim in main), ""]
    if limits:
        lines += ["**Limitations**", ""] + [f"- {claim_text(claim)}" for claim in limits] + [""]
    if needs:
        lines += ["**Research needed:** " + " ".join(claim_text(claim) for claim in needs), ""]
    return lines


def notice_lines(report: Report) -> list[str]:
    if not report.notices:
        return []
    return ["## Notes", ""] + [f"- {md_escape(notice)}" for notice in report.notices] + [""]


def source_lines(sources: list[Source]) -> list[str]:
    if not sources:
        return []
    return ["## Sources", ""] + [source_entry(source) for source in sources] + [""]


def source_entry(source: Source) -> str:
    """'1. Smith JA, Lee K, et al. (1997). Title. *Journal*. PMID: [123](url) doi: [..](url)'."""
    parts = [f"{source.number}."]
    authors = author_line(source.authors)
    if authors:
        parts.append(md_escape(authors))
    if source.year:
        parts.append(f"({source.year}).")
    parts.append(_sentence(md_escape(source.title)))
    if source.journal:
        parts.append(f"*{md_escape(source.journal).rstrip('.')}*.")
    for label, url in source_links(source):
        name, _, value = label.partition(": ")
        parts.append(f"{name}: [{md_escape(value)}]({url})" if value else f"[{name}]({url})")
    return " ".join(parts)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def render_verdicts(verdicts: list[dict[str, object]]) -> str:
    """``ask --check``: the checker's verdict on every sentence (plain text, no markup)."""
    return "\n".join(verdict_lines(verdicts)) + "\n"


__all__ = ["render_markdown", "render_verdicts", "md_escape", "meter_bar", "MARKER_RE"]
