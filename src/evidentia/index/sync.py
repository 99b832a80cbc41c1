"""Bringing a dense index up to date with its library: embed what is new or changed, in chunks.

One pass over the library: a paper whose text hash matches its stored vector is skipped; the
others are embedded ``chunk`` at a time and committed (see :meth:`DenseIndex.append`). Papers
that left the library lose their vectors at the end. Papers with neither title nor abstract get
no vector.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .embedders import document_text

if TYPE_CHECKING:
    from .dense import DenseIndex, Progress, SyncSummary

READ_BATCH = 1000


class _Pending:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str]] = []
        self.texts: list[str] = []
        self.replaced: list[int] = []

    def __len__(self) -> int:
        return len(self.rows)


def run_sync(index: DenseIndex, library: Any, progress: Progress | None) -> SyncSummary:
    from .dense import SyncSummary, text_hash

    summary = SyncSummary()
    known = index.known()
    total = library.count()
    seen: set[str] = set()
    pending = _Pending()
    for done, paper in enumerate(library.iter_papers(READ_BATCH), start=1):
        seen.add(paper.id)
        stored = known.get(paper.id)
        hash_ = text_hash(paper)
        if (stored is None or stored[1] != hash_) and (paper.title or paper.abstract):
            pending.rows.append((paper.id, hash_))
            pending.texts.append(document_text(paper.title, paper.abstract))
            if stored is not None:
                pending.replaced.append(stored[0])
        if len(pending) >= index.chunk:
            summary.embedded += _commit(index, pending)
            pending = _Pending()
        if progress and (done % READ_BATCH == 0 or done == total):
            progress("embed", done=done, total=total, embedded=summary.embedded + len(pending))
    summary.embedded += _commit(index, pending)
    gone = [ord_ for paper_id, (ord_, _) in known.items() if paper_id not in seen]
    index.forget(gone)
    summary.removed = len(gone)
    if progress:
        progress("embed", done=total, total=total, embedded=summary.embedded)
    return summary


def _commit(index: DenseIndex, pending: _Pending) -> int:
    if not len(pending):
        return 0
    vectors = index.embedder.embed(pending.texts)
    index.append(pending.rows, vectors, pending.replaced)
    return len(pending)


def build_index(library: Any, settings: Any, *, progress: Progress | None = None,
                embedder: Any = None) -> SyncSummary:
    """``evidentia index``: bring the library's dense index for ``settings.index`` up to date.

    ``settings`` is a :class:`evidentia.config.Settings`; ``progress`` receives
    ``("embed", done=, total=, embedded=)`` events (see :class:`.progress.EmbedProgress`).
    """
    from .dense import DenseIndex
    from .embedders import get_embedder

    options = settings.index
    index = DenseIndex.open(
        library.path, embedder or get_embedder(options.embedder), exact_max=options.exact_max,
        hnsw_m=options.hnsw_m, ef_search=options.hnsw_ef_search, chunk=options.embed_chunk,
    )
    try:
        return index.sync(library, progress=progress)
    finally:
        index.close()
