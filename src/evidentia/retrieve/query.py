"""Query analysis: a question becomes content terms, a safe FTS5 expression and PICO hints.

    >>> q = analyse_query("Does vitamin D reduce fractures in older adults?")
    >>> q.terms
    ['vitamin', 'd', 'reduce', 'fractures', 'older', 'adults']
    >>> q.is_yes_no, q.intervention, q.outcome, q.population
    (True, ['vitamin d'], ['fractures'], ['older adults'])

Safety: user text never reaches FTS5 as syntax. Terms are runs of letters and digits only, each
is double-quoted (inner quotes doubled) and the clauses are joined with ``OR``, so quotes,
``NOT``/``AND``/``NEAR``, parentheses, ``column:`` filters, ``*``, ``^`` and ``{}`` are plain
words or separators. BM25 does the ranking: a paper matching more (and rarer) terms scores higher.

Hyphenated words (``COVID-19``) give their parts as terms, as the index splits them too (an
extra adjacency phrase for them lowered nDCG@10 on BEIR SciFact train, 0.709 -> 0.704).
Abbreviations written in capitals and British/American spellings add their other forms as
further clauses (see :mod:`.vocabulary`).

A single letter is searched only when it is written against a word (``vitamin D``, ``T cells``,
``c-Myc``); standing alone (``NOT b*``, ``NEAR(c)``) it would match every "b" or "c" in the
library, so it is dropped. The letter stays a term of its own, not a phrase with its word: the
phrases (``"vitamin d"``) lowered nDCG@10 on BEIR SciFact train, 0.709 -> 0.703, as abstracts
write "25-hydroxyvitamin D" and "β-blockers" apart from the question's word.

Symbols (emoji) are read as spaces, so "💊 Does aspirin help headache?" parses as the question
without it; ``question`` keeps the text as asked.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

from ..analyse.question import strip_symbols
from ..errors import QueryError
from ..models import QueryAnalysis
from .vocabulary import (
    AUXILIARIES,
    CAPITALISED_KEEP,
    LEADING_FILLERS,
    STOPWORDS,
    abbreviation_expansions,
    spelling_variants,
)

MAX_FTS_TERMS = 64  # clauses in one FTS expression; more only slows the search down

_COMPOUND = re.compile(r"[^\W_]+(?:(?:-|(?<=\d)\.(?=\d))[^\W_]+)*")
_PART = re.compile(r"[^\W_]+")
_POSSESSIVE = re.compile(r"(?<=[^\W_])['\u2019\u02bc]s\b")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def analyse_query(question: str, *, max_chars: int = 2000) -> QueryAnalysis:
    """Terms, a safe FTS5 query, the yes/no flag and PICO hints for a question.

    An empty or all-stopword question gives ``fts_query == ""`` (nothing to search for); a
    question longer than ``max_chars`` raises :class:`QueryError`.
    """
    if len(question) > max_chars:
        raise QueryError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,}",
            hint="shorten it, or raise retrieve.max_query_chars",
        )
    text = normalise(question)
    words = _words(text)
    terms = _content_terms(words)
    pico = pico_hints(text)
    return QueryAnalysis(
        question=question,
        terms=terms,
        fts_query=build_fts_query(terms, words, attached_letters(text)),
        is_yes_no=is_yes_no(text),
        intervention=pico["intervention"],
        outcome=pico["outcome"],
        population=pico["population"],
    )


def normalise(question: str) -> str:
    """NFKC; control characters, symbols (emoji) and possessive ``'s`` removed; whitespace
    collapsed."""
    text = unicodedata.normalize("NFKC", question)
    text = _CONTROL.sub(" ", text)
    text = _POSSESSIVE.sub("", text)
    return strip_symbols(text)


# --------------------------------------------------------------------------- terms


def _words(text: str) -> list[str]:
    """Words as written (case kept), hyphenated compounds whole: ``["Does", "COVID-19", ...]``."""
    return _COMPOUND.findall(text)


def _is_content(part: str) -> bool:
    """Not a stopword, unless written in capitals as an abbreviation (``NO``, ``US``)."""
    lower = part.lower()
    if lower not in STOPWORDS:
        return True
    return part.isupper() and len(part) > 1 and lower in CAPITALISED_KEEP


def _content_terms(words: list[str]) -> list[str]:
    terms: dict[str, None] = {}
    for word in words:
        for part in _PART.findall(word):
            if _is_content(part):
                terms.setdefault(part.lower(), None)
    return list(terms)


def quote(text: str) -> str:
    """An FTS5 string: the text in double quotes with inner double quotes doubled."""
    return '"' + text.replace('"', '""') + '"'


def build_fts_query(
    terms: list[str], words: list[str], letters: set[str] | None = None
) -> str:
    """``"t1" OR "t2" OR "variant" OR "expansion phrase"``; ``""`` when there are no terms.

    A single letter among ``terms`` is kept only when it is among ``letters``, those written
    against a word (see :func:`attached_letters`).
    """
    clauses: dict[str, None] = {}
    for term in terms[:MAX_FTS_TERMS]:
        if _is_letter(term) and term not in (letters or set()):
            continue
        clauses.setdefault(quote(term), None)
        for variant in spelling_variants(term):
            clauses.setdefault(quote(variant), None)
    for word in words:
        if word.isupper():
            for expansion in abbreviation_expansions(word):
                clauses.setdefault(quote(expansion), None)
    return " OR ".join(list(clauses)[: MAX_FTS_TERMS * 2])


def _is_letter(part: str) -> bool:
    return len(part) == 1 and part.isalpha()


_TOKEN = re.compile(r"[^\W_]+")
# What may lie between a letter and its word: "c-Myc", "G34R/V", "vitamin D", "H. pylori".
_JOINED = re.compile(r"[-/]|\.?\s+")


def attached_letters(text: str) -> set[str]:
    """The single letters (lower case) written against a content word: "vitamin D", "T cells",
    "c-Myc", "G34R/V", "H. pylori"; not ``b`` in ``NOT b*`` nor ``c`` in ``NEAR(c)``.

    A neighbour counts when only a hyphen, a slash or spaces (after a full stop) lie between
    them; a stopword or another single letter is no neighbour.
    """
    matches = list(_TOKEN.finditer(text))
    tokens = [match.group() for match in matches]
    gaps = [text[left.end() : right.start()] for left, right in pairwise(matches)]
    attached: set[str] = set()
    for index, token in enumerate(tokens):
        if _is_letter(token) and _is_content(token) and (
            _joins(tokens, gaps, index - 1, index - 1) or _joins(tokens, gaps, index + 1, index)
        ):
            attached.add(token.lower())
    return attached


def _joins(tokens: list[str], gaps: list[str], neighbour: int, gap: int) -> bool:
    """The token at ``neighbour`` is a content word and ``gaps[gap]`` may join a letter to it."""
    if not 0 <= neighbour < len(tokens):
        return False
    word = tokens[neighbour]
    return not _is_letter(word) and _is_content(word) and bool(_JOINED.fullmatch(gaps[gap]))


# --------------------------------------------------------------------------- question shape


def is_yes_no(text: str) -> bool:
    """True for questions a study can answer yes or no to ("Does X ...?", "In Z, is X ...?")."""
    words = text.lower().split()
    if not words:
        return False
    if words[0].strip("\"'(") in AUXILIARIES:
        return True
    if not text.rstrip().endswith("?"):
        return False
    clause = re.search(r"[,;:]\s*(\w+)", text.lower())
    return bool(clause and clause.group(1) in AUXILIARIES)


_AUX = "|".join(sorted(AUXILIARIES))
_EFFECT_VERBS = (
    r"help|reduce|improve|increase|decrease|prevent|treat|cause|lower|raise|affect|relieve|"
    r"alleviate|worsen|slow|delay|protect|lead|benefit|shorten|extend|enhance|boost|cure|"
    r"control|ease|impair|promote|induce|inhibit|suppress|restore|accelerate|modify|predict|"
    r"influence|change|alter|limit|lessen|mitigate|attenuate|aggravate|trigger|speed"
)
_VERB = rf"(?:{_EFFECT_VERBS})(?:s|es|ed|d)?"
_TAIL = r"(?:\s+(?:in|among|amongst)\s+(?P<z>.+))?"
_PATTERNS = [
    # What is the effect of X on Y (in Z)?
    (
        rf"^(?:what|which|how)\s+(?:is|are|was|were)\s+(?:the\s+)?(?:\w+\s+)?(?:effects?|"
        rf"impacts?|influence|role|benefits?|efficacy|effectiveness|safety)\s+of\s+(?P<x>.+?)"
        rf"(?:\s+(?:on|for)\s+(?P<y>.+?))?{_TAIL}$"
    ),
    # Does X have an effect on Y (in Z)?
    (
        rf"^(?:{_AUX})\s+(?P<x>.+?)\s+(?:have|has)\s+(?:an?\s+|any\s+)?(?:\w+\s+)?(?:effects?|"
        rf"impacts?|influence|role)\s+(?:on|in)\s+(?P<y>.+?){_TAIL}$"
    ),
    # Does X reduce/help with Y (in Z)?
    rf"^(?:{_AUX})\s+(?P<x>.+?)\s+{_VERB}(?:\s+(?:with|against|to|from))?\s+(?P<y>.+?){_TAIL}$",
    # Is X (more) effective (than W) for Y / associated with Y / a risk factor for Y (in Z)?
    (
        rf"^(?:{_AUX})\s+(?P<x>.+?)\s+(?:(?:an?\s+)?(?:more\s+|less\s+)?(?:effective|"
        rf"efficacious|safe|beneficial|useful|helpful|good|harmful|bad|superior|inferior)\s+"
        rf"(?:(?:than|to)\s+(?P<w>.+?)\s+)?(?:for|in|against|at|to|as)|"
        rf"(?:associated|linked|related|correlated)\s+(?:with|to)|"
        rf"(?:an?\s+)?(?:risk\s+factor|cause|treatment|therapy|cure)\s+(?:for|of))"
        rf"\s+(?P<y>.+?){_TAIL}$"
    ),
    # X versus W (for Y)
    (
        r"^(?P<x>.+?)\s+(?:vs\.?|versus|compared\s+(?:with|to))\s+(?P<w>.+?)"
        r"(?:\s+(?:for|in)\s+(?P<y>.+))?$"
    ),
]
_COMPILED = [re.compile(pattern) for pattern in _PATTERNS]
_FOR_PATTERN = re.compile(r"^(?P<x>.+?)\s+for\s+(?P<y>.+?)" + _TAIL + "$")
_LEADING_POPULATION = re.compile(r"^(?:in|among|amongst|for)\s+(?P<z>[^,]+),\s*(?P<rest>.+)$")
_SPLIT = re.compile(r"\s*(?:,|;|/|\band\b|\bor\b|\bvs\.?|\bversus\b)\s*")


def pico_hints(text: str) -> dict[str, list[str]]:
    """Intervention, outcome and population phrases from the question's shape (may be empty).

    Each is a list of lower-case phrases with outer stopwords trimmed; lists split on
    ``and``/``or``/commas. Only general shapes are recognised (see ``_PATTERNS``).
    """
    hints: dict[str, list[str]] = {"intervention": [], "outcome": [], "population": []}
    clean = text.lower().rstrip(" ?!.")
    leading = _LEADING_POPULATION.match(clean)
    if leading:
        hints["population"] = _phrases(leading.group("z"))
        clean = leading.group("rest")
    found = _match_shape(clean)
    if found:
        hints["intervention"] = _phrases(found.get("x")) + _phrases(found.get("w"))
        hints["outcome"] = _phrases(found.get("y"))
        hints["population"] += _phrases(found.get("z"))
    return hints


def _match_shape(clean: str) -> dict[str, str] | None:
    for pattern in _COMPILED:
        match = pattern.match(clean)
        if match:
            return {key: value for key, value in match.groupdict().items() if value}
    first = clean.split(" ", 1)[0]
    if first not in AUXILIARIES and first not in STOPWORDS:
        match = _FOR_PATTERN.match(clean)  # "acupuncture for low back pain"
        if match:
            return {key: value for key, value in match.groupdict().items() if value}
    return None


def _phrases(chunk: str | None) -> list[str]:
    phrases: list[str] = []
    for piece in _SPLIT.split(chunk or ""):
        words = [word.lower() for word in _words(piece)]
        while words and (words[0] in STOPWORDS or words[0] in LEADING_FILLERS):
            words.pop(0)
        while words and words[-1] in STOPWORDS:
            words.pop()
        phrase = " ".join(words)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return phrases
