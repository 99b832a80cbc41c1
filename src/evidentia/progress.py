"""A Rich progress bar for ``evidentia add``, driven by the pipeline's progress callback."""

from __future__ import annotations

import os
from typing import Any

from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


class IngestProgress:
    """Callable progress sink: one bar per file (bytes read), and a running record count."""

    def __init__(self) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[records]} records"),
            TimeElapsedColumn(),
            transient=False,
        )
        self._task: Any = None
        self._records = 0

    def __enter__(self) -> IngestProgress:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)

    def __call__(self, event: str, **info: Any) -> None:
        if event == "file":
            self._start_file(info["path"])
        elif event == "records" and self._task is not None:
            self._records += info.get("count", 0)
            self._progress.update(self._task, records=self._records)
        elif event == "bytes" and self._task is not None:
            self._progress.update(self._task, completed=info["done"])

    def _start_file(self, path: str) -> None:
        if self._task is not None:
            task = self._progress.tasks[-1]
            self._progress.update(self._task, completed=task.total or task.completed)
        size = os.path.getsize(path) if path != "-" and os.path.isfile(path) else None
        self._records = 0
        self._task = self._progress.add_task(os.path.basename(path) or path, total=size, records=0)
