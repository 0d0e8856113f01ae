"""What `batch run` reads: a CSV (header row), JSONL (one object a line), a folder or glob of
files (each file is a row, sent as an attachment), or stdin (saved to a file first, so the
results can be joined back to it). Rows are streamed: an input is never held in memory.

Each row comes with its 0-based number and the line it starts on (for messages):

    >>> table = open_input("people.csv", Path("/tmp"))         # doctest: +SKIP
    >>> next(table.rows())                                    # doctest: +SKIP
    (0, 2, ['Ada', 'London'])
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from mistral_chat.errors import UsageError

__all__ = ["FILE_COLUMNS", "InputError", "InputTable", "open_input"]

#: the columns a file row offers to a template
FILE_COLUMNS = ("file", "path", "stem")
_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
_GLOB_CHARS = set("*?[")


class InputError(UsageError, ValueError):
    """An input that cannot be read as rows; the message names the file and line."""


@dataclass
class InputTable:
    """An input's kind, where it is read from, and its columns (a file row: FILE_COLUMNS)."""

    kind: str  # "csv", "jsonl" or "files"
    name: str  # as the user named it, for messages
    path: Path  # the file read (a folder or glob pattern for "files")
    columns: list[str]
    delimiter: str = ","
    files: list[Path] = field(default_factory=list)
    only: frozenset[int] | None = None  # read only these rows (a retry)

    def rows(self) -> Iterator[tuple[int, int, Any]]:
        """``(row, line, data)``: data is a list of strings (CSV), a dict (JSONL), a Path."""
        rows: Iterator[tuple[int, int, Any]]
        if self.kind == "csv":
            rows = self._csv_rows()
        elif self.kind == "jsonl":
            rows = self._jsonl_rows()
        else:
            rows = ((n, n + 1, path) for n, path in enumerate(self.files))
        only = self.only
        return rows if only is None else (r for r in rows if r[0] in only)

    def records(self) -> Iterator[Any]:
        """The rows' data alone, in order (a join needs no line numbers, and is faster so)."""
        if self.kind != "csv" or self.only is not None:
            return (data for _row, _line, data in self.rows())
        return self._csv_records()

    def _csv_records(self) -> Iterator[list[str]]:
        # rows were checked when the run was built; the join checks their width again
        with _open_text(self.path, self.name) as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            next(reader, None)
            yield from filter(None, reader)  # blank lines are no rows

    def identity(self) -> tuple[int, float]:
        """Size and modification time, to tell that the input changed since a run."""
        if self.kind == "files":
            stats = [p.stat() for p in self.files]
            return sum(s.st_size for s in stats), max((s.st_mtime for s in stats), default=0.0)
        stat = self.path.stat()
        return stat.st_size, stat.st_mtime

    def _csv_rows(self) -> Iterator[tuple[int, int, list[str]]]:
        width = len(self.columns)
        with _open_text(self.path, self.name) as fh:
            reader = csv.reader(fh, delimiter=self.delimiter)
            n = 0
            try:
                next(reader, None)
                for fields in reader:
                    if len(fields) != width:
                        if not fields:
                            continue  # a blank line
                        raise InputError(
                            f"{self.name} line {reader.line_num} has {len(fields)} fields but the "
                            f"header has {width}; fix that row (quote fields that hold "
                            f"{self.delimiter!r}); nothing was sent"
                        )
                    yield n, reader.line_num, fields
                    n += 1
            except csv.Error as exc:
                raise InputError(
                    f"{self.name} line {reader.line_num} is not valid CSV ({exc}); nothing was sent"
                ) from None
            except UnicodeDecodeError:
                raise InputError(
                    f"{self.name} is not UTF-8 text (after line {reader.line_num}); save it as "
                    "UTF-8; nothing was sent"
                ) from None

    def _jsonl_rows(self) -> Iterator[tuple[int, int, dict[str, Any]]]:
        decode = msgspec.json.Decoder().decode
        n = 0
        with _open_binary(self.path, self.name) as fh:
            for line_no, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    value = decode(raw)
                except msgspec.DecodeError as exc:
                    raise InputError(
                        f"{self.name} line {line_no} is not JSON ({exc}); write one JSON object "
                        "a line; nothing was sent"
                    ) from None
                if not isinstance(value, dict):
                    raise InputError(
                        f"{self.name} line {line_no} is not a JSON object; write one object a "
                        "line; nothing was sent"
                    )
                yield n, line_no, value
                n += 1


def open_input(arg: str, spool_dir: Path, stdin: IO[bytes] | None = None) -> InputTable:
    """The input ``arg`` names: ``-`` (stdin, saved under ``spool_dir``), a folder, a glob
    pattern, or a CSV/JSONL file (by extension, else by its first character)."""
    if arg == "-":
        if stdin is None:
            raise InputError("- reads the input from stdin, but nothing was piped")
        return _from_file(_spool(stdin, spool_dir), "stdin")
    path = Path(arg).expanduser().absolute()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        if not files:
            raise InputError(f"{arg} holds no files; nothing was sent")
        return InputTable("files", arg, path, list(FILE_COLUMNS), files=files)
    if not path.exists() and _GLOB_CHARS & set(arg):
        pattern = Path(arg).expanduser().absolute()
        # the stdlib glob takes any pattern (Path.glob only relative ones)
        matches = sorted(Path(p) for p in glob.glob(str(pattern), recursive=True))  # noqa: PTH207
        files = [p for p in matches if p.is_file()]
        if not files:
            raise InputError(f"no files match {arg}; nothing was sent")
        return InputTable("files", arg, pattern, list(FILE_COLUMNS), files=files)
    if not path.exists():
        raise InputError(f"no such file: {arg}; check the path")
    if not path.is_file():
        raise InputError(f"{arg} is not a file or a folder")
    return _from_file(path, arg)


def _from_file(path: Path, name: str) -> InputTable:
    with _open_binary(path, name) as fh:
        head = fh.read(64 * 1024)
    if not head.strip():
        raise InputError(f"{name} is empty; nothing was sent")
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES or (suffix not in (".csv", ".tsv") and head.lstrip()[:1] == b"{"):
        first = next(InputTable("jsonl", name, path, []).rows(), None)
        columns = list(first[2]) if first else []
        return InputTable("jsonl", name, path, columns)
    delimiter = "\t" if suffix == ".tsv" else ","
    with _open_text(path, name) as fh:
        try:
            header = next(csv.reader(fh, delimiter=delimiter), [])
        except UnicodeDecodeError:
            raise InputError(
                f"{name} is not UTF-8 text; save it as UTF-8; nothing was sent"
            ) from None
        except csv.Error as exc:
            raise InputError(f"{name} line 1 cannot be read as a CSV header ({exc})") from None
    if not header or not any(h.strip() for h in header):
        raise InputError(f"{name} has no header row; its first line must name the columns")
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        raise InputError(
            f"{name} names the column {duplicates[0]!r} twice in its header; rename one"
        )
    return InputTable("csv", name, path, header, delimiter=delimiter)


def _spool(stdin: IO[bytes], folder: Path) -> Path:
    """Save stdin under ``folder``, named by its content's hash (the same data, the same run)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = folder / f"stdin-{os.getpid()}.part"
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        while chunk := stdin.read(1024 * 1024):
            digest.update(chunk)
            out.write(chunk)
    target = folder / f"stdin-{digest.hexdigest()[:16]}"
    partial.replace(target)
    return target


def _open_text(path: Path, name: str) -> IO[str]:
    try:
        return path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None


def _open_binary(path: Path, name: str) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
