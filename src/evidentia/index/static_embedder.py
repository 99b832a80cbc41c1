"""A static embedder: one vector per word piece, averaged (model2vec-style distillation).

The artifact folder holds ``embeddings.npy`` (vocabulary x dim, float16; each row is the
transformer's embedding of that word piece alone, reduced by PCA and already multiplied by its
frequency weight), ``tokenizer.json`` and ``meta.json``. A text's vector is the mean of its
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
        self._table = np.load(folder / "embeddings.npy").astype(np.float32)
        self.dim = int(self._table.shape[1])
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(meta.get("max_length", MAX_TOKENS)))

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        id_lists = [encoding.ids for encoding in encodings]
        lengths = np.array([len(ids) for ids in id_lists])
        flat = np.fromiter((i for ids in id_lists for i in ids), dtype=np.int64, count=lengths.sum())
        sums = np.zeros((len(texts), self.dim), dtype=np.float32)
        filled = lengths > 0
        if filled.any():
            starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))[filled]
            sums[filled] = np.add.reduceat(self._table[flat], starts, axis=0)
        return normalise_rows(sums)
