"""A Rich progress bar for ``DenseIndex.sync`` (``evidentia index``).

    with EmbedProgress() as bar:
        index.sync(library, progress=bar)
"""

from __future__ import annotations

from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class EmbedProgress:
    """Callable progress sink: papers checked out of the library's total, and papers embedded."""

    def __init__(self, description: str = "embedding") -> None:
        self._progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[embedded]} embedded"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
        )
        self._description = description
        self._task: Any = None

    def __enter__(self) -> EmbedProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def __call__(self, event: str, **info: Any) -> None:
        if event != "embed":
            return
        if self._task is None:
            self._task = self._progress.add_task(
                self._description, total=info.get("total"), embedded=0
            )
        self._progress.update(
            self._task, completed=info.get("done", 0), embedded=info.get("embedded", 0)
        )
