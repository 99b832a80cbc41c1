"""Sentence roles for unstructured abstracts, learned from structured ones.

A linear-chain CRF over the sentences of an abstract (python-crfsuite, ``models/roles.crfsuite``)
labels each sentence background, objective, methods, results or conclusions. Its features are
the sentence's words and word pairs (numbers folded to ``0``), its position (first, last,
relative place), numeric and statistical cues, and the cue phrases of ``sentences.py``; the
chain learns the usual order (background, objective, methods, results, conclusions).
``training/train_roles.py`` trains it on structured abstracts with their headings removed.

Without the model file or python-crfsuite, ``predict_roles`` returns None and the cue rules in
``sentences.py`` decide.
"""

from __future__ import annotations

import threading

import itertools
import logging
import re
from importlib import resources
from pathlib import Path

ROLE_MODEL_FILE = "roles.crfsuite"
_LOG = logging.getLogger(__name__)
_WORD = re.compile(r"[a-z][a-z'-]*|\d+(?:\.\d+)?|[%<>=±]")
_STOP = frozenset(["the", "a", "an", "of", "and", "or", "in", "to", "for", "with", "on", "at", "by", "as", "from", "this", "that", "is", "are", "was", "were", "be"])
_CUES = {
    "pval": re.compile(r"\b[Pp]\s*[<>=≤≥]|\bp-value", re.IGNORECASE),
    "ci": re.compile(r"\b9[05]\s?%\s*(?:CI|confidence)", re.IGNORECASE),
    "pct": re.compile(r"\d\s?%"),
    "num": re.compile(r"\d"),
    "we": re.compile(r"^\s*(?:we|here,? we|in this)\b", re.IGNORECASE),
    "past_were": re.compile(r"\b(?:were|was) (?:\w+ed)\b", re.IGNORECASE),
    "question": re.compile(r"\?\s*$"),
}


_CONCLUDING = re.compile(r"\s*(?:in conclusion|in summary|to conclude|to summari[sz]e|we conclude|"
                         r"taken together|overall, (?:these|our|the) (?:results|findings|data))\b", re.IGNORECASE)
# A claim about the study's own results, the way closing sentences state it.
_CLOSING_CLAIM = re.compile(
    r"\b(?:we (?:conclude|propose|suggest)|(?:these|our|the present|this study's|together,? these|"
    r"collectively,? these) (?:results|findings|data|observations|studies|experiments|analyses)|"
    r"(?:this|the present|our) (?:study|work|trial|analysis) (?:suggests|indicates|shows|demonstrates|"
    r"provides|supports|highlights|reveals)|conclude[sd]? that|suggest(?:s|ed|ing)?|"
    r"(?:results|findings|data) (?:suggest|indicate|support|imply))\b", re.IGNORECASE)
_P_VALUE = re.compile(r"\b[Pp]\s*(?:[<>=≤≥]|values? of)\s*0?\.\d+|\bp-values?\b[^.]{0,20}\d", re.IGNORECASE)
_OTHER_NUMBER = re.compile(r"\d+(?:\.\d+)?\s?%|\b\d+(?:\.\d+)?\b")
CLOSING_SENTENCES = 2  # a closing claim in one of the last two sentences is the conclusion
_RESULT = re.compile(r"\b(?:increased|decreased|reduced|improved|fell|rose|lower|higher|differed)\b[^.;]{0,80}"
                     r"\(\s*[Pp]\s*[<=]\s*0?\.\d+", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return ["0" if w[0].isdigit() else w for w in _WORD.findall(text.lower())]


def abstract_features(texts: list[str], cues: list[list[str]] | None = None) -> list[list[str]]:
    """CRF features for each sentence of one abstract, in order (``cues``: ``cue_names`` of each)."""
    from .sentences import cue_names

    cues = cues or [cue_names(text) for text in texts]
    count = len(texts)
    out = []
    for i, text in enumerate(texts):
        words = _words(text)
        feats = [f"w={w}" for w in set(words) if w not in _STOP]
        feats += [f"b={a}_{b}" for a, b in itertools.pairwise(words)]
        feats += [f"f={w}" for w in words[:3]]
        feats += [f"q={min(9, int(10 * i / max(1, count)))}", f"i={min(i, 3)}",
                  f"r={min(count - 1 - i, 3)}", f"n={min(count, 12) // 3}"]
        feats += [name for name, regex in _CUES.items() if regex.search(text)]
        feats += [f"cue={name}" for name in cues[i]]
        out.append(feats)
    return out


_THREAD = threading.local()  # a CRF tagger holds per-call state: one per thread, never shared


def _tagger():
    if not hasattr(_THREAD, "tagger"):
        _THREAD.tagger = _open_tagger()
    return _THREAD.tagger


def _open_tagger():
    path = Path(str(resources.files(__package__).joinpath("models", ROLE_MODEL_FILE)))
    try:
        import pycrfsuite
    except ImportError:
        _LOG.warning("python-crfsuite is not installed; sentence roles come from cue rules")
        return None
    if not path.is_file():
        _LOG.warning("role model %s is missing; run training/train_all.py", path)
        return None
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def predict_roles(texts: list[str]) -> list[str] | None:
    """A role for each sentence of an unstructured abstract, or None without the model."""
    tagger = _tagger()
    if tagger is None or not texts:
        return None
    from .sentences import cue_names

    cues = [cue_names(text) for text in texts]
    roles = tagger.tag(abstract_features(texts, cues))
    # Structured abstracts often file the aim under BACKGROUND, so the model learnt to blur the
    # two; an explicit aim ("We aimed to ...", "To determine whether ...") is the objective.
    roles = [_overrule(_aim_or_background(role, "objective" in cue), text)
             for role, cue, text in zip(roles, cues, texts, strict=True)]
    return [_closing(role, text) if i >= len(texts) - CLOSING_SENTENCES and i > 0 else role
            for i, (role, text) in enumerate(zip(roles, texts, strict=True))]


def _closing(role: str, text: str) -> str:
    """One of the last sentences that states what the results mean ("These findings suggest
    ...", "We conclude ...") is the conclusion, unless it reports statistics itself."""
    if role == "conclusions" or not _CLOSING_CLAIM.search(text):
        return role
    return "results" if has_statistics(text) else "conclusions"


def has_statistics(text: str) -> bool:
    """A p-value and at least one other number: a sentence that reports a result."""
    p_value = _P_VALUE.search(text)
    if not p_value:
        return False
    rest = text[:p_value.start()] + text[p_value.end():]
    return bool(_OTHER_NUMBER.search(rest))


def _aim_or_background(role: str, aim_cue: bool) -> str:
    return "objective" if role == "background" and aim_cue else role


def _overrule(role: str, text: str) -> str:
    """Explicit openers win over the model: "In conclusion, ...", and a statistical result
    ("... fell by 30% (p = 0.01)") is not a method."""
    if _CONCLUDING.match(text):
        return "conclusions"
    if role in ("methods", "background", "objective") and (_RESULT.search(text) or has_statistics(text)):
        return "results"
    return role
