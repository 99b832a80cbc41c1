"""One error tree for everything evidentia reports to a user.

    EvidentiaError                 base: a message written for the user (what, where, what to do)
    ├── ConfigError                a bad setting, preset file or ``--set`` override
    ├── InputError                 a file or argument that cannot be read at all
    │   └── RecordError            one malformed record (file, position, reason); callers skip it
    ├── QueryError                 a question or search query that cannot be used
    ├── LibraryError               the SQLite library cannot be opened, migrated or written
    ├── SourceError                a live source failed (network, HTTP status, bad body)
    └── NotFoundError              a paper id that is not in the library

The CLI prints ``str(error)`` on one line and exits non-zero (``--debug`` adds the traceback);
the web API returns ``{"error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations


class EvidentiaError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing message."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class ConfigError(EvidentiaError):
    exit_code = 2


class InputError(EvidentiaError):
    exit_code = 2


class RecordError(InputError):
    """A single malformed record. ``location`` is e.g. ``"file.xml: record 3 (line 120)"``."""

    def __init__(self, reason: str, *, source: str = "", position: str = "") -> None:
        self.reason = reason
        self.source = source
        self.position = position
        where = ": ".join(part for part in (source, position) if part)
        super().__init__(f"{where}: {reason}" if where else reason)


class QueryError(EvidentiaError):
    exit_code = 2


class LibraryError(EvidentiaError):
    exit_code = 3


class SourceError(EvidentiaError):
    exit_code = 4


class NotFoundError(EvidentiaError):
    exit_code = 5
