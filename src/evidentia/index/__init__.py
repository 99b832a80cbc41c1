"""Dense retrieval: embedders (by name) and the faiss index kept beside the library.

    from evidentia.index import DenseIndex, get_embedder
    embedder = get_embedder("minilm-int8")
    index = DenseIndex.open(library.path, embedder)
    index.sync(library, progress=callback)      # embeds only papers not yet embedded
    index.search("Does X reduce Y?", k=10)      # [(paper_id, cosine), ...]

Imports are lazy so that loading this package never loads faiss or onnxruntime by itself.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DEFAULT_EMBEDDER", "DenseIndex", "Embedder", "HashEmbedder", "available_embedders",
    "get_embedder",
]


def __getattr__(name: str) -> Any:
    if name == "DenseIndex":
        from .dense import DenseIndex

        return DenseIndex
    if name in __all__:
        from . import embedders

        return getattr(embedders, name)
    raise AttributeError(f"module 'evidentia.index' has no attribute {name!r}")
