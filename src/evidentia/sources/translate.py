"""From a question's ``QueryAnalysis`` to each source's query syntax.

Concept groups are the analysis's intervention, outcome and population terms: OR within a
group, AND between groups. Each source gets a short list of queries, strictest first; the
client moves to the next only when one finds nothing:

1. the concept groups with each term as a quoted phrase (with no groups, every term ANDed);
2. the same with each phrase split into words ANDed (``"vitamin" AND "d"``), when that differs;
3. every term ORed: the source's relevance ranking does the rest.

User text never reaches a query as syntax: each term is reduced to letters, digits and a few
joiners (``-``, ``'``, ``.``, ``+``) and then quoted; boolean words and field tags are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from ..models import QueryAnalysis

MAX_TERMS = 12
MAX_TERM_CHARS = 80
_OPERATOR_WORDS = frozenset({"and", "or", "not", "near", "to"})
# For a bare question with no analysis only: general English function words.
_STOPWORDS = frozenset((
    "a an the is are was were be been being do does did can could should would will may might"
    " must of in on at for to from by with without about into than then there this that these"
    " those it its as or and not no what which who whom whose when where why how any some"
).split())
_UNSAFE = re.compile(r"[^\w\s\-'.+]")
# A joiner only counts inside a word: "covid-19", "5-ht", "o'brien", "1.5", "cd4+".
_LOOSE_JOINERS = re.compile(r"(?<![\w])[\-'.]+|[\-'.]+(?![\w])")

Quote = Callable[[str], str]


def clean_term(text: str) -> str:
    """A term safe to put between double quotes in any source's syntax ("" when nothing is left)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _UNSAFE.sub(" ", text.replace("_", " "))
    text = _LOOSE_JOINERS.sub(" ", text)
    words = [w for w in text.split() if w.lower() not in _OPERATOR_WORDS]
    return " ".join(words)[:MAX_TERM_CHARS].strip()


def _unique(terms: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for term in terms:
        cleaned = clean_term(term)
        if cleaned:
            seen.setdefault(cleaned.casefold(), cleaned)
    return list(seen.values())[:MAX_TERMS]


def concept_groups(query: QueryAnalysis) -> list[list[str]]:
    """Non-empty groups among intervention, outcome and population, each cleaned."""
    groups = [_unique(g) for g in (query.intervention, query.outcome, query.population)]
    return [g for g in groups if g]


def all_terms(query: QueryAnalysis) -> list[str]:
    """The analysis's terms, then any group term they miss; with no terms, the question's words."""
    terms = _unique(query.terms + query.intervention + query.outcome + query.population)
    return terms or _unique([w for w in query.question.split() if w.casefold() not in _STOPWORDS])


def boolean_tiers(query: QueryAnalysis, quote: Quote) -> list[str]:
    """The strict, word-AND and any-term query strings for one source's ``quote`` rule."""
    groups = concept_groups(query) or [[term] for term in all_terms(query)]
    tiers = [
        " AND ".join(_group(group, quote) for group in groups),
        " AND ".join(_group(group, quote, split=True) for group in groups),
        " OR ".join(quote(term) for term in all_terms(query)),
    ]
    return _distinct([tier for tier in tiers if tier])


def _group(terms: list[str], quote: Quote, *, split: bool = False) -> str:
    """``"a" OR "b c"``, or with ``split`` ``"a" OR ("b" AND "c")``; parenthesised when needed."""
    parts = [_words(term, quote) if split else quote(term) for term in terms]
    inner = " OR ".join(parts)
    return f"({inner})" if len(parts) > 1 else inner


def _words(term: str, quote: Quote) -> str:
    words = term.split()
    joined = " AND ".join(quote(word) for word in words)
    return f"({joined})" if len(words) > 1 else joined


def _distinct(queries: list[str]) -> list[str]:
    return list(dict.fromkeys(queries))


# --------------------------------------------------------------------------- per source


def pubmed_queries(query: QueryAnalysis, *, require_abstract: bool) -> list[str]:
    """ESearch ``term`` values: ``"term"[tiab]`` phrases."""
    suffix = " AND hasabstract" if require_abstract else ""
    return [_wrap(q, suffix) for q in boolean_tiers(query, lambda t: f'"{t}"[tiab]')]


def europepmc_queries(query: QueryAnalysis, *, require_abstract: bool) -> list[str]:
    """Europe PMC ``query`` values: ``TITLE_ABS:"term"`` phrases."""
    suffix = " AND HAS_ABSTRACT:y" if require_abstract else ""
    return [_wrap(q, suffix) for q in boolean_tiers(query, lambda t: f'TITLE_ABS:"{t}"')]


def openalex_searches(query: QueryAnalysis) -> list[str]:
    """OpenAlex ``search`` values: quoted phrases with upper-case AND/OR (title, abstract, text)."""
    return boolean_tiers(query, lambda t: f'"{t}"')


def _wrap(query: str, suffix: str) -> str:
    return f"({query}){suffix}" if suffix else query
