"""Embedders: the hash embedder's contract, the registry, and the shipped artifacts if present."""

from __future__ import annotations

import numpy as np
import pytest

from evidentia.errors import ConfigError
from evidentia.index.embedders import (
    HashEmbedder,
    available_embedders,
    document_text,
    embedder_names,
    get_embedder,
)

PAPERS = [
    "Vitamin D supplementation and fracture risk in older adults.",
    "Vitamin D supplements reduce the risk of fractures in elderly people.",
    "Deep brain stimulation for Parkinson disease tremor.",
]


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


@pytest.mark.parametrize(
    ("title", "abstract", "expected"),
    [
        ("A title", "The abstract.", "A title. The abstract."),
        ("A question?", "Text.", "A question? Text."),
        ("Only a title", "", "Only a title"),
        ("", "Only an abstract.", "Only an abstract."),
    ],
)
def test_document_text_puts_the_title_first(title: str, abstract: str, expected: str) -> None:
    assert document_text(title, abstract) == expected


def test_hash_embedder_gives_deterministic_unit_vectors() -> None:
    embedder = HashEmbedder()
    first, second = embedder.embed(PAPERS), embedder.embed(PAPERS)
    assert first.shape == (3, 256) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-5)


def test_hash_embedder_puts_texts_sharing_words_closer() -> None:
    vectors = HashEmbedder().embed(PAPERS)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])


def test_hash_embedder_gives_zero_vector_for_empty_text() -> None:
    vectors = HashEmbedder(dim=64).embed(["", "word"])
    assert not vectors[0].any() and vectors[1].any()
    assert HashEmbedder().embed([]).shape == (0, 256)


def test_key_names_the_vector_space() -> None:
    assert HashEmbedder(dim=64).key == "hash-v1-d64"
    assert HashEmbedder(dim=64).key != HashEmbedder(dim=128).key


def test_registry_lists_every_embedder_and_hash_is_always_available() -> None:
    assert {"minilm-int8", "minilm-static", "hash"} <= set(embedder_names())
    assert available_embedders()["hash"] is True
    assert isinstance(get_embedder("hash"), HashEmbedder)


def test_unknown_embedder_is_a_config_error_naming_the_choices() -> None:
    with pytest.raises(ConfigError, match="unknown embedder 'nope'") as err:
        get_embedder("nope")
    assert "minilm-int8" in str(err.value)


@pytest.mark.parametrize("name", ["minilm-int8", "minilm-static"])
def test_shipped_artifact_loads_and_embeds(name: str) -> None:
    if not available_embedders()[name]:
        pytest.skip(f"artifact {name} not built (python training/build_embedder.py)")
    embedder = get_embedder(name)
    vectors = embedder.embed(PAPERS + [""])
    assert vectors.shape == (4, embedder.dim)
    np.testing.assert_allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, rtol=1e-3)
    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]) + 0.1
    query = embedder.embed_query("Does vitamin D prevent fractures?")
    assert int(np.argmax(vectors[:3] @ query)) in (0, 1)
    assert embedder.key.startswith(f"{name}-v")
