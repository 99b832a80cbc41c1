"""The faiss side of a :class:`~evidentia.index.dense.DenseIndex`: exact below a size, HNSW above.

* Exact (``IndexFlatIP``): rebuilt in memory from ``vectors.f16`` whenever the index is opened;
  nothing extra on disk, and fast to build (a copy).
* HNSW (``IndexHNSWSQ``, 8-bit scalar quantiser, inner product): built once and saved as
  ``index.faiss``; on open, rows committed after the last save (an interrupted or incremental
  sync) are added, so the graph never has to be rebuilt from scratch for new papers.

Row ``i`` of the faiss index is always vector ``ord == i``; dead rows stay in the graph and the
search skips them.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .dense import DenseIndex

ADD_CHUNK = 65_536
TRAIN_SAMPLE = 100_000
EF_CONSTRUCTION = 64


def wants_graph(dense: DenseIndex) -> bool:
    return dense.count() >= dense.exact_max


def load_index(dense: DenseIndex) -> Any:
    """The faiss index over every committed row, of the kind the live count calls for."""
    import faiss

    vectors = dense._vectors()
    if not wants_graph(dense):
        index = faiss.IndexFlatIP(dense.embedder.dim)
        _add_rows(index, vectors, 0)
        return index
    index = _read_graph(dense)
    if index is None or index.ntotal > len(vectors):
        index = _new_graph(dense, vectors)
    _add_rows(index, vectors, index.ntotal)
    index.hnsw.efSearch = dense.ef_search
    return index


def save_graph(dense: DenseIndex) -> None:
    """Write the HNSW graph when the index is big enough to use one; else remove a stale one."""
    import faiss

    path = dense.folder / "index.faiss"
    if not wants_graph(dense):
        path.unlink(missing_ok=True)
        return
    index = dense._index()
    partial = path.with_suffix(".faiss.partial")
    faiss.write_index(index, str(partial))
    os.replace(partial, path)


def search(index: Any, vectors: np.ndarray, want: int, ef_search: int) -> tuple[Any, Any]:
    """faiss search; an HNSW graph explores at least ``want`` nodes (else recall drops)."""
    if hasattr(index, "hnsw"):
        import faiss

        params = faiss.SearchParametersHNSW(efSearch=max(ef_search, want))
        return index.search(vectors, want, params=params)
    return index.search(vectors, want)


def _read_graph(dense: DenseIndex) -> Any:
    import faiss

    path = dense.folder / "index.faiss"
    if not path.is_file():
        return None
    try:
        index = faiss.read_index(str(path))
    except RuntimeError:  # damaged: rebuild from the vectors
        return None
    return index if index.d == dense.embedder.dim else None


def _new_graph(dense: DenseIndex, vectors: np.ndarray) -> Any:
    import faiss

    index = faiss.IndexHNSWSQ(
        dense.embedder.dim, faiss.ScalarQuantizer.QT_8bit, dense.hnsw_m, faiss.METRIC_INNER_PRODUCT
    )
    index.hnsw.efConstruction = EF_CONSTRUCTION
    step = max(1, len(vectors) // TRAIN_SAMPLE)
    index.train(np.ascontiguousarray(vectors[::step][:TRAIN_SAMPLE], dtype=np.float32))
    return index


def _add_rows(index: Any, vectors: np.ndarray, start: int) -> None:
    for first in range(start, len(vectors), ADD_CHUNK):
        block = vectors[first : first + ADD_CHUNK]
        index.add(np.ascontiguousarray(block, dtype=np.float32))
