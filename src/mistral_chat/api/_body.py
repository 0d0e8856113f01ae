"""Response bodies decoded within limits: a gzip bomb or an endless answer stops at the cap.

httpx2 inflates a compressed body one network read at a time with no bound on the output, so
64 KiB of gzip can become 64 MiB in one call. The client reads bodies raw (`iter_raw`) and
inflates them here, in pieces of at most `PIECE` bytes, counting what comes out. Pure: the
reading loops live in the clients and streams.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

__all__ = [
    "ACCEPT_ENCODING",
    "MAX_ERROR_BYTES",
    "MAX_JSON_BYTES",
    "PIECE",
    "BodyDecoder",
    "BodyTooLarge",
    "UnsupportedEncoding",
]

#: the most a JSON answer may hold once decoded (the model list is ~100 KiB; OCR of a long
#: document with its images inline can pass this: its `process` reads up to 256 MiB)
MAX_JSON_BYTES = 16 * 1024 * 1024
#: the most of an error answer read to show its message (the rest is not read)
MAX_ERROR_BYTES = 1024 * 1024
#: the largest piece one decode step yields
PIECE = 1024 * 1024
#: what the client accepts, and so all it inflates
ACCEPT_ENCODING = "gzip, deflate"


class BodyTooLarge(ValueError):
    """The decoded body passed its limit (`limit` bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {_size(limit)}")
        self.limit = limit


class UnsupportedEncoding(ValueError):
    """A Content-Encoding the client did not ask for."""


def _size(n: int) -> str:
    return f"{n // (1 << 20)} MiB" if n >= 1 << 20 else f"{n} bytes"


class BodyDecoder:
    """`decode(raw) -> pieces` for one body sent with `content_encoding`; raises
    `BodyTooLarge` once more than `limit` decoded bytes came out (None: no limit)."""

    def __init__(self, content_encoding: str | None, limit: int | None = None) -> None:
        encoding = (content_encoding or "identity").strip().lower()
        if encoding in ("", "identity"):
            self._inflate = None
        elif encoding in ("gzip", "x-gzip", "deflate"):
            # 32 + MAX_WBITS: a gzip or zlib header, whichever the server used
            self._inflate = zlib.decompressobj(32 + zlib.MAX_WBITS)
        else:
            raise UnsupportedEncoding(
                f"the server compressed its answer with {encoding!r}, which this client does "
                f"not accept (it asks for {ACCEPT_ENCODING})"
            )
        self.limit = limit
        self.size = 0

    def decode(self, raw: bytes) -> Iterator[bytes]:
        inflate = self._inflate
        if inflate is None:
            if raw:
                yield self._count(raw)
            return
        while not inflate.eof:  # bytes after the end of the gzip member are not the answer
            try:
                piece = inflate.decompress(raw, PIECE)
            except zlib.error as exc:
                raise ValueError(f"the compressed answer is damaged ({exc})") from None
            raw = inflate.unconsumed_tail
            if piece:
                yield self._count(piece)
            if not raw and len(piece) < PIECE:
                return  # all input used and no output held back: wait for more input

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.limit is not None and self.size > self.limit:
            raise BodyTooLarge(self.limit)
        return piece
