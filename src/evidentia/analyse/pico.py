"""PICO spans: participants, interventions and outcomes, tagged by a linear-chain CRF.

The CRF (python-crfsuite) is trained by ``training/train_pico.py`` on EBM-NLP's non-test
abstracts and shipped as ``models/pico.crfsuite``. Each token is described by its own shape and
affixes, its neighbours, the section it sits in (from the structured-abstract label, when there
is one) and whether a general vocabulary (conditions, populations, outcome measures) covers it.
Runs of one label become spans; each span is a ``Fact`` (``participants``, ``intervention``,
``outcome``) whose value is the lower-cased words.

Without the model file or python-crfsuite, ``find_pico`` returns nothing (the rule extractors
still fill ``interventions``, ``population`` and ``outcome_measures``).
"""

from __future__ import annotations

import threading

import json
import logging
import re
from bisect import bisect_left
from functools import cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple

from ..models import Fact, Paper, Sentence
from ._text import dedupe_facts, make_fact
from .sentences import about_this_study, label_role
from .tokens import Token, tokenize
from .vocab import load

LABELS = ("PAR", "INT", "OUT")
KINDS = {"PAR": "participants", "INT": "intervention", "OUT": "outcome"}
MODEL_FILE = "pico.crfsuite"
OUTSIDE_WEIGHT = 0.6  # tuned on a 10% hold-out of the training abstracts (training/train_pico.py)
_SURE_OUTSIDE = 1 / (1 + OUTSIDE_WEIGHT)
_LOG = logging.getLogger(__name__)
_SHAPE_RUNS = re.compile(r"(.)\1+")
_SHAPE_TABLE = str.maketrans({**{c: "x" for c in "abcdefghijklmnopqrstuvwxyz"},
                              **{c: "X" for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
                              **{c: "d" for c in "0123456789"}})
_HEADING = re.compile(r"^[A-Z][A-Z ]{3,}$")
_GAZETTEERS = (("conditions", "CON"), ("populations", "POP"), ("outcome_measures", "MEA"))
# A span must hold a content word; these alone are not participants, interventions or outcomes.
_EMPTY_WORDS = frozenset(
    ["the", "a", "an", "of", "and", "or", "in", "with", "to", "for", "on", "at", "by", "was", "were", "is", "are", "be", "group", "groups", "patients", "subjects", "participants", "treatment", "therapy", "placebo", "control", "controls", "arm", "arms", "both", "each"]
)
_TRIM = re.compile(r"^(?:\W+|(?:the|a|an|of|and|or|in|with|to|for|on|by)\s+)+|"
                   r"(?:\W+|\s+(?:the|a|an|of|and|or|in|with|to|for|on|by|was|were))+$", re.IGNORECASE)


# --------------------------------------------------------------------------- features


@cache
def word_clusters() -> dict[str, list[int]]:
    """Lower-case word -> [coarse, fine] cluster (``training/build_word_clusters.py``)."""
    path = resources.files(__package__).joinpath("models", "word_clusters.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


class _Word(NamedTuple):
    own: tuple[str, ...]  # features of the word itself
    lower: str
    context: tuple[str, ...]  # how it reads as a neighbour: -1, -2, +1, +2, -1k, +1k


_EDGE = _Word((), "<s>", ("-1=<s>", "-2=<s>", "+1=</s>", "+2=</s>", "-1k=<s>", "+1k=</s>"))


@cache
def _word_features(word: str) -> _Word:
    """Everything about one word type that does not depend on its neighbours (cached)."""
    lower = word.lower()
    shape = _SHAPE_RUNS.sub(r"\1", word.translate(_SHAPE_TABLE))
    cluster = word_clusters().get(lower)
    feats = [f"w={lower}", f"s={shape}", f"p3={lower[:3]}", f"x3={lower[-3:]}", f"x4={lower[-4:]}"]
    if cluster:
        feats += [f"c={cluster[0]}", f"k={cluster[1]}"]
    if word.isupper() and len(word) > 1:
        feats.append("UP")
    if word[:1].isupper():
        feats.append("CAP")
    if any(c.isdigit() for c in word):
        feats.append("DIG")
    if "-" in word:
        feats.append("HY")
    kind = f"c{cluster[1]}" if cluster else shape
    context = (f"-1={lower}", f"-2={lower}", f"+1={lower}", f"+2={lower}", f"-1k={kind}", f"+1k={kind}")
    return _Word(tuple(feats), lower, context)


def sentence_features(words: list[str], section: str, index: int,
                      gazetteer: list[str] | None = None) -> list[list[str]]:
    """CRF features for each word of one sentence.

    ``section`` is the sentence's role from its structured label (or ``none``); ``index`` its
    position in the document (0 = title); ``gazetteer`` one vocabulary tag per word ("" or
    "B-CON", "I-POP" ...).
    """
    infos = [_EDGE, _EDGE, *(_word_features(w) for w in words), _EDGE, _EDGE]
    head = [f"sec={section}", f"i={min(index, 4)}"]
    out = []
    for i in range(2, len(infos) - 2):
        word, before, after = infos[i], infos[i - 1], infos[i + 1]
        feats = [*word.own, *head, before.context[0], infos[i - 2].context[1], after.context[2],
                 infos[i + 2].context[3], before.context[4], after.context[5],
                 f"b={before.lower}|{word.lower}", f"a={word.lower}|{after.lower if after is not _EDGE else '</s>'}"]
        if gazetteer and gazetteer[i - 2]:
            feats.append(f"g={gazetteer[i - 2]}")
        out.append(feats)
    return out


def gazetteer_tags(words: list[str]) -> list[str]:
    """"B-CON"/"I-CON" (condition), POP (population), MEA (outcome measure) or "" per word."""
    text = " ".join(words)
    starts, pos = [], 0
    for word in words:
        starts.append(pos)
        pos += len(word) + 1
    tags = [""] * len(words)
    for name, tag in _GAZETTEERS:
        for m in load(name).find(text):
            inside = [i for i, s in enumerate(starts) if m.start <= s < m.end]
            for n, i in enumerate(inside):
                tags[i] = tags[i] or f"{'B' if n == 0 else 'I'}-{tag}"
    return tags


def section_of(label: str | None) -> str:
    return label_role(label) or "none" if label else "none"


def heading_section(words: list[str], current: str) -> tuple[str, int]:
    """A CoNLL sentence that opens with a heading ("OBJECTIVE To ..."): its section and length."""
    taken = 0
    while taken < len(words) and _HEADING.match(words[taken]) and len(words[taken]) > 3:
        taken += 1
    if taken:
        role = label_role(" ".join(words[:taken]))
        if role:
            return role, taken
    return current, 0


# --------------------------------------------------------------------------- tagger


_THREAD = threading.local()  # a CRF tagger holds per-call state: one per thread, never shared


def _tagger():
    if not hasattr(_THREAD, "tagger"):
        _THREAD.tagger = _open_tagger()
    return _THREAD.tagger


def _open_tagger():
    path = Path(str(resources.files(__package__).joinpath("models", MODEL_FILE)))
    try:
        import pycrfsuite
    except ImportError:
        _LOG.warning("python-crfsuite is not installed; PICO spans are not extracted")
        return None
    if not path.is_file():
        _LOG.warning("PICO model %s is missing; run training/train_all.py", path)
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def model_available() -> bool:
    return _tagger() is not None


def tag_words(words: list[str], section: str = "none", index: int = 1,
              gazetteer: list[str] | None = None) -> list[str]:
    """One label per word: ``O``, ``PAR``, ``INT`` or ``OUT``."""
    tagger = _tagger()
    if tagger is None or not words:
        return ["O"] * len(words)
    tagger.set(sentence_features(words, section, index, gazetteer or gazetteer_tags(words)))
    # Posterior decoding with "O" discounted: the crowd-trained CRF under-marks spans, and
    # trading a little precision for recall raised token F1 on held-out training abstracts.
    marginal = tagger.marginal
    labels = []
    for t in range(len(words)):
        outside = marginal("O", t)
        if outside >= _SURE_OUTSIDE:  # no other label can beat the discounted "O"
            labels.append("O")
            continue
        best, score = "O", outside * OUTSIDE_WEIGHT
        for label in LABELS:  # ties go to the first label, as max() over the dict did
            value = marginal(label, t)
            if value > score or (value == score and best == "O"):
                best, score = label, value
        labels.append(best)
    return labels


def find_pico(paper: Paper, sentences: list[Sentence]) -> list[Fact]:
    """Participants, intervention and outcome spans in the title and the abstract's sentences
    about this study (background sentences describe other work)."""
    if _tagger() is None:
        return []
    title_tokens = tokenize(paper.title)
    facts = _spans(paper.title, title_tokens, "none", 0, "title", token_gazetteer(paper.title, title_tokens))
    tokens = tokenize(paper.abstract)
    tags = token_gazetteer(paper.abstract, tokens)
    at = 0
    for sentence in sentences:
        first = at
        while at < len(tokens) and tokens[at].start < sentence.end:
            at += 1
        inside = [i for i in range(first, at) if tokens[i].start >= sentence.start]
        if inside and about_this_study(sentence, len(sentences)):
            facts += _spans(paper.abstract, [tokens[i] for i in inside], section_of(sentence.label),
                            sentence.index + 1, "abstract", [tags[i] for i in inside])
    return dedupe_facts(facts)


def token_gazetteer(text: str, tokens: list[Token]) -> list[str]:
    """``gazetteer_tags`` for tokens with offsets, from one scan of the whole text."""
    tags = [""] * len(tokens)
    starts = [t.start for t in tokens]
    for name, tag in _GAZETTEERS:
        for m in load(name).find(text):
            first = bisect_left(starts, m.start)
            for n, i in enumerate(range(first, bisect_left(starts, m.end))):
                tags[i] = tags[i] or f"{'B' if n == 0 else 'I'}-{tag}"
    return tags


def _spans(text: str, tokens: list[Token], section: str, index: int, field: str,
           gazetteer: list[str]) -> list[Fact]:
    labels = tag_words([t.text for t in tokens], section, index, gazetteer)
    facts, run_start = [], 0
    for i in range(1, len(tokens) + 1):
        if i == len(tokens) or labels[i] != labels[run_start]:
            if labels[run_start] != "O":
                fact = _span_fact(text, tokens[run_start].start, tokens[i - 1].end, labels[run_start], field)
                if fact is not None:
                    facts.append(fact)
            run_start = i
    return facts


def _span_fact(text: str, start: int, end: int, label: str, field: str) -> Fact | None:
    piece = text[start:end]
    trimmed = _TRIM.sub("", piece)
    if not trimmed:
        return None
    start += piece.find(trimmed)
    end = start + len(trimmed)
    words = re.findall(r"[A-Za-z][\w'-]*", trimmed.lower())
    if not any(w not in _EMPTY_WORDS and len(w) > 1 for w in words):
        return None
    value = _outcome_name(trimmed) if label == "OUT" else " ".join(trimmed.lower().split())
    return make_fact(KINDS[label], text, start, end, value, field)  # type: ignore[arg-type]


_SCORE_TAIL = re.compile(r"\s+(?:total\s+)?(?:scores?|ratings?|values?|levels?)$", re.IGNORECASE)


def _outcome_name(span_text: str) -> str:
    """An outcome's name: the vocabulary's display form for a named scale ("MoCA scores" →
    "Montreal Cognitive Assessment"), else the words with their casing as written."""
    words = " ".join(span_text.split())
    vocabulary = load("outcome_measures")
    return vocabulary.canonical(words) or vocabulary.canonical(_SCORE_TAIL.sub("", words)) or words
