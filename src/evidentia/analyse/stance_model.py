"""The learned half of the stance judge: features of (question, abstract, rule verdict) and a
multinomial logistic regression over yes / no / possibly (``models/stance.json`` + ``.npz``).

Features, all binary strings:

* the rule verdict and its reason (``rule=no``, ``why=no effect reported``), crossed with the
  question's form (``is``, ``does``, ``can`` ...);
* the polarity of the decisive clause and of the conclusion sentences (effect, no effect,
  equivalence, hedges, trend, significance, benefit, direction against the question);
* the words of the conclusion (or, when there is none, of the last results sentences), with the
  words in a negator's scope marked (``not:reduce``), and their word pairs;
* how the results read (a relevant significant effect, a relevant null), the species, whether
  the abstract has a conclusion at all.

``training/train_stance.py`` fits two such models on PubMedQA's 500 non-test items: one on the
abstracts with their conclusion, one on the same abstracts without it (used when an abstract has
no conclusion sentence). The 500 official test items are only for ``evidentia eval pubmedqa``.
"""

from __future__ import annotations

import itertools
import re

from ..models import Paper, Sentence, StudyFacts
from .linear import load_linear
from .polarity import Polarity, read_polarity
from .question import QuestionIntent, relevance, stem

MODEL_NAME = "stance"  # abstracts with a conclusion (reasoning-free)
NO_CONCLUSION_MODEL = "stance_no_conclusion"  # abstracts without one (reasoning-required)
_TOKEN = re.compile(r"[a-z][a-z'-]*|\d+(?:\.\d+)?|[;,.]")
_NEGATOR = frozenset(["no", "not", "without", "never", "neither", "nor", "cannot", "failed", "fail", "fails", "lack", "lacks", "lacking", "none", "absence", "unable", "n't"])
_SCOPE_END = frozenset(";,.") | {"but", "whereas", "although", "however"}
_STOP = frozenset(["the", "a", "an", "of", "in", "to", "and", "or", "for", "with", "on", "at", "by", "as", "from", "this", "that", "these", "those", "is", "are", "was", "were", "be", "been", "it", "its", "their", "our", "we"])
_QUESTION_FORMS = ("is", "are", "does", "do", "did", "can", "could", "should", "will", "was", "were",
                   "has", "have", "would", "may")


def marked_words(text: str) -> list[str]:
    """Lower-case content words; those within four words after a negator become ``not:word``."""
    out: list[str] = []
    scope = 0
    for token in _TOKEN.findall(text.lower().replace("n't", " n't")):
        if token in _SCOPE_END:
            scope = 0
            continue
        if token in _NEGATOR:
            scope = 4
            out.append(f"neg={token}")
            continue
        if token in _STOP or token[0].isdigit():
            continue
        out.append(f"not:{token}" if scope else token)
        scope = max(0, scope - 1)
    return out


def polarity_features(prefix: str, p: Polarity) -> list[str]:
    feats = [f"{prefix}sig={p.significant}", f"{prefix}benefit={p.benefit}"]
    for name, on in (("effect", p.effect), ("noeffect", p.no_effect), ("equiv", p.equivalent),
                     ("trend", p.trend)):
        if on:
            feats.append(f"{prefix}{name}")
    if p.hedge:
        feats.append(f"{prefix}hedge={p.hedge}")
    return feats


def question_form(question: str) -> str:
    first = question.strip().split(" ", 1)[0].lower() if question.strip() else ""
    return first if first in _QUESTION_FORMS else "other"


def _conclusion_sentences(sentences: list[Sentence]) -> tuple[list[Sentence], bool]:
    conclusions = [s for s in sentences if s.role == "conclusions"]
    if conclusions:
        return conclusions, True
    results = [s for s in sentences if s.role == "results"]
    return (results[-2:] if results else sentences[-2:]), False


def stance_features(intent: QuestionIntent, question: str, paper: Paper, facts: StudyFacts,
                    rule: tuple[str, str], decisive: Polarity, support: int) -> list[str]:
    """Every feature of one (question, abstract) pair; ``rule`` is (stance, reason)."""
    form = question_form(question)
    why = rule[1].split(" (")[0]
    feats = [f"rule={rule[0]}", f"why={why}", f"form={form}", f"rule={rule[0]}&form={form}",
             f"support={support}", f"species={facts.species}"]
    feats += [f"q:{name}" for name, on in (
        ("similar_yes", intent.similar_means_yes), ("sameness", intent.sameness),
        ("nonhuman", intent.nonhuman), ("clinical", intent.clinical)) if on]
    feats += [f"q:dir={intent.direction}", f"q:sign={intent.sign}"]
    feats += polarity_features("d:", decisive)
    chosen, has_conclusion = _conclusion_sentences(facts.sentences)
    feats.append(f"has_conclusion={has_conclusion}")
    text = " ".join(s.text for s in chosen)
    feats += polarity_features("c:", read_polarity(text))
    words = marked_words(text)
    feats += [f"w:{w}" for w in words]
    feats += [f"b:{a}_{b}" for a, b in itertools.pairwise(words)]
    rel = relevance(text, intent.stems)
    feats.append(f"rel={min(4, int(rel * 5))}")
    feats += _alignment(words, intent)
    first = chosen[0].text if chosen else ""
    feats += polarity_features("c1:", read_polarity(first))
    feats += [f"c1w:{w}" for w in marked_words(first)]
    feats += _evaluation(text)
    return feats


_NEGATIVE_EVALUATION = re.compile(
    r"\b(?:insufficien\w*|inadequa\w*|poor\w*|unlikely|doubt\w*|little|rarely|seldom|limited|"
    r"under\w*estimat\w*|overestimat\w*|fail\w*|unable|questionabl\w*|unnecessar\w*|"
    r"unreliabl\w*|inaccura\w*|low|lower|uncommon|rare|neither|nor|cannot|could not|"
    r"did not|does not|do not|was not|were not|is not|are not|no longer|unsuitabl\w*)\b",
    re.IGNORECASE,
)
_POSITIVE_EVALUATION = re.compile(
    r"\b(?:useful|effective\w*|reliabl\w*|accura\w*|valuable|feasibl\w*|safe\w*|recommend\w*|"
    r"benefi\w*|important|essential|significant\w*|improv\w*|success\w*|appropriate|"
    r"associated|predict\w*|high|higher|increased|good|better|superior|valid\w*)\b",
    re.IGNORECASE,
)


def _evaluation(text: str) -> list[str]:
    """How many negative and positive evaluative words the conclusion uses (capped)."""
    negative = len(_NEGATIVE_EVALUATION.findall(text))
    positive = len(_POSITIVE_EVALUATION.findall(text))
    return [f"neg_eval={min(negative, 3)}", f"pos_eval={min(positive, 3)}",
            f"balance={max(-2, min(2, positive - negative))}"]


def _alignment(words: list[str], intent: QuestionIntent) -> list[str]:
    """Whether the question's own terms appear in the conclusion, and inside a negation."""
    negated = plain = 0
    # "vitamin" counts for the key "vitam d" ("vitamin D"): the words here are single words.
    keys = {*intent.stems, *(k.split()[0] for k in intent.stems if " " in k)}
    for word in words:
        bare = word.removeprefix("not:")
        if ":" in bare or "=" in bare or stem(bare) not in keys:
            continue
        if word.startswith("not:"):
            negated += 1
        else:
            plain += 1
    return [f"qterm_neg={min(negated, 2)}", f"qterm_pos={min(plain, 3)}"]


def model_name(features: list[str]) -> str:
    """The model for an abstract with a conclusion, or the one trained without conclusions."""
    return MODEL_NAME if "has_conclusion=True" in features else NO_CONCLUSION_MODEL


def learned_stance(features: list[str]) -> dict[str, float] | None:
    """Probabilities of yes / no / possibly, or None when the model is not shipped."""
    model = load_linear(model_name(features))
    return model.probabilities(features) if model else None
