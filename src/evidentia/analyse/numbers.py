"""Numeric results as facts: percentages, p-values, confidence intervals, effect sizes, durations.

Kinds and values:

* ``percentage`` (value: the number), ``p_value`` (value: the number; the text keeps "<" or "="),
* ``confidence_interval`` (value: ``"1.2 to 3.4"``; the level stays in the text),
* ``odds_ratio``, ``risk_ratio``, ``hazard_ratio``, ``mean_difference``,
  ``standardised_mean_difference``, ``effect_size`` (value: the point estimate),
* ``duration`` (value: length in days; ages such as "aged 45 years" are not durations).

The percentage that names a CI level ("95% CI") is not reported as a percentage.
"""

from __future__ import annotations

import re

from ..models import Fact
from ._text import DECIMAL, NUMBER, make_fact, parse_count, parse_decimal

_NUM = rf"({DECIMAL})"
_P_VALUE = re.compile(
    rf"\b[Pp](?:[\s-]*values?)?(?:\s+for\s+(?:trend|interaction|heterogeneity))?\s*"
    rf"(?:(?:of|was|were|is)\s*)?([<>=≤≥]=?|<\s*or\s*=)\s*{_NUM}(?!\d)"
    rf"|\b[Pp][\s-]*values?\s+(?:of|was|were|is)\s*(?:less than\s*|<\s*)?{_NUM}"
)
_CI = re.compile(
    rf"\b(\d{{2}}(?:\.\d)?)\s?%\s*(?:CI|CIs|confidence intervals?|credible intervals?|CrI)"
    rf"(?:\s*\[\s*CI\s*\])?\s*[:,=]?\s*(?:of|was|from)?\s*[(\[]?\s*{_NUM}\s*(?:-|–|—|to|,)\s*{_NUM}"
)
_PERCENT = re.compile(rf"(?<![\w.]){_NUM}\s?(?:%|percent\b|per cent\b)")
_EFFECT_NAMES: tuple[tuple[str, str], ...] = (
    ("standardised_mean_difference", r"SMD|(?i:standardi[sz]ed mean differences?)"),
    ("mean_difference", r"W?MD|(?i:(?:weighted )?mean differences?)"),
    ("odds_ratio", r"a?ORs?|(?i:(?:adjusted )?odds ratios?)"),
    ("hazard_ratio", r"a?HRs?|(?i:(?:adjusted )?hazard ratios?)"),
    ("risk_ratio", r"a?RRs?|IRR|(?i:(?:adjusted )?(?:relative risks?|risk ratios?|rate ratios?|incidence rate ratios?))"),
    ("effect_size", r"(?i:Cohen'?s d|Hedges'? g|effect sizes?)"),
)
_EFFECT = re.compile(
    r"\b(?=[A-Za-z])(?:" + "|".join(
        rf"(?P<{kind}>(?:{names})\b(?:\s*\((?:[A-Za-z]{{2,4}})\))?\s*(?:[:,=]|of|was|were|is)?"
        rf"\s*(?:[(\[]\s*)?{DECIMAL}(?![\d.]|\s?%))"
        for kind, names in _EFFECT_NAMES
    ) + ")"
)
_LARGEST_RATIO = 50.0
_EFFECT_VALUE = re.compile(rf"{DECIMAL}(?=\s*$)")
# Durations are found from their unit backwards: units are rare, numbers are everywhere.
_DURATION_UNIT = re.compile(
    r"(?<=[\s\d-])(weeks?|wks?|months?|mos?|years?|yrs?|days?|hours?|hrs?|h)\b(?![\s-]*(?:old|of age))",
    re.IGNORECASE,
)
_DURATION_AMOUNT = re.compile(
    rf"(?<![\w.,])({NUMBER}|\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(?:{NUMBER}|\d+(?:\.\d+)?))?[\s-]*$",
    re.IGNORECASE,
)
_AGE_BEFORE = re.compile(r"(?:\bage[sd]?|\bage of|±|\+/-|\bborn|\bover the age of)\s*(?:\w+\s+){0,2}$", re.IGNORECASE)
_DAYS = {"h": 1 / 24, "hr": 1 / 24, "hour": 1 / 24, "day": 1, "wk": 7, "week": 7, "mo": 30.44,
         "month": 30.44, "yr": 365.25, "year": 365.25}


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[Fact]:
    """Every numeric result in ``text[start:end]`` (offsets are into ``text``), in text order."""
    end = len(text) if end is None else end
    facts = _confidence_intervals(text, start, end) + _p_values(text, start, end)
    facts += _effects(text, start, end)
    taken = [(f.span.start, f.span.end) for f in facts]
    facts += [f for f in _percentages(text, start, end) if not _inside(f, taken)]
    facts += [f for f in find_durations(text, start, end) if not _inside(f, taken)]
    return sorted(facts, key=lambda f: f.span.start)


def _inside(fact: Fact, taken: list[tuple[int, int]]) -> bool:
    return any(a <= fact.span.start < b for a, b in taken)


def _p_values(text: str, start: int, end: int) -> list[Fact]:
    return [
        make_fact("p_value", text, m.start(), m.end(), parse_decimal(m.group(2) or m.group(3)))
        for m in _P_VALUE.finditer(text, start, end)
    ]


def _confidence_intervals(text: str, start: int, end: int) -> list[Fact]:
    out = []
    for m in _CI.finditer(text, start, end):
        low, high = parse_decimal(m.group(2)), parse_decimal(m.group(3))
        out.append(make_fact("confidence_interval", text, m.start(), m.end(),
                             f"{_fmt(low)} to {_fmt(high)}"))
    return out


def _effects(text: str, start: int, end: int) -> list[Fact]:
    out = []
    for m in _EFFECT.finditer(text, start, end):
        number = _EFFECT_VALUE.search(m.group())
        value = parse_decimal(number.group()) if number else None
        kind = m.lastgroup or "effect_size"
        if kind.endswith("ratio") and (value is None or not 0 <= value <= _LARGEST_RATIO):
            continue  # "HR 72" is a heart rate, not a hazard ratio
        out.append(make_fact(kind, text, m.start(), m.end(), value))
    return out


def _percentages(text: str, start: int, end: int) -> list[Fact]:
    return [
        make_fact("percentage", text, m.start(), m.end(), parse_decimal(m.group(1)))
        for m in _PERCENT.finditer(text, start, end)
    ]


def find_durations(text: str, start: int = 0, end: int | None = None) -> list[Fact]:
    """"12 weeks", "6-month", "two years" → facts valued in days; ages are skipped."""
    out = []
    for unit_match in _DURATION_UNIT.finditer(text, start, len(text) if end is None else end):
        m = _DURATION_AMOUNT.search(text, max(start, unit_match.start() - 40), unit_match.start())
        if not m or _AGE_BEFORE.search(text, max(0, m.start() - 40), m.start()):
            continue
        raw = m.group(1)
        amount = parse_decimal(raw) if "." in raw else parse_count(raw)
        unit = unit_match.group(1).lower().rstrip("s")
        if amount is None or unit not in _DAYS:
            continue
        out.append(make_fact("duration", text, m.start(), unit_match.end(), round(amount * _DAYS[unit], 2)))
    return out


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"
