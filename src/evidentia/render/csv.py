"""CSV of extracted facts: one row per study, one column per fact.

    render_csv(report)            # the report's studies, with their stance and source number
    facts_csv(pairs)              # selected papers: [(Paper, StudyFacts), ...]

Lists are joined with ``"; "``. Cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, tab or CR, unless they are plain numbers) are prefixed with ``'``.
RFC 4180 quoting and CRLF line ends.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..models import Paper, Report, StanceJudgement, StudyFacts

COLUMNS: tuple[str, ...] = (
    "number", "paper_id", "pmid", "doi", "title", "year", "journal",
    "stance", "stance_confidence", "stance_reason",
    "design", "design_source", "randomised", "blinding", "placebo", "crossover", "pilot",
    "species", "sample_size", "sample_size_basis", "sample_unit",
    "conditions", "population", "interventions", "doses", "comparators", "outcome_measures",
    "adverse_effects", "mechanisms", "key_finding", "result_numbers", "findings",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


@dataclass
class Row:
    """One study: its citation data (when known), facts and stance (when judged)."""

    facts: StudyFacts
    number: int | None = None
    stance: StanceJudgement | None = None
    title: str = ""
    year: int | None = None
    journal: str | None = None
    pmid: str | None = None
    doi: str | None = None


def safe_cell(value: Any) -> str:
    """The cell text; formula-like text is defused, numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = " ".join(str(value).split()) if isinstance(value, str) else str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _texts(items: Iterable[Any]) -> str:
    seen: dict[str, None] = {}
    for item in items:
        text = " ".join(str(getattr(item, "text", item)).split())
        if text:
            seen.setdefault(text, None)
    return "; ".join(seen)


def _outcomes(facts: StudyFacts) -> str:
    return _texts(fact.value if isinstance(fact.value, str) and fact.value else fact.text
                  for fact in facts.outcome_measures)


def row_values(row: Row) -> dict[str, Any]:
    facts, stance, size = row.facts, row.stance, row.facts.sample_size
    return {
        "number": row.number, "paper_id": facts.paper_id, "pmid": row.pmid, "doi": row.doi,
        "title": row.title, "year": row.year, "journal": row.journal,
        "stance": stance.stance if stance else None,
        "stance_confidence": round(stance.confidence, 3) if stance else None,
        "stance_reason": stance.reason if stance else None,
        "design": facts.design, "design_source": facts.design_source,
        "randomised": facts.randomised, "blinding": facts.blinding, "placebo": facts.placebo,
        "crossover": facts.crossover, "pilot": facts.pilot, "species": facts.species,
        "sample_size": size.n if size else None, "sample_size_basis": size.basis if size else None,
        "sample_unit": size.unit if size else None,
        "conditions": _texts(facts.conditions), "population": _texts(facts.population),
        "interventions": _texts(facts.interventions), "doses": _texts(facts.doses),
        "comparators": _texts(facts.comparators), "outcome_measures": _outcomes(facts),
        "adverse_effects": _texts(facts.adverse_effects), "mechanisms": _texts(facts.mechanisms),
        "key_finding": facts.key_finding.text if facts.key_finding else None,
        "result_numbers": _texts(n for finding in facts.findings for n in finding.numbers),
        "findings": _texts(facts.findings),
    }


def to_csv(rows: Iterable[Row]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = row_values(row)
        writer.writerow([safe_cell(values[column]) for column in COLUMNS])
    return out.getvalue()


def report_rows(report: Report) -> list[Row]:
    sources = {source.id: source for source in report.sources}
    rows = []
    for study in sorted(report.studies, key=lambda s: (s.number is None, s.number or 0, s.rank)):
        source = sources.get(study.paper_id)
        rows.append(Row(
            facts=study.facts, number=study.number, stance=study.stance,
            title=source.title if source else "", year=source.year if source else None,
            journal=source.journal if source else None, pmid=source.pmid if source else None,
            doi=source.doi if source else None,
        ))
    return rows


def render_csv(report: Report) -> str:
    """One row per study of the report, in source-list order."""
    return to_csv(report_rows(report))


def facts_csv(pairs: Iterable[tuple[Paper, StudyFacts]]) -> str:
    """One row per selected paper, from the library's paper and its analysis."""
    return to_csv(
        Row(facts=facts, title=paper.title, year=paper.year, journal=paper.journal,
            pmid=paper.pmid, doi=paper.doi)
        for paper, facts in pairs
    )
