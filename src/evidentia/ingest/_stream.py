"""Byte streams for the parsers: gzip and UTF-16 made transparent, sizes metered, lines bounded.

``MeteredReader`` counts the (decompressed) bytes that pass through it and raises ``InputError``
once a file grows past its limit, so a 50 MB ``.gz`` that inflates to 40 GB is stopped while
streaming. A corrupt or truncated gzip does not raise from inside a parser: the reader records
the problem in ``error`` and reports end of data, and ``read_path`` reports it after the records
that came before it.
"""

from __future__ import annotations

import codecs
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ..errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class MeteredReader(io.RawIOBase):
    """A raw reader over ``inner`` that counts bytes and enforces ``limit``."""

    def __init__(self, inner: BinaryIO, *, limit: int, name: str) -> None:
        super().__init__()
        self._inner = inner
        self._pending = b""
        self.limit = limit
        self.name_for_user = name
        self.count = 0
        self.error: str | None = None

    def readable(self) -> bool:
        return True

    def head(self, size: int) -> bytes:
        """The first ``size`` bytes (fewer at end of data), still to be read afterwards."""
        while len(self._pending) < size:
            chunk = self._read_inner(size - len(self._pending))
            if not chunk:
                break
            self._pending += chunk
        return self._pending[:size]

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._pending:
            data, self._pending = self._pending[: len(buffer)], self._pending[len(buffer):]
        else:
            data = self._read_inner(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _read_inner(self, size: int) -> bytes:
        if self.error:
            return b""
        try:
            # read1: one decompressed chunk at a time, so a truncated gzip loses only the
            # damaged chunk (read(size) would discard everything it gathered before the error).
            data = self._read1(size)
        except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
            self.error = f"the compressed data is corrupt or truncated here ({exc})"
            return b""
        self.count += len(data)
        if self.count > self.limit:
            raise InputError(
                f"{self.name_for_user}: file is larger than the limit of {self.limit:,} bytes"
                " (after decompression)",
                hint="split it, or raise ingest.max_file_bytes",
            )
        return data


    def _read1(self, size: int) -> bytes:
        read1 = getattr(self._inner, "read1", None)
        return read1(size) if read1 is not None else self._inner.read(size)


class Utf16ToUtf8(io.RawIOBase):
    """Re-encodes a UTF-16 byte stream (with BOM) as UTF-8 for the text parsers."""

    def __init__(self, inner: BinaryIO) -> None:
        super().__init__()
        self._inner = inner
        self._decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = self._inner.read(65536)
            self._pending = self._decoder.decode(chunk, final=not chunk).encode("utf-8")
            if not chunk:
                break
        data, self._pending = self._pending[: len(buffer)], self._pending[len(buffer):]
        buffer[: len(data)] = data
        return len(data)


def iter_lines(
    stream: BinaryIO, max_line_bytes: int, *, split_cr: bool = True
) -> Iterator[tuple[int, str | None]]:
    """``(line number, text)`` pairs, 1-based, without line endings; ``None`` for a too-long line.

    A too-long line is read past in chunks, never held whole. Lines are decoded as UTF-8
    (a leading BOM dropped); a line that is not UTF-8 is read as Windows-1252. ``split_cr``
    also splits at a lone carriage return (old Mac line ends in tagged formats).
    """
    number = 0
    while True:
        raw = stream.readline(max_line_bytes + 1)
        if not raw:
            return
        number += 1
        if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
            _skip_rest_of_line(stream)
            yield number, None
            continue
        text = decode_line(raw.lstrip(codecs.BOM_UTF8) if number == 1 else raw)
        text = text.rstrip("\r\n")
        for piece in text.split("\r") if split_cr else (text,):
            yield number, piece


def _skip_rest_of_line(stream: BinaryIO) -> None:
    while True:
        chunk = stream.readline(65536)
        if not chunk or chunk.endswith(b"\n"):
            return


def decode_line(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")
