"""Held-out evaluations of the extractors: sentence roles, PICO spans, outcomes, design, sample size.

Each ``eval_*`` function takes the shared data root (and an optional ``limit`` of documents, for
fast tests) and returns ``{metric: value}``. Nothing here is tuned on: the sets are the test
splits named in each docstring.
"""

from __future__ import annotations

from pathlib import Path

from ..analyse import analyse, pico
from ..analyse.roles import predict_roles
from ..analyse.sentences import ROLES, label_role, split_sentences
from ..analyse.tokens import tokenize
from ..models import Paper
from . import datasets
from .extraction import classification, prf, span_match, token_f1


def _limited(items: list, limit: int | None) -> list:
    return items[:limit] if limit else items


# --------------------------------------------------------------------------- sentence roles


def labelled_roles(paper: Paper) -> tuple[list[str], list[str]] | None:
    """(sentence texts, roles from the section labels), or None when a label has no single role."""
    sentences = split_sentences(paper)
    roles = [label_role(s.label) for s in sentences]
    if not sentences or any(role is None for role in roles):
        return None
    return [s.text for s in sentences], roles  # type: ignore[return-value]


def eval_roles(data: Path, limit: int | None = None) -> dict[str, float]:
    """Roles of the sentences of structured abstracts read as if unstructured (labels hidden).

    Test set: Evidence Inference test split + PubMedQA's 500 test items. ``rules.*`` is the cue
    baseline of ``sentences.py`` on the same sentences.
    """
    from ..analyse.sentences import _cue_role  # the baseline, for comparison

    gold, learned, rules = [], [], []
    for paper in _limited(datasets.structured_abstracts(data, "test"), limit):
        pair = labelled_roles(paper)
        if not pair:
            continue
        texts, roles = pair
        gold += roles
        learned += predict_roles(texts) or ["background"] * len(texts)
        previous = None
        for i, text in enumerate(texts):
            previous = _cue_role(text, i, len(texts) - 1, previous)
            rules.append(previous)
    out = classification(gold, learned, ROLES)
    out.update({f"rules.{k}": v for k, v in classification(gold, rules, ROLES).items()
                if k in ("accuracy", "macro_f1")})
    return out


# --------------------------------------------------------------------------- PICO


def conll_predictions(docs: list[datasets.ConllDocument]) -> tuple[list[str], list[str]]:
    """Gold and predicted labels for every token; heading tokens ("OBJECTIVE") are predicted O."""
    gold, guess = [], []
    for doc in docs:
        section = "none"
        for index, sentence in enumerate(doc.sentences):
            words = [w for w, _ in sentence]
            section, skip = pico.heading_section(words, section)
            guess += ["O"] * skip + pico.tag_words(words[skip:], section, index)
            gold += [label for _, label in sentence]
    return gold, guess


def eval_pico(data: Path, limit: int | None = None) -> dict[str, float]:
    """Token-level F1 per element on EBM-NLP's 191 expert-labelled test abstracts."""
    docs = _limited(datasets.conll_documents(data, "test"), limit)
    scores = token_f1(*conll_predictions(docs), pico.LABELS)
    names = {"PAR": "participants", "INT": "interventions", "OUT": "outcomes"}
    out = {}
    for key, value in scores.items():
        label, _, metric = key.partition(".")
        out[f"{names.get(label, label)}.{metric}" if metric else key] = value
    out["abstracts"] = float(len(docs))
    return out


def eval_outcomes(data: Path, limit: int | None = None) -> dict[str, float]:
    """Outcome spans on EvidenceOutcomes (640 abstracts; outcomes annotated in results and
    conclusions only, so predictions are scored in those sentences): token F1 and span overlap."""
    tp = predicted = actual = 0
    hits_gold = n_gold = hits_guess = n_guess = 0
    for doc in _limited(datasets.brat_documents(data, "outcomes"), limit):
        gold_spans = [(a, b) for kind, a, b in doc.spans if kind == "Outcome"]
        guess_spans = _outcome_spans(doc.text)
        t, p, g = _token_overlap(doc.text, gold_spans, guess_spans)
        tp, predicted, actual = tp + t, predicted + p, actual + g
        counts = span_match(gold_spans, guess_spans)
        hits_gold, n_gold = hits_gold + counts[0], n_gold + counts[1]
        hits_guess, n_guess = hits_guess + counts[2], n_guess + counts[3]
    out = prf(tp, predicted, actual, "token")
    precision = hits_guess / n_guess if n_guess else 0.0
    recall = hits_gold / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    out.update({"span_overlap.precision": round(precision, 4), "span_overlap.recall": round(recall, 4),
                "span_overlap.f1": round(f1, 4)})
    return out


def _outcome_spans(text: str) -> list[tuple[int, int]]:
    """Predicted outcome spans in the results and conclusions of a plain-text abstract."""
    facts = analyse(Paper(id="doc:eval", abstract=text))
    kept = [s for s in facts.sentences if s.role in ("results", "conclusions")]
    spans = [(f.span.start, f.span.end) for f in facts.outcomes + facts.outcome_measures]
    return [(a, b) for a, b in spans if any(s.start <= a < s.end for s in kept)]


def _token_overlap(text: str, gold: list[tuple[int, int]], guess: list[tuple[int, int]]) -> tuple[int, int, int]:
    """Token counts (in both, predicted, gold) with tokens of the shared tokenizer."""
    tokens = tokenize(text)

    def inside(spans: list[tuple[int, int]]) -> set[int]:
        return {i for i, t in enumerate(tokens) if any(a <= t.start < b for a, b in spans)}

    g, p = inside(gold), inside(guess)
    return len(g & p), len(p), len(g)


__all__ = ["eval_outcomes", "eval_pico", "eval_roles", "labelled_roles"]
