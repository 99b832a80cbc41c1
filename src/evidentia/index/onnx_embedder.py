"""A transformer sentence embedder run by onnxruntime: no torch at run time.

The artifact folder holds ``model.onnx`` (the encoder with mean pooling and L2 normalisation
inside the graph, int8 weights), ``tokenizer.json`` and ``meta.json`` (name, version, dim,
max_length). Texts are tokenised in one call, sorted by length and run in batches of similar
length, so padding costs little.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .embedders import Embedder, normalise_rows

BATCH = 32


class OnnxEmbedder(Embedder):
    def __init__(self, folder: Path, *, threads: int | None = None) -> None:
        meta = read_meta(folder)
        self.name = str(meta["name"])
        self.version = str(meta["version"])
        self.dim = int(meta["dim"])
        self.max_length = int(meta.get("max_length", 256))
        self._tokenizer = _tokenizer(folder / "tokenizer.json", self.max_length)
        self._session = _session(folder / "model.onnx", threads)
        self._inputs = {node.name for node in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.array([len(encoding.ids) for encoding in encodings])
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            out[rows] = self._run([encodings[row].ids for row in rows])
        out[[not text.strip() for text in texts]] = 0.0  # an empty text is not "[CLS] [SEP]"
        return normalise_rows(out)

    def _run(self, id_lists: list[list[int]]) -> np.ndarray:
        width = max(len(ids) for ids in id_lists)
        input_ids = np.zeros((len(id_lists), width), dtype=np.int64)
        mask = np.zeros_like(input_ids)
        for row, ids in enumerate(id_lists):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        return self._session.run(None, feeds)[0]


def read_meta(folder: Path) -> dict[str, object]:
    try:
        return json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"the embedder artifact in {folder} has no readable meta.json ({exc})",
            hint="rebuild it with `python training/build_embedder.py`",
        ) from None


def _tokenizer(path: Path, max_length: int):  # -> tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def _session(path: Path, threads: int | None):  # -> onnxruntime.InferenceSession
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or int(os.environ.get("EVIDENTIA_THREADS", "0"))
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
