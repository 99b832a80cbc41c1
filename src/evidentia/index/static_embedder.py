"""A static embedder: one vector per word piece, averaged (model2vec-style distillation).

The artifact folder holds ``embeddings.npy`` (vocabulary x dim, int8; each row is the
transformer's embedding of that word piece alone, reduced by PCA and already multiplied by its
frequency weight), ``scales.npy`` (one float32 scale per row), ``tokenizer.json`` and
``meta.json``. A text's vector is the mean of its
word pieces' rows, normalised: a table look-up, so thousands of abstracts a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .embedders import Embedder, normalise_rows
from .onnx_embedder import read_meta

MAX_TOKENS = 512


class StaticEmbedder(Embedder):
    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        meta = read_meta(folder)
        self.name = str(meta["name"])
        self.version = str(meta["version"])
        self._table = np.load(folder / "embeddings.npy", allow_pickle=False).astype(np.float32)
        scales = folder / "scales.npy"
        if scales.is_file():  # int8 rows, each with its own scale
            self._table *= np.load(scales, allow_pickle=False)[:, None]
        self.dim = int(self._table.shape[1])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(meta.get("max_length", MAX_TOKENS)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        # One small gather per text stays in cache; one big gather of all texts is ~10x slower.
        sums = np.stack([self._table[encoding.ids].sum(0) for encoding in encodings])
        return normalise_rows(sums)
