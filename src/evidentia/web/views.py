"""What the templates draw, computed in Python: citations, meter segments, study cards, highlights.

Everything here returns plain data (strings, numbers, small dataclasses). The templates escape
every string they print; nothing here builds markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..config import Settings, describe_settings
from ..models import (
    DESIGN_LABELS,
    STANCES,
    Claim,
    Evidence,
    Paper,
    Report,
    Source,
    Study,
    StudyFacts,
)

STANCE_LABELS = {"yes": "Yes", "possibly": "Possibly", "no": "No", "unclear": "Unclear"}
GRADE_CLASSES = {"high": "high", "moderate": "moderate", "low": "low", "very low": "very-low"}


# --------------------------------------------------------------------------- claims and citations


@dataclass
class Cite:
    number: int
    paper_id: str
    title: str


@dataclass
class Part:
    """A piece of a sentence: plain text, or a group of citations drawn as links."""

    text: str = ""
    cites: list[Cite] = field(default_factory=list)


@dataclass
class ClaimView:
    parts: list[Part]
    kind: str


_MARK = re.compile(r"\s?\[(\d+(?:\s*[,\u2013-]\s*\d+)*)\]")


def claim_view(claim: Claim, sources: dict[int, Source]) -> ClaimView:
    """A sentence whose ``[1, 3]`` marks become citation links to the numbered sources."""
    parts: list[Part] = []
    position = 0
    for match in _MARK.finditer(claim.text):
        cites = [_cite(number, sources) for number in _numbers(match.group(1))]
        cites = [cite for cite in cites if cite is not None]
        if not cites:
            continue
        parts.append(Part(text=claim.text[position : match.start()]))
        parts.append(Part(cites=cites))
        position = match.end()
    parts.append(Part(text=claim.text[position:]))
    if len(parts) == 1:  # no marks in the text: cite what the claim lists, at its end
        by_id = {source.id: source for source in sources.values()}
        listed = [Cite(by_id[pid].number, pid, by_id[pid].title) for pid in claim.citations if pid in by_id]
        parts.append(Part(cites=listed))
    return ClaimView([part for part in parts if part.text or part.cites], claim.kind)


def _numbers(marks: str) -> list[int]:
    numbers: list[int] = []
    for piece in re.split(r"\s*,\s*", marks):
        bounds = re.split(r"\s*[\u2013-]\s*", piece)
        if len(bounds) == 2 and int(bounds[1]) - int(bounds[0]) < 100:
            numbers.extend(range(int(bounds[0]), int(bounds[1]) + 1))
        else:
            numbers.append(int(bounds[0]))
    return numbers


def _cite(number: int, sources: dict[int, Source]) -> Cite | None:
    source = sources.get(number)
    return Cite(number, source.id, source.title) if source else None


# --------------------------------------------------------------------------- meter


@dataclass
class MeterSegment:
    stance: str
    label: str
    count: int
    x: float
    width: float
    percent: int


def meter_segments(report: Report) -> list[MeterSegment]:
    """One bar segment per stance, widths in percent of the total (an SVG viewBox of 100)."""
    counts = {stance: getattr(report.meter, stance) for stance in STANCES}
    total = sum(counts.values())
    segments, x = [], 0.0
    for stance in STANCES:
        width = 100.0 * counts[stance] / total if total else 0.0
        segments.append(MeterSegment(stance, STANCE_LABELS[stance], counts[stance], round(x, 3),
                                     round(width, 3), round(width)))
        x += width
    return segments


# --------------------------------------------------------------------------- study cards


@dataclass
class StudyCard:
    number: int | None
    rank: int
    paper_id: str
    title: str
    year: int | None
    journal: str | None
    authors: str
    design: str
    design_badges: list[str]
    species: str | None
    n: str | None
    population: list[str]
    interventions: list[str]
    doses: list[str]
    comparators: list[str]
    outcomes: list[str]
    result: str | None
    adverse: list[str]
    stance: str
    stance_label: str
    stance_reason: str
    confidence: int
    retracted: bool = False
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def study_card(study: Study, paper: Paper | None) -> StudyCard:
    facts = study.facts
    return StudyCard(
        number=study.number, rank=study.rank, paper_id=study.paper_id,
        title=(paper.title if paper else "") or study.paper_id,
        year=paper.year if paper else None, journal=paper.journal if paper else None,
        authors=author_line(paper.authors if paper else []),
        design=DESIGN_LABELS.get(facts.design, facts.design), design_badges=design_badges(facts),
        species=species_label(facts), n=sample_size_label(facts),
        population=unique_texts(facts.population + facts.conditions),
        interventions=unique_texts(facts.interventions), doses=unique_texts(facts.doses),
        comparators=unique_texts(facts.comparators), outcomes=outcome_names(facts),
        result=facts.key_finding.text if facts.key_finding else None,
        adverse=unique_texts(facts.adverse_effects),
        stance=study.stance.stance, stance_label=STANCE_LABELS[study.stance.stance],
        stance_reason=study.stance.reason, confidence=round(100 * study.stance.confidence),
        retracted=bool(paper and paper.retracted), url=paper.url if paper else None,
        extra={"n": facts.sample_size.n if facts.sample_size else None, "design": facts.design},
    )


def study_cards(report: Report, papers: dict[str, Paper]) -> list[StudyCard]:
    cards = [study_card(study, papers.get(study.paper_id)) for study in report.studies]
    return sorted(cards, key=lambda card: (card.number is None, card.number or 0, card.rank))


def design_badges(facts: StudyFacts) -> list[str]:
    badges = []
    if facts.randomised and facts.design != "rct":
        badges.append("randomised")
    if facts.blinding:
        badges.append(facts.blinding)
    if facts.placebo:
        badges.append("placebo-controlled")
    if facts.crossover:
        badges.append("crossover")
    if facts.pilot:
        badges.append("pilot")
    return badges


def species_label(facts: StudyFacts) -> str | None:
    return {"animal": "animal", "in_vitro": "in vitro"}.get(facts.species)


def sample_size_label(facts: StudyFacts) -> str | None:
    size = facts.sample_size
    if size is None:
        return None
    return f"{size.n:,} {size.unit}" if size.unit else f"{size.n:,}"


def unique_texts(items: list[Any], limit: int = 6) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        text = " ".join(str(getattr(item, "text", item)).split())
        if text and text.casefold() not in seen:
            seen[text.casefold()] = text
    return list(seen.values())[:limit]


def outcome_names(facts: StudyFacts) -> list[str]:
    names = [str(fact.value) if isinstance(fact.value, str) and fact.value else fact.text
             for fact in facts.outcome_measures]
    return unique_texts(names)


def author_line(authors: list[str], limit: int = 3) -> str:
    if len(authors) <= limit:
        return ", ".join(authors)
    return ", ".join(authors[:limit]) + " et al."


# --------------------------------------------------------------------------- the report page


def report_context(report: Report, papers: dict[str, Paper]) -> dict[str, Any]:
    """Everything the report template needs, computed once."""
    sources = {source.number: source for source in report.sources}
    return {
        "answer": claim_view(report.answer, sources),
        "sections": [
            {"heading": section.heading, "grade": section.grade,
             "claims": [claim_view(claim, sources) for claim in section.sentences]}
            for section in report.sections
        ],
        "conclusion": [claim_view(claim, sources) for claim in report.conclusion],
        "meter": meter_segments(report),
        "cards": study_cards(report, papers),
        "grade_class": GRADE_CLASSES,
    }


# --------------------------------------------------------------------------- the faithfulness check


def evidence_json(evidence: Evidence, paper: Paper | None) -> dict[str, Any]:
    """A span a sentence rests on, with its words (taken from the paper when not stored)."""
    text = evidence.text
    if not text and paper is not None:
        source = (paper.title if evidence.field == "title" else paper.abstract) or ""
        text = source[evidence.start : evidence.end]
    return {"paper_id": evidence.paper_id, "field": evidence.field, "start": evidence.start,
            "end": evidence.end, "text": text}


@dataclass
class SpanView:
    number: int | None
    paper_id: str
    title: str
    field: str
    text: str


@dataclass
class VerdictView:
    number: int
    part: str
    text: str
    passed: bool
    problems: list[str]
    checked: list[tuple[str, list[str]]]
    cites: list[Cite]
    spans: list[SpanView]


def verdict_views(verdicts: list[dict[str, Any]], report: Report) -> list[VerdictView]:
    """The checker's verdicts as the check page lists them: sources by number and title."""
    by_id = {source.id: source for source in report.sources}
    views = []
    for number, verdict in enumerate(verdicts, 1):
        cites = [Cite(by_id[pid].number, pid, by_id[pid].title) if pid in by_id else Cite(0, pid, pid)
                 for pid in verdict.get("citations") or []]
        spans = [_span_view(span, by_id) for span in verdict.get("evidence") or [] if span.get("text")]
        checked = [(name, list(values)) for name, values in (verdict.get("checked") or {}).items() if values]
        views.append(VerdictView(number, str(verdict["part"]), _without_marks(str(verdict["text"])),
                                 verdict["verdict"] == "pass", list(verdict.get("problems") or []),
                                 checked, cites, spans))
    return views


def _span_view(span: dict[str, Any], sources: dict[str, Source]) -> SpanView:
    source = sources.get(span["paper_id"])
    return SpanView(source.number if source else None, span["paper_id"],
                    source.title if source else span["paper_id"], span["field"], span["text"])


def _without_marks(text: str) -> str:
    """The sentence without its ``[1, 3]`` marks: the page lists the cited sources beside it."""
    return _MARK.sub("", text).strip()


# --------------------------------------------------------------------------- settings (info --settings-list)

SECRET_NAMES = ("api_key", "token", "password", "email", "mailto")  # contact details too


@dataclass
class SettingRow:
    name: str
    value: str
    default: str
    description: str
    changed: bool


def settings_rows(settings: Settings) -> list[SettingRow]:
    """Every setting with its value in use, its default and what it does; secrets are hidden."""
    defaults = Settings()
    rows = []
    for name, _default, description in describe_settings():
        value, default = _setting_value(settings, name), _setting_value(defaults, name)
        rows.append(SettingRow(name, _shown_value(name, value), _shown_value(name, default), description,
                               value != default))
    return rows


def _setting_value(settings: Settings, dotted: str) -> Any:
    value: Any = settings
    for part in dotted.split("."):
        value = getattr(value, part)
    return value


def _shown_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "not set"
    if any(secret in name.rsplit(".", 1)[-1] for secret in SECRET_NAMES):
        return "set (hidden)"
    if isinstance(value, bool):
        return "true" if value else "false"
    text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
    return _hide_credentials(text)


def _hide_credentials(text: str) -> str:
    """``scheme://user:password@host/...`` with the user part hidden."""
    scheme, sep, rest = text.partition("://")
    host = rest.split("/", 1)[0]
    if not sep or "@" not in host:
        return text
    return f"{scheme}://(credentials hidden)@{rest.split('@', 1)[1]}"
