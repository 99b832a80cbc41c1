"""The learned extractors: tokens, sentence roles, PICO spans, linear models shipped as data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from evidentia.analyse import analyse, pico
from evidentia.analyse.linear import LinearModel, load_linear_from, save_linear
from evidentia.analyse.roles import abstract_features, predict_roles
from evidentia.analyse.tokens import tokenize
from evidentia.models import Paper

MODELS = Path(__file__).resolve().parents[1] / "src" / "evidentia" / "analyse" / "models"


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("double-blind, placebo-controlled trial.", ["double-blind", ",", "placebo-controlled", "trial", "."]),
        ("10 mg/kg (n=20) vs. placebo", ["10", "mg/kg", "(", "n=20", ")", "vs.", "placebo"]),
        ("P<0.05; 95% CI: 1.2", ["P<0.05", ";", "95%", "CI", ":", "1.2"]),
        ("in the U.S. and e.g. here.", ["in", "the", "U.S.", "and", "e.g.", "here", "."]),
        ("", []),
    ],
)
def test_tokens_follow_the_ebm_nlp_convention(text: str, tokens: list[str]) -> None:
    found = tokenize(text)
    assert [t.text for t in found] == tokens
    assert all(text[t.start:t.end] == t.text for t in found)


def test_token_offsets_shift_into_the_field() -> None:
    assert tokenize("a b", 10)[1].start == 12


@pytest.mark.parametrize("name", ["pico.crfsuite", "roles.crfsuite", "stance.json", "stance.npz",
                                  "stance_no_conclusion.json", "word_clusters.json", "meta.json"])
def test_models_are_shipped_and_small(name: str) -> None:
    path = MODELS / name
    assert path.is_file(), f"{name} missing: run python training/train_all.py"
    assert sum(p.stat().st_size for p in MODELS.iterdir()) < 50e6


def test_no_pickles_among_the_models() -> None:
    assert not [p for p in MODELS.iterdir() if p.suffix in (".pkl", ".pickle", ".joblib")]


# --------------------------------------------------------------------------- roles


@pytest.mark.parametrize(
    "sentence, role",
    [
        ("We aimed to determine whether drug X reduces spasticity in adults.", "objective"),
        ("Spasticity decreased by 30% with X compared with placebo (p = 0.01).", "results"),
        ("In conclusion, X reduces spasticity and should be considered in practice.", "conclusions"),
    ],
)
def test_learned_roles_on_clear_sentences(sentence: str, role: str) -> None:
    texts = ["Spasticity is a frequent and disabling problem after spinal cord injury.",
             "Forty adults were randomised to X or placebo for 12 weeks.", sentence]
    roles = predict_roles(texts)
    assert roles is not None and roles[-1] == role


def test_role_features_carry_position() -> None:
    feats = abstract_features(["First one.", "Second one.", "Last one."])
    assert "i=0" in feats[0] and "r=0" in feats[2] and len(feats) == 3


# --------------------------------------------------------------------------- PICO

PICO_ABSTRACT = (
    "OBJECTIVE: To assess metformin for weight gain in children with schizophrenia. "
    "METHODS: We randomly assigned 60 children with schizophrenia to metformin or placebo for "
    "16 weeks. The primary outcome was change in body mass index. "
    "RESULTS: Body mass index fell with metformin compared with placebo (p = 0.01)."
)


@pytest.mark.parametrize(
    "field, expected",
    [
        ("participants", "children with schizophrenia"),
        ("interventions", "metformin"),
        ("outcomes", "body mass"),
    ],
)
def test_pico_spans(field: str, expected: str) -> None:
    paper = Paper(id="doc:1", abstract=PICO_ABSTRACT)
    facts = analyse(paper)
    values = [f.value for f in getattr(facts, field)]
    assert any(expected in str(v) for v in values), values
    for fact in getattr(facts, field):
        assert paper.text_of(fact.span.field)[fact.span.start:fact.span.end] == fact.text


def test_pico_tags_one_label_per_word() -> None:
    words = ["Sixty", "children", "with", "asthma", "received", "inhaled", "budesonide", "."]
    labels = pico.tag_words(words, "methods", 2)
    assert len(labels) == len(words) and set(labels) <= {"O", *pico.LABELS}
    assert "PAR" in labels and "INT" in labels


def test_gazetteer_tags_mark_vocabulary_words() -> None:
    tags = pico.gazetteer_tags(["patients", "with", "multiple", "sclerosis"])
    assert tags[2:] == ["B-CON", "I-CON"]


# --------------------------------------------------------------------------- linear models


def test_linear_model_round_trip(tmp_path: Path) -> None:
    weights = np.array([[2.0, -1.0], [0.0, 0.0], [-3.0, 1.0]])
    save_linear(tmp_path / "toy", ["yes", "no"], ["a", "unused", "b"], weights, np.array([0.1, 0.0]), C=1.0)
    model = load_linear_from(tmp_path, "toy")
    assert isinstance(model, LinearModel)
    assert "unused" not in model.index  # zero-weight features are dropped
    assert model.meta == {"C": 1.0}
    probs = model.probabilities(["a", "unknown feature"])
    assert probs["yes"] > 0.9 and abs(sum(probs.values()) - 1) < 1e-6
    assert max(model.probabilities(["b"]), key=model.probabilities(["b"]).get) == "no"


def test_missing_linear_model_is_none(tmp_path: Path) -> None:
    assert load_linear_from(tmp_path, "absent") is None
