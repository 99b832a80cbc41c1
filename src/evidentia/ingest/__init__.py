"""Ingest: files in any supported format become ``Paper`` records.

Contract (see ``reader.py``)::

    read_path(path, *, max_file_bytes, max_record_bytes) -> Iterator[Paper | Deletion | Skipped]
    check_path(path, *, max_file_bytes) -> None    # InputError now if read_path would refuse it

The format is sniffed from the content (``.gz`` is transparent, ``-`` is stdin). Items come in
file order so that deletions apply after the records before them. A malformed record yields a
``Skipped`` with its file, position and reason; the file goes on.
"""

from .reader import check_path, read_path, sniff_format

__all__ = ["check_path", "read_path", "sniff_format"]
