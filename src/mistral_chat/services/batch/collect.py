"""A finished job's result files turned into one answer per row, in row order.

The API writes its output and error files in request order in practice, so they are merged
as streams; should a file turn out to be out of order, its answers are sorted on disk
(SQLite) instead, so memory stays flat either way. Every row of the shard gets a line: a
row the job did not answer gets an error saying so. The answers are written to a file as
they are read, and can be joined to the input on the way (one pass, as `batch run` does).
"""

from __future__ import annotations

import heapq
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import msgspec

from mistral_chat.services.batch.results import Answer, AnswerShape, line_reader

__all__ = ["Collector", "OutOfOrder", "normalize"]

_encode = msgspec.json.encode
_FLUSH = 1 << 20


class OutOfOrder(Exception):
    """A result file lists a row after a later one."""


class Collector:
    """The answers of a shard, one per row of ``rows`` (increasing), in row order.

    Iterate it to join the answers as they are read: they are written to ``dest`` on the
    way (unless it is None: the result files are then kept instead, a join's cheapest way),
    and ``answered`` and ``failed`` (``(row, custom_id, message)``) are known once it is
    exhausted. Rows the files lack get ``missing[row]`` (a reason known locally) or
    ``default_missing``. Iterating raises :class:`OutOfOrder` if a result file goes back in
    rows; :meth:`sorted` then gives the same collection through an on-disk sort.
    """

    def __init__(
        self,
        sources: list[Path],
        shape: AnswerShape,
        rows: Iterable[int],
        dest: Path | None,
        missing: Mapping[int, str],
        default_missing: str,
        *,
        sort: bool = False,
    ) -> None:
        self.sources, self.shape, self.dest = sources, shape, dest
        self.rows = rows if isinstance(rows, range) else list(rows)
        self.missing, self.default = missing, default_missing
        self.sort = sort
        self.answered = 0
        self.failed: list[tuple[int, str, str]] = []

    def sorted(self) -> Collector:
        """The same collection, reading the files through an on-disk sort."""
        return Collector(
            self.sources, self.shape, self.rows, self.dest, self.missing, self.default, sort=True
        )

    def __iter__(self) -> Iterator[Answer]:
        self.answered, self.failed = 0, []
        if len(self.sources) == 1 and not self.sort and isinstance(self.rows, range):
            return self._one_file(self.sources[0], self.rows)
        return self._merged()

    def _one_file(self, path: Path, rows: range) -> Iterator[Answer]:
        """The usual case (one output file, a shard's rows), in one flat loop: the same as
        :meth:`_merged`, without its layers of generators."""
        expected, stop = rows.start, rows.stop
        read, failed = line_reader(self.shape), self.failed
        encode_into = msgspec.json.Encoder().encode_into
        buffer = bytearray()
        answered, last = 0, -1
        keep = self.dest is not None
        partial = self.dest.with_suffix(".part") if self.dest is not None else Path(os.devnull)
        with path.open("rb") as src, partial.open("wb") as out:
            for raw in src:
                if len(raw) < 3 and not raw.strip():
                    continue
                answer = read(raw)
                row = answer.row
                if row < last:
                    raise OutOfOrder(path)
                last = row
                while expected < row and expected < stop:
                    yield self._gap(buffer, expected)
                    expected += 1
                if row != expected or row >= stop:
                    continue  # not one of this shard's rows (or a duplicate)
                if keep:
                    encode_into(answer, buffer, -1)
                    buffer += b"\n"
                if answer.error is None:
                    answered += 1
                else:
                    failed.append((row, answer.custom_id, answer.error))
                yield answer
                expected += 1
                if len(buffer) > _FLUSH:
                    out.write(buffer)
                    buffer.clear()
            while expected < stop:
                yield self._gap(buffer, expected)
                expected += 1
            out.write(buffer)
        self.answered = answered
        if self.dest is not None:
            partial.replace(self.dest)

    def _merged(self) -> Iterator[Answer]:
        partial = self.dest.with_suffix(".part") if self.dest is not None else Path(os.devnull)
        streams = [(_sorted if self.sort else _checked)(p, self.shape) for p in self.sources]
        answers = streams[0] if len(streams) == 1 else heapq.merge(*streams, key=_row)
        wanted = iter(self.rows)
        expected = next(wanted, None)
        encode_into = msgspec.json.Encoder().encode_into
        buffer = bytearray()
        answered = 0
        # the hot loop of a large collection: answers go to a buffer, written in large pieces
        with partial.open("wb") as out:
            for answer in answers:
                row = answer.row
                while expected is not None and expected < row:
                    yield self._gap(buffer, expected)
                    expected = next(wanted, None)
                if row != expected:
                    continue  # not one of this shard's rows (or a duplicate)
                encode_into(answer, buffer, -1)
                buffer += b"\n"
                if answer.error is None:
                    answered += 1
                else:
                    self.failed.append((row, answer.custom_id, answer.error))
                yield answer
                expected = next(wanted, None)
                if len(buffer) > _FLUSH:
                    out.write(buffer)
                    buffer.clear()
            while expected is not None:
                yield self._gap(buffer, expected)
                expected = next(wanted, None)
            out.write(buffer)
        self.answered = answered
        if self.dest is not None:
            partial.replace(self.dest)

    def _gap(self, buffer: bytearray, row: int) -> Answer:
        message = self.missing.get(row, self.default)
        answer = Answer(row, "", error=message)
        buffer += _encode(answer) + b"\n"
        self.failed.append((row, "", message))
        return answer

    def run(self) -> Collector:
        """Read everything without joining (sorting if a file turns out of order); the
        collector that did it."""
        try:
            for _ in self:
                pass
        except OutOfOrder:
            return self.sorted().run()
        return self


def normalize(
    sources: list[Path],
    shape: AnswerShape,
    rows: Iterable[int],
    dest: Path,
    missing: Mapping[int, str],
    default_missing: str,
) -> tuple[int, list[tuple[int, str, str]]]:
    """Collect without joining: (rows answered, failures); see :class:`Collector`."""
    done = Collector(sources, shape, rows, dest, missing, default_missing).run()
    return done.answered, done.failed


def _row(answer: Answer) -> int:
    return answer.row


def _answers(path: Path, shape: AnswerShape) -> Iterator[Answer]:
    read = line_reader(shape)
    with path.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                yield read(raw)


def _checked(path: Path, shape: AnswerShape) -> Iterator[Answer]:
    """The file's answers, raising OutOfOrder at the first row that goes back."""
    last = -1
    read = line_reader(shape)
    with path.open("rb") as fh:
        for raw in fh:
            if len(raw) < 3 and not raw.strip():
                continue
            answer = read(raw)
            if answer.row < last:
                raise OutOfOrder(path)
            last = answer.row
            yield answer


def _sorted(path: Path, shape: AnswerShape) -> Iterator[Answer]:
    """The file's answers by row, sorted on disk so memory stays flat."""
    with tempfile.TemporaryDirectory(prefix="mistral-chat-sort-", dir=path.parent) as tmp:
        conn = sqlite3.connect(Path(tmp) / "sort.db")
        try:
            conn.execute("CREATE TABLE a (row INTEGER, line BLOB)")
            with conn:
                conn.executemany(
                    "INSERT INTO a VALUES (?, ?)",
                    ((a.row, _encode(a)) for a in _answers(path, shape)),
                )
            decode = msgspec.json.Decoder(Answer).decode
            for (line,) in conn.execute("SELECT line FROM a ORDER BY row"):
                yield decode(line)
        finally:
            conn.close()
