"""Doses: "400 mg three times daily", "up to 3600 mg/day", "900 to 1600 mg daily", "10 mg/kg".

A dose is an amount (or a range, or "up to" a maximum) with a dose unit, an optional per-body
part (``/kg``, ``/m2``) and an optional frequency. A time in the unit ("mg/day") becomes the
frequency ("daily"). Concentrations such as "mg/dL" or "mmol/L" are measurements, not doses.
"""

from __future__ import annotations

import re

from ..models import Dose
from ._text import make_span, parse_decimal

_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_UNIT = r"mg|g|mcg|µg|μg|ug|ng|IU|U|units?|mL|ml|mmol|mEq|meq|kcal|puffs?|drops?|tablets?|capsules?|sprays?"
_PER_BODY = r"kg|m2|m\(2\)|m²|kg\s*(?:body weight|bw)"
_PER_TIME = r"day|d|24\s*h|dose|week|wk|h|hr|hour|night|month"
_FREQUENCY = (
    r"(?:once|twice|thrice|one|two|three|four|five|six|\d+)(?:\s*(?:to|-|or)\s*(?:two|three|four|\d+))?"
    r"\s*(?:times?\s*)?(?:daily|a day|per day|/day|a week|per week|weekly|a month|monthly)"
    r"|daily|nightly|weekly|monthly|every\s+(?:other\s+day|\d+\s*(?:-\s*\d+\s*)?(?:hours?|h|days?|weeks?|months?))"
    r"|at bedtime|per day|a day|b\.?i\.?d\.?|t\.?i\.?d\.?|q\.?i\.?d\.?|q\.?d\.?|o\.?d\.?|bid|tid|qid|qd"
)
_DOSE = re.compile(
    rf"(?<![\w.])(?P<upto>up to\s+|maximum of\s+|at most\s+)?"
    rf"(?:(?P<times>\d+)\s*[x×]\s*)?(?P<amount>{_AMOUNT})"
    rf"(?:\s*(?:-|–|to)\s*(?P<high>{_AMOUNT}))?\s*(?P<unit>{_UNIT})"
    rf"(?:\s*/\s*(?P<body>{_PER_BODY}))?(?:\s*(?:/|per)\s*(?P<time>{_PER_TIME}))?\b"
    rf"(?!\s*/\s*(?:d?l|ml|min|s)\b|\s*/\s*L\b)"
    rf"(?:\s*,?\s*(?P<freq>{_FREQUENCY})(?![\w]))?",
    re.IGNORECASE,
)
_LARGEST_BARE_GRAMS = 20.0  # "0.5 g" is a dose; "250 g rats" is a body weight
_ABBREVIATED = {"bid": "twice daily", "tid": "three times daily", "qid": "four times daily",
                "qd": "daily", "od": "daily"}
_TIME_WORDS = {"day": "daily", "d": "daily", "24h": "daily", "week": "weekly", "wk": "weekly",
               "month": "monthly", "night": "nightly", "dose": "per dose", "h": "hourly",
               "hr": "hourly", "hour": "hourly"}
_UNIT_NAMES = {"mcg": "µg", "μg": "µg", "ug": "µg", "ml": "mL", "meq": "mEq", "unit": "units",
               "u": "U", "iu": "IU"}


def find_doses(text: str, start: int = 0, end: int | None = None) -> list[Dose]:
    """Every dose in ``text[start:end]``, with amount, range, unit and frequency."""
    doses = []
    for m in _DOSE.finditer(text, start, len(text) if end is None else end):
        dose = _dose(text, m)
        if dose is not None:
            doses.append(dose)
    return doses


def _dose(text: str, m: re.Match[str]) -> Dose | None:
    amount = parse_decimal(m.group("amount"))
    high = parse_decimal(m.group("high")) if m.group("high") else None
    if amount is None or _bare_unit(m, amount):
        return None
    unit = _unit(m.group("unit"), m.group("body"))
    frequency = _frequency(m.group("freq"), m.group("time"), m.group("times"))
    span = make_span(text, m.start(), m.end())
    if m.group("upto"):
        amount, high = None, high or amount
    return Dose(text=span.text, amount=amount, amount_max=high, unit=unit, frequency=frequency, span=span)


def _bare_unit(m: re.Match[str], amount: float) -> bool:
    """"200 g" (a weight), "3 U" or "5 mL" alone are rarely doses: they need some dose context."""
    unit = m.group("unit").lower()
    if unit not in ("g", "u", "units", "unit", "ml"):
        return False
    if m.group("freq") or m.group("time") or m.group("body") or m.group("times"):
        return False
    return not (unit == "g" and amount <= _LARGEST_BARE_GRAMS)


def _unit(unit: str, body: str | None) -> str:
    base = _UNIT_NAMES.get(unit.lower(), unit if unit in ("IU", "U", "mL") else unit.lower())
    if body:
        body = "m2" if body.startswith("m") else "kg"
        return f"{base}/{body}"
    return base


def _daily(freq: str) -> str:
    """"twice a day", "2 times per day", "3 times/day" → "twice daily", "2 times daily" ..."""
    return re.sub(r"\s*(?:\b(?:a|per) day\b|/day)", " daily", freq).strip()


def _frequency(freq: str | None, per_time: str | None, times: str | None) -> str | None:
    if freq:
        key = freq.lower().replace(".", "").replace(" ", "")
        return _ABBREVIATED.get(key) or _daily(re.sub(r"\s+", " ", freq.lower()))
    if per_time:
        return _TIME_WORDS.get(re.sub(r"\s+", "", per_time.lower()), per_time.lower())
    if times:
        return f"{times} times"
    return None
