"""The evidence map: each study a mark, placed by design (columns) and sample size (log scale).

Computed here as coordinates; ``templates/_evidence_map.html`` draws it as inline SVG (no script,
no inline style: colours come from CSS classes per stance). Designs are ordered strongest first,
and only designs present in the report get a column, so a small report stays readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..models import design_rank
from .views import StudyCard

SHORT_DESIGN = {
    "meta_analysis": "meta-analysis", "systematic_review": "syst. review", "rct": "RCT",
    "trial": "trial", "non_randomised_trial": "non-rand. trial", "cohort": "cohort", "case_control": "case-control",
    "cross_sectional": "cross-sect.", "case_series": "case series", "case_report": "case report",
    "guideline": "guideline", "narrative_review": "review", "animal": "animal",
    "in_vitro": "in vitro", "other": "other",
}

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 16, 64
UNKNOWN_BAND = 28  # the strip under the axis for studies whose sample size is not reported
RADIUS = 9


@dataclass
class Mark:
    x: float
    y: float
    stance: str
    label: str  # the number drawn in the mark
    href: str
    tip: str


@dataclass
class EvidenceMap:
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_bottom: float = HEIGHT - BOTTOM - UNKNOWN_BAND
    right: int = WIDTH - RIGHT
    unknown_y: float = HEIGHT - BOTTOM - UNKNOWN_BAND / 2
    columns: list[tuple[float, list[str]]] = field(default_factory=list)  # x, label lines
    ticks: list[tuple[float, str]] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)


def evidence_map(cards: list[StudyCard]) -> EvidenceMap | None:
    """The map for the report's studies (None when there are none)."""
    if not cards:
        return None
    chart = EvidenceMap()
    present = sorted({_design(card) for card in cards}, key=design_rank)
    step = (chart.right - chart.left) / len(present)
    centres = {design: chart.left + step * (index + 0.5) for index, design in enumerate(present)}
    chart.columns = [(centres[design], label_lines(SHORT_DESIGN.get(design, design))) for design in present]
    top_n = _axis_top(cards)
    chart.ticks = _ticks(chart, top_n)
    for design in present:
        column = [card for card in cards if _design(card) == design]
        chart.marks.extend(_column_marks(chart, column, centres[design], step, top_n))
    return chart


def _axis_top(cards: list[StudyCard]) -> int:
    largest = max((_n(card) or 1 for card in cards), default=1)
    return max(1000, 10 ** math.ceil(math.log10(max(largest, 1))))


def _y_for(chart: EvidenceMap, n: int | None, top_n: int) -> float:
    if n is None:
        return chart.unknown_y
    span = chart.plot_bottom - chart.top - RADIUS * 2
    return chart.plot_bottom - RADIUS - span * math.log10(max(n, 1)) / math.log10(top_n)


def _ticks(chart: EvidenceMap, top_n: int) -> list[tuple[float, str]]:
    ticks = []
    for power in range(round(math.log10(top_n)) + 1):
        ticks.append((_y_for(chart, 10**power, top_n), f"{10**power:,}"))
    return ticks


def _column_marks(
    chart: EvidenceMap, column: list[StudyCard], centre: float, step: float, top_n: int
) -> list[Mark]:
    """Marks of one design; studies of similar size are spread sideways so none hides another."""
    marks = []
    spread = max(0.0, min(step / 2 - RADIUS, 4 * RADIUS))
    placed: list[tuple[float, float]] = []
    for card in sorted(column, key=lambda card: (_n(card) or 0, card.rank)):
        y = _y_for(chart, _n(card), top_n)
        x = _free_x(centre, y, spread, placed)
        placed.append((x, y))
        marks.append(Mark(round(x, 1), round(y, 1), card.stance, _label(card), _href(card), _tip(card)))
    return marks


def _free_x(centre: float, y: float, spread: float, placed: list[tuple[float, float]]) -> float:
    offsets = [0.0]
    for k in range(1, 9):
        offsets += [k * RADIUS * 1.1, -k * RADIUS * 1.1]
    for offset in offsets:
        x = centre + max(-spread, min(spread, offset))
        if all(math.hypot(x - px, y - py) >= RADIUS * 1.9 for px, py in placed):
            return x
    return centre


def _design(card: StudyCard) -> str:
    return str(card.extra.get("design") or "other")


def _n(card: StudyCard) -> int | None:
    return card.extra.get("n")


def label_lines(label: str) -> list[str]:
    """A column label on up to two lines, so neighbouring columns never overlap:
    "meta-analysis" -> ["meta-", "analysis"], "syst. review" -> ["syst.", "review"]."""
    if " " in label:
        return label.split(" ", 1)
    head, dash, tail = label.partition("-")
    return [head + dash, tail] if dash and len(label) > 8 else [label]


def _label(card: StudyCard) -> str:
    return str(card.number) if card.number is not None else ""


def _href(card: StudyCard) -> str:
    return f"#study-{card.rank}"


def _tip(card: StudyCard) -> str:
    size = f"n = {card.n}" if card.n else "sample size not reported"
    number = f"[{card.number}] " if card.number is not None else ""
    return f"{number}{card.title} — {card.design}, {size}; answer: {card.stance_label.lower()}"
