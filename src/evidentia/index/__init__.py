"""Dense retrieval: embedders (by name) and the faiss index kept beside the library.

    from evidentia.index import DenseIndex, get_embedder
    embedder = get_embedder("minilm-int8")
    index = DenseIndex.open(library.path, embedder)
    index.sync(library, progress=callback)      # embeds only papers not yet embedded
    build_index(library, settings, progress=EmbedProgress())   # the same, as `evidentia index`
    index.search("Does X reduce Y?", k=10)      # [(paper_id, cosine), ...]

Imports are lazy so that loading this package never loads faiss or onnxruntime by itself.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DEFAULT_EMBEDDER", "DenseIndex", "EmbedProgress", "Embedder", "HashEmbedder",
    "available_embedders", "build_index", "get_embedder",
]


def __getattr__(name: str) -> Any:
    if name == "DenseIndex":
        from .dense import DenseIndex

        return DenseIndex
    if name == "build_index":
        from .sync import build_index

        return build_index
    if name == "EmbedProgress":
        from .progress import EmbedProgress

        return EmbedProgress
    if name in __all__:
        from . import embedders

        return getattr(embedders, name)
    raise AttributeError(f"module 'evidentia.index' has no attribute {name!r}")
