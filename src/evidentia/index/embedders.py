"""Embedders: text in, L2-normalised float32 vectors out, chosen by name.

    embedder = get_embedder("minilm-int8")
    vectors = embedder.embed(["title. abstract", ...])      # (n, dim) float32, unit rows
    query = embedder.embed_query("Does X reduce Y?")        # (dim,)

Registered names (``available_embedders()`` says which are installed):

* ``minilm-int8``: all-MiniLM-L6-v2 exported to ONNX with int8 weights, run by onnxruntime.
* ``minilm-static``: a static (model2vec-style) distillation of the same model: one vector per
  word piece, averaged. Some fifty times faster, less exact.
* ``hash``: deterministic feature hashing of words; no model, for tests and as a last resort.

Artifacts live in ``index/artifacts/<name>/`` (built by ``training/build_embedder.py``). An
embedder's ``key`` (name, version, dim) names the dense index built with it, so changing the
embedder never mixes vectors from two models.
"""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import ConfigError

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
DEFAULT_EMBEDDER = "minilm-int8"


class Embedder(ABC):
    """Maps texts to unit vectors; ``key`` identifies the vector space."""

    name: str
    version: str
    dim: int

    @property
    def key(self) -> str:
        return f"{self.name}-v{self.version}-d{self.dim}"

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 with unit-length rows (zero rows for empty texts)."""

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


def normalise_rows(matrix: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows stay zero."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def document_text(title: str, abstract: str) -> str:
    """What a paper's vector is made from: the title first (it is never truncated away)."""
    title = title.strip()
    if title and abstract and title[-1] not in ".?!:":
        title += "."
    return f"{title} {abstract.strip()}".strip()


# --------------------------------------------------------------------------- hash


_WORD = re.compile(r"[^\W_]+")


class HashEmbedder(Embedder):
    """Signed feature hashing of lower-cased words and word pairs, log-scaled counts.

    Deterministic across runs and machines (blake2b, not Python's salted ``hash``); texts that
    share words get similar vectors, which is all the fast tests need.
    """

    name = "hash"
    version = "1"

    def __init__(self, dim: int = 256) -> None:
        self.dim = dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            words = _WORD.findall(text.lower())
            features = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
            for feature in features:
                slot, sign = _hash_slot(feature, self.dim)
                out[row, slot] += sign
        return normalise_rows(np.sign(out) * np.log1p(np.abs(out)))


@lru_cache(maxsize=65536)
def _hash_slot(feature: str, dim: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    return value % dim, 1.0 if (value >> 63) & 1 else -1.0


# --------------------------------------------------------------------------- registry


def _load_onnx(name: str) -> Embedder:
    from .onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(_artifact_dir(name))


def _load_static(name: str) -> Embedder:
    from .static_embedder import StaticEmbedder

    return StaticEmbedder(_artifact_dir(name))


_REGISTRY: dict[str, tuple[Callable[[str], Embedder], str]] = {
    "minilm-int8": (_load_onnx, "model.onnx"),
    "minilm-static": (_load_static, "embeddings.npy"),
    "hash": (lambda name: HashEmbedder(), ""),
}


def embedder_names() -> list[str]:
    return list(_REGISTRY)


def available_embedders() -> dict[str, bool]:
    """Each registered name, and whether its artifact is installed."""
    return {name: _installed(name) for name in _REGISTRY}


def _installed(name: str) -> bool:
    required = _REGISTRY[name][1]
    return not required or (ARTIFACTS / name / required).is_file()


def _artifact_dir(name: str) -> Path:
    return ARTIFACTS / name


@lru_cache(maxsize=8)
def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder registered under ``name`` (loaded once per process)."""
    if name not in _REGISTRY:
        raise ConfigError(
            f"unknown embedder {name!r}",
            hint=f"set index.embedder to one of: {', '.join(_REGISTRY)}",
        )
    if not _installed(name):
        raise ConfigError(
            f"the embedder {name!r} is not installed (no {ARTIFACTS / name / _REGISTRY[name][1]})",
            hint="rebuild it with `python training/build_embedder.py` (see its README), "
            "or set index.embedder to another one",
        )
    loader, _ = _REGISTRY[name]
    return loader(name)
