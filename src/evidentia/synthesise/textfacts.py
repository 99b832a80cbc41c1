"""Numbers, doses and scale names as they appear in text: what the faithfulness check compares.

A report sentence may only state a number, a dose or a scale name that a cited paper states too.
Numbers are compared by value, so ``"six"`` matches ``6``, ``"1,200"`` matches ``1200`` and
``"0·05"`` matches ``.05``. Counts of the report's own studies (``"6 of 9 studies"``, ``"2
randomised controlled trials"``) are the synthesiser's arithmetic, not claims about a paper, and
are left out of the comparison (see ``count_spans``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..models import DESIGN_LABELS

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
NUMBER_WORDS = set(UNITS) | set(TENS) | {"hundred", "thousand"}

_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:[.·]\d+)?|(?<![\w.·])[.·]\d+"
DIGIT_RE = re.compile(rf"(?<![\d.·,])(?:{_DIGITS})")
# "70 388 people": the whole count is a number the paper states too (the analyser reads it so).
_SPACED_THOUSANDS = re.compile(r"(?<![\d.,])\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d|[.,]\d)")
WORD_RE = re.compile(r"[A-Za-z]+")
CITATION_MARKER_RE = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")

# Units a dose is written in. Longest first so "mg/kg/day" wins over "mg".
_DOSE_UNITS = (
    r"mg/kg/d(?:ay)?|mg/kg|mg/d(?:ay)?|g/d(?:ay)?|IU/d(?:ay)?|µg/d(?:ay)?|mcg/d(?:ay)?|"
    r"mg|mcg|µg|μg|ug|ng|g|IU|iu|mL|ml|mmol|µmol|mEq|units?"
)
DOSE_RE = re.compile(rf"(?<![\w.·])({_DIGITS})[\s-]?({_DOSE_UNITS})(?![\w/])")

# Well-known outcome scales by abbreviation (a general vocabulary, not tied to any topic).
SCALE_ACRONYMS = frozenset({
    "VAS", "NRS", "MAS", "EDSS", "HAM-D", "HAMD", "HDRS", "HAM-A", "MADRS", "BDI", "BDI-II",
    "PHQ-9", "GAD-7", "WOMAC", "SF-36", "SF-12", "EQ-5D", "MMSE", "MoCA", "ADAS-Cog", "PANSS",
    "UPDRS", "MDS-UPDRS", "NIHSS", "mRS", "FIM", "ODI", "PSQI", "ISI", "ESS", "CGI", "CGI-I",
    "CGI-S", "YMRS", "CDR", "NPI", "KOOS", "DAS28", "HAQ", "BPI", "MPQ", "PCS", "CES-D", "STAI",
    "PSS", "AUDIT", "CAPS", "PCL-5", "Y-BOCS", "ADHD-RS", "CBCL", "ABC", "GCS", "APACHE",
    "SOFA", "KPS", "ECOG", "FACT-G", "QLQ-C30", "DLQI", "PASI", "SCORAD", "EASI", "IPSS",
    "IIEF", "FSFI", "NYHA", "SGRQ", "CAT", "ACT", "ACQ", "BMI",
})
_ACRONYM_RE = re.compile(r"(?<![\w-])[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![\w-])")
SCALE_PHRASE_RE = re.compile(
    r"\b((?:[A-Z][\w'’-]*\s+){1,5}(?:[Ss]cale|[Ss]core|[Ii]ndex|[Ii]nventory|"
    r"[Qq]uestionnaire|[Tt]est|[Aa]ssessment))\b"
)
_LEADING_ARTICLE_RE = re.compile(r"^(?:The|A|An|On|In|With|Using|By)\s+")


def _plural(label: str) -> str:
    last = label.rsplit(" ", 1)[-1]
    if last.endswith("ysis"):
        return label[: -len("ysis")] + "yses"
    if last.endswith("series"):
        return label
    if last.endswith("y"):
        return label[:-1] + "ies"
    return label + "s"


def _count_nouns() -> str:
    labels = set(DESIGN_LABELS.values()) | {"study", "trial", "paper", "report", "review",
                                            "survey", "guideline"}
    forms = {form for label in labels for form in (label, _plural(label))}
    return "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))


_NUMBER_TOKEN = rf"(?:\d+|(?:{'|'.join(sorted(NUMBER_WORDS, key=len, reverse=True))})(?:-\w+)?)"
_COUNT_ADJECTIVES = (
    r"more|further|additional|other|relevant|included|retrieved|human|animal|clinical|"
    r"controlled|observational|small|large|placebo-controlled|crossover|double-blind|"
    r"single-blind|open-label|pilot|randomised|randomized|laboratory|published|lab|expert"
)
COUNT_RE = re.compile(
    rf"\b(?P<n>{_NUMBER_TOKEN})(?:\s+of\s+(?:the\s+)?(?P<m>{_NUMBER_TOKEN}))?"
    rf"(?:\s+(?:{_COUNT_ADJECTIVES}))*\s+(?:{_count_nouns()})\b",
    re.IGNORECASE,
)


def to_decimal(text: str) -> Decimal | None:
    cleaned = text.replace(",", "").replace("·", ".")
    try:
        return Decimal(cleaned).normalize()
    except InvalidOperation:
        return None


def strip_citation_markers(text: str) -> str:
    return CITATION_MARKER_RE.sub(" ", text)


def count_spans(text: str) -> list[tuple[int, int]]:
    """Where the text counts the report's own studies ("6 of 9 studies")."""
    return [match.span() for match in COUNT_RE.finditer(text)]


def _inside(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)


def digit_numbers(text: str) -> list[tuple[str, int]]:
    """(as written, offset) of every number written in digits."""
    return [(match.group(), match.start()) for match in DIGIT_RE.finditer(text)]


def word_numbers(text: str) -> list[tuple[Decimal, str, int]]:
    """(value, as written, offset) of every number written in words: "twenty-five" -> 25."""
    tokens = list(WORD_RE.finditer(text))
    found: list[tuple[Decimal, str, int]] = []
    index = 0
    while index < len(tokens):
        value, stop = _parse_number_words(text, tokens, index)
        if stop > index:
            start, end = tokens[index].start(), tokens[stop - 1].end()
            found.append((Decimal(value), text[start:end], start))
            index = stop
        else:
            index += 1
    return found


def _parse_number_words(text: str, tokens: list[re.Match[str]], index: int) -> tuple[int, int]:
    """Read one number from tokens[index:]: (value, index after it); stop == index if none."""
    total, current, position = 0, 0, index
    while position < len(tokens):
        word = tokens[position].group().lower()
        if position > index and not re.fullmatch(r"[\s-]+", _gap(text, tokens, position)):
            break
        if word == "and" and current >= 100 and _next_is_number(tokens, position):
            position += 1  # "one hundred and twenty"
            continue
        if word in UNITS or word in TENS:
            current += UNITS.get(word, TENS.get(word, 0))
        elif word == "hundred" and current:
            current *= 100
        elif word == "thousand" and (current or total):
            total, current = (total + current) * 1000, 0
        else:
            break
        position += 1
    while position > index and tokens[position - 1].group().lower() == "and":
        position -= 1
    return total + current, position


def _next_is_number(tokens: list[re.Match[str]], position: int) -> bool:
    following = tokens[position + 1].group().lower() if position + 1 < len(tokens) else ""
    return following in UNITS or following in TENS


def _gap(text: str, tokens: list[re.Match[str]], position: int) -> str:
    return text[tokens[position - 1].end() : tokens[position].start()]


def claim_numbers(text: str) -> list[tuple[Decimal, str]]:
    """Numbers a report sentence states about papers (counts of studies and markers left out)."""
    body = strip_citation_markers(text)
    skip = count_spans(body)
    out: list[tuple[Decimal, str]] = []
    for written, start in digit_numbers(body):
        value = to_decimal(written)
        if value is not None and not _inside(start, skip):
            out.append((value, written))
    for value, written, start in word_numbers(body):
        if not _inside(start, skip):
            out.append((value, written))
    return out


@lru_cache(maxsize=4096)
def source_numbers(text: str) -> frozenset[Decimal]:
    """Every number value a paper's text states, in digits or in words."""
    values = {to_decimal(written) for written, _ in digit_numbers(text)}
    values.update(Decimal(re.sub(r"\D", "", m.group())) for m in _SPACED_THOUSANDS.finditer(text))
    values.update(value for value, _, _ in word_numbers(text))
    return frozenset(value for value in values if value is not None)


def _dose_key(number: str, unit: str) -> str:
    value = to_decimal(number)
    unit = unit.replace("μ", "µ").replace("mcg", "µg").replace("ug", "µg").lower()
    unit = re.sub(r"/d$", "/day", unit)
    unit = unit.rstrip("s") if unit.startswith("unit") else unit
    return f"{value:f}{unit}"


def doses(text: str) -> list[tuple[str, str]]:
    """(comparison key, as written) of every dose: "400 mg" -> ("400mg", "400 mg")."""
    return [(_dose_key(m.group(1), m.group(2)), m.group()) for m in DOSE_RE.finditer(text)]


@lru_cache(maxsize=4096)
def source_doses(text: str) -> frozenset[str]:
    return frozenset(key for key, _ in doses(text))


def scale_names(text: str) -> list[str]:
    """Scale names a sentence mentions: known abbreviations and "... Scale/Score/Index" phrases."""
    names = [m.group() for m in _ACRONYM_RE.finditer(text) if m.group() in SCALE_ACRONYMS]
    for match in SCALE_PHRASE_RE.finditer(text):
        phrase = _LEADING_ARTICLE_RE.sub("", match.group(1))
        if " " in phrase:
            names.append(phrase)
    return names


WEEKS_PER_UNIT = {"day": 1 / 7, "week": 1.0, "month": 4.35, "year": 52.0}
DURATION_RE = re.compile(
    rf"\b(?:for|over|during|after|lasting)\s+(?P<n>\d+(?:\.\d+)?|{_NUMBER_TOKEN})\s+"
    rf"(?P<unit>day|week|month|year)s?\b|\b(?P<n2>\d+)-(?P<unit2>day|week|month|year)\b",
    re.IGNORECASE,
)


def durations(text: str) -> list[tuple[float, str]]:
    """(weeks, as written) of every stated duration: "for 13 weeks", "a 12-month trial"."""
    out = []
    for match in DURATION_RE.finditer(text):
        number = match.group("n") or match.group("n2")
        unit = (match.group("unit") or match.group("unit2")).lower()
        value = to_decimal(number) if number[0].isdigit() else _word_value(number)
        if value is not None:
            plural = "" if value == 1 else "s"
            out.append((float(value) * WEEKS_PER_UNIT[unit], f"{number} {unit}{plural}"))
    return out


def _word_value(words: str) -> Decimal | None:
    found = word_numbers(words)
    return found[0][0] if found else None


def normalise_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def mentions_scale(name: str, text: str) -> bool:
    if name in SCALE_ACRONYMS:
        return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None
    return normalise_space(name).casefold() in normalise_space(text).casefold()


# --------------------------------------------------------------------------- conditions

# Words that name a disease by their form ("...itis", "... syndrome"), general English only.
_DISEASE_SUFFIX_RE = re.compile(
    r"\b[A-Za-z][a-z]+(?:itis|osis|oses|emia|aemia|pathy|pathies|plegia|algia|omas?)\b"
)
_DISEASE_HEAD_RE = re.compile(
    r"\b(?:[A-Za-z][\w'’-]+\s+)?(?:disease|disorder|syndrome|cancer|injury|failure|deficiency|"
    r"insufficiency|infection)s?\b"
)
_NOT_DISEASE = frozenset({"diagnosis", "prognosis", "apoptosis", "homeostasis", "mitosis",
                          "meiosis", "osmosis", "hypnosis", "symbiosis", "empathy", "sympathy",
                          "stoma", "diploma", "aroma", "soma", "coma", "osteopathy", "stroma",
                          "chiasma", "plasma", "genoma", "idioma"})
_GENERIC_HEAD_LEAD = frozenset({"the", "a", "an", "this", "that", "these", "those", "of", "with",
                                "and", "or", "in", "for", "to", "same", "other", "any", "each",
                                "no", "their", "its", "his", "her", "without", "which"})


def condition_mentions(text: str) -> list[tuple[str, str | None]]:
    """(as written, canonical name or None) of each condition a sentence names: terms of the
    general conditions vocabulary, and words shaped like disease names ("osteoporosis",
    "Parkinson's disease")."""
    from ..analyse.vocab import load  # the shared general vocabulary of conditions

    body = strip_citation_markers(text)
    found = [(match.text, match.canonical) for match in load("conditions").find(body)]
    covered = " ".join(written.casefold() for written, _ in found)
    for regex in (_DISEASE_HEAD_RE, _DISEASE_SUFFIX_RE):
        for match in regex.finditer(body):
            phrase = _trim_lead(match.group())
            if phrase and phrase.casefold() not in covered and \
                    phrase.casefold() not in _NOT_DISEASE:
                found.append((phrase, None))
    return found


def _trim_lead(phrase: str) -> str:
    """The disease words without a lead word that is no part of the name ("included")."""
    words = phrase.split()
    while len(words) > 1 and (words[0].casefold() in _GENERIC_HEAD_LEAD
                              or re.search(r"(?:ed|ing|ly)$", words[0])):
        words.pop(0)
    return " ".join(words)


@lru_cache(maxsize=4096)
def source_conditions(text: str) -> frozenset[str]:
    """Canonical names of the vocabulary conditions a paper's text names."""
    from ..analyse.vocab import load

    return frozenset(match.canonical for match in load("conditions").find(text))


def mentions_condition(written: str, canonical: str | None, text: str) -> bool:
    """The paper names the condition: the same words (a plural 's' aside), or the same
    vocabulary entry under another name ("MS" for "multiple sclerosis")."""
    words = [re.escape(word) for word in written.split()]
    pattern = r"(?<![\w])" + r"[\s-]+".join(words) + r"(?:s|es)?(?![\w])"
    singular = re.sub(r"(?:e?s)$", "", written) if len(written) > 4 else written
    if re.search(pattern, text, re.I) or (singular != written and re.search(
            r"(?<![\w])" + re.escape(singular) + r"(?![\w])", text, re.I)):
        return True
    return canonical is not None and canonical in source_conditions(text)
