"""General vocabularies (scales, conditions, populations, adverse effects) and a fast matcher.

A vocabulary file in ``analyse/data/`` has one entry per line::

    canonical name | alias | alias      # comment

Matching is on whole words. Aliases written without lower-case letters and at most six
characters long (``MS``, ``COPD``, ``VAS``, ``SF-36``) are abbreviations and match with their
case; everything else matches case-insensitively, with spaces and hyphens interchangeable and a
plural form added for single lower-case words and phrases ending in a letter. The aliases are
compiled into one trie-shaped regular expression, so a scan costs about one pass over the text
however long the list is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

_SEP = "\x00"  # stands for "one or more spaces or hyphens" inside a trie key


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    text: str
    canonical: str


def _is_abbreviation(alias: str) -> bool:
    return len(alias) <= 6 and not any(c.islower() for c in alias) and any(c.isupper() for c in alias)


def _key(text: str) -> str:
    return re.sub(r"[\s\-]+", _SEP, text.strip())


def _plural(alias: str) -> str | None:
    if not alias[-1:].isalpha() or alias[-1] == "s":
        return None
    if alias.endswith("y") and alias[-2:-1] not in "aeiou":
        return alias[:-1] + "ies"
    return alias + "s"


def _trie_regex(keys: list[str]) -> str:
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict) -> str:
    ending = "" in node
    branches = [
        (r"[\s\-]+" if char == _SEP else re.escape(char)) + _node_regex(child)
        for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ending:
        return f"(?:{body})?"
    return body


class Vocabulary:
    """Whole-word matcher from aliases to canonical names."""

    def __init__(self, entries: dict[str, list[str]], *, plurals: bool = True) -> None:
        self._exact: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        for canonical, aliases in entries.items():
            for alias in [canonical, *aliases]:
                self._add(alias, canonical, plurals)
        self._recent: list[tuple[tuple[str, int], list[Match]]] = []
        self._exact_re = self._compile(self._exact, 0)
        self._folded_re = self._compile(self._folded, re.IGNORECASE)
        # Case-sensitive forms without the leading look-behind: the regex engine can then skip
        # to positions whose first character starts some key (several times faster); the
        # word-start test is done in Python. Folded keys are matched on the lower-cased text.
        self._exact_fast = self._compile_fast(self._exact)
        self._folded_fast = self._compile_fast(self._folded)

    def _add(self, alias: str, canonical: str, plurals: bool) -> None:
        if _is_abbreviation(alias):
            self._exact.setdefault(_key(alias), canonical)
            return
        self._folded.setdefault(_key(alias.lower()), canonical)
        plural = _plural(alias.lower()) if plurals else None
        if plural:
            self._folded.setdefault(_key(plural), canonical)

    @staticmethod
    def _compile(table: dict[str, str], flags: int) -> re.Pattern[str] | None:
        if not table:
            return None
        pattern = _trie_regex(sorted(table))
        return re.compile(rf"(?<![\w\-])(?:{pattern})(?![\w]|-\w)", flags)

    @staticmethod
    def _compile_fast(table: dict[str, str]) -> re.Pattern[str] | None:
        if not table:
            return None
        return re.compile(rf"(?:{_trie_regex(sorted(table))})(?![\w]|-\w)")

    def find(self, text: str, offset: int = 0) -> list[Match]:
        """All longest, non-overlapping matches in ``text``; offsets shifted by ``offset``.

        The last few results are remembered: several extractors scan the same abstract.
        """
        key = (text, offset)
        for seen, result in self._recent:
            if seen == key:
                return list(result)
        result = self._find(text, offset)
        self._recent = [(key, result), *self._recent[:3]]
        return list(result)

    def _find(self, text: str, offset: int) -> list[Match]:
        found: list[Match] = []
        lowered = text.lower()
        if len(lowered) != len(text):  # lower-casing changed offsets (rare scripts): slow path
            return self._find_slow(text, offset)
        for regex, table, haystack in ((self._folded_fast, self._folded, lowered),
                                       (self._exact_fast, self._exact, text)):
            for start, end in _word_matches(regex, haystack):
                canonical = table.get(_key(haystack[start:end]))
                if canonical:
                    found.append(Match(start + offset, end + offset, text[start:end], canonical))
        return _longest_first(found)

    def _find_slow(self, text: str, offset: int) -> list[Match]:
        found: list[Match] = []
        for regex, table, fold in (
            (self._folded_re, self._folded, True), (self._exact_re, self._exact, False),
        ):
            if regex is None:
                continue
            for m in regex.finditer(text):
                key = _key(m.group().lower() if fold else m.group())
                canonical = table.get(key)
                if canonical:
                    found.append(Match(m.start() + offset, m.end() + offset, m.group(), canonical))
        return _longest_first(found)

    def canonical(self, phrase: str) -> str | None:
        """The canonical name of ``phrase`` when the whole phrase is an alias."""
        return self._exact.get(_key(phrase)) or self._folded.get(_key(phrase.lower()))


def _word_matches(regex: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    """(start, end) of the matches of ``regex`` that start a word (not after a letter, digit,
    "_" or "-"), as the look-behind in ``_compile`` requires; a match that starts
    inside a word is skipped by one character so that it hides nothing."""
    out: list[tuple[int, int]] = []
    if regex is None:
        return out
    m = regex.search(text)
    while m:
        start = m.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_-"):
            m = regex.search(text, start + 1)
            continue
        out.append((start, m.end()))
        m = regex.search(text, m.end())
    return out


def _longest_first(matches: list[Match]) -> list[Match]:
    chosen: list[Match] = []
    for m in sorted(matches, key=lambda m: (m.start, -(m.end - m.start))):
        if chosen and m.start < chosen[-1].end:
            continue
        chosen.append(m)
    return chosen


def parse_vocabulary(text: str) -> dict[str, list[str]]:
    """``canonical | alias | alias`` lines (``#`` starts a comment) → {canonical: aliases}."""
    entries: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        names = [name.strip() for name in line.split("|") if name.strip()]
        entries.setdefault(names[0], []).extend(names[1:])
    return entries


@cache
def load(name: str, *, plurals: bool = True) -> Vocabulary:
    """The vocabulary in ``analyse/data/<name>.txt`` (compiled once per process)."""
    text = resources.files(__package__).joinpath("data", f"{name}.txt").read_text("utf-8")
    return Vocabulary(parse_vocabulary(text), plurals=plurals)
