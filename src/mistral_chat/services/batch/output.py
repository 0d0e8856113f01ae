"""The output of a batch: the input's rows, in order, each with its answer.

``-o OUT`` is JSONL or CSV by its extension: each input row's fields, then the answer's
(:attr:`AnswerShape.columns`), then ``error``. ``--output-dir`` writes one markdown file per
row (OCR); a row that failed gets none. The output is written to a temporary file beside it
and renamed into place when complete, so a killed run never leaves half a file under the
real name; :class:`Joiner` writes shards as they arrive, in input order.
"""

from __future__ import annotations

import csv
import glob
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import msgspec

from mistral_chat.errors import UsageError
from mistral_chat.services.batch.inputs import FILE_COLUMNS, InputTable
from mistral_chat.services.batch.results import Answer, AnswerShape, answers_in

__all__ = ["JoinSummary", "Joiner", "OutputSpec", "RecordWriter", "check_output"]

_CSV = (".csv", ".tsv")
_JSONL = (".jsonl", ".ndjson", ".jsonlines")
_SHOWN_FAILURES = 20


@dataclass(frozen=True)
class OutputSpec:
    """Where the results go: a file (``-o``), a folder of markdown files, or both."""

    path: Path | None = None
    folder: Path | None = None
    force: bool = False

    @property
    def kind(self) -> str:
        return "csv" if self.path is not None and self.path.suffix.lower() in _CSV else "jsonl"


@dataclass
class JoinSummary:
    """What a join wrote: counts, the first failures ("row 3: why"), tokens used."""

    rows: int = 0
    answered: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    files: int = 0


def check_output(out: OutputSpec, table: InputTable, shape: AnswerShape) -> None:
    """Refuse, before anything is sent, an output that cannot be written as asked."""
    if out.path is None and out.folder is None:
        raise UsageError("say where the results go: -o OUT.jsonl, -o OUT.csv or --output-dir DIR")
    if out.path is not None:
        suffix = out.path.suffix.lower()
        if suffix not in _CSV + _JSONL:
            raise UsageError(
                f"{out.path}: the output must end in .jsonl or .csv (it says which to write)"
            )
        if os.path.lexists(out.path) and not out.force:
            raise UsageError(
                f"{out.path} already exists; pass --force to replace it (nothing was sent)"
            )
        from mistral_chat.services.transfers import check_writable

        check_writable(out.path)
        clash = set(_input_columns(table)) & set(shape.columns)
        if clash:
            raise UsageError(
                f"the input already has a column named {sorted(clash)[0]!r}, which the output "
                "adds; rename it in the input (nothing was sent)"
            )
    if out.folder is not None:
        if shape.endpoint != "ocr":
            raise UsageError("--output-dir writes OCR markdown; use it with --endpoint ocr")
        if out.folder.exists() and not out.folder.is_dir():
            raise UsageError(f"{out.folder} is not a directory; choose a folder for --output-dir")
        if out.folder.is_dir() and any(out.folder.iterdir()) and not out.force:
            raise UsageError(
                f"{out.folder} is not empty; pass --force to write into it (nothing was sent)"
            )


def _input_columns(table: InputTable) -> list[str]:
    return list(FILE_COLUMNS) if table.kind == "files" else list(table.columns)


class Joiner:
    """Walks the input and the answers side by side, writing the output as shards arrive.

    joiner = Joiner(table, shape, out)
    joiner.add(first_shard_answers)      # any number of times, in row order
    summary = joiner.finish()            # renames the output into place
    """

    def __init__(self, table: InputTable, shape: AnswerShape, out: OutputSpec) -> None:
        self.table = table
        self.shape = shape
        self.out = out
        self.summary = JoinSummary()
        self._records = table.records()
        self._columns = _input_columns(table)
        answer_columns = shape.columns
        if out.folder is not None:
            answer_columns = [c if c != "markdown" else "markdown_file" for c in answer_columns]
            out.folder.mkdir(parents=True, exist_ok=True)
            self._names = _markdown_names(table)
        self._answer_columns = answer_columns
        self._partial: Path | None = None
        self._fh: IO[Any] | None = None
        self._write: Any = None
        self._plain: Any = None  # the CSV writer's writerow, for the flattened join
        if out.path is not None:
            self._open(out.path)

    def _open(self, path: Path) -> None:
        for stale in path.parent.glob(f".{glob.escape(path.name)}.*.partial"):
            stale.unlink(missing_ok=True)  # left by a run that was killed while writing
        self._partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        if self.out.kind == "csv":
            fh: IO[Any] = self._partial.open("w", newline="", encoding="utf-8")
            delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
            writer = csv.writer(fh, delimiter=delimiter)
            writer.writerow(self._columns + self._answer_columns)
            self._write = self._csv_writer(writer)
            if self.table.kind == "csv" and self.shape.plain and self.out.folder is None:
                self._plain = writer.writerow
        else:
            fh = self._partial.open("wb")
            self._write = self._jsonl_writer(fh)
        self._fh = fh

    def add(self, answers: Iterator[Answer]) -> None:
        """Join the next answers (in row order, from the next input row on)."""
        if self._plain is not None:
            self._add_plain(answers, self._plain)
            return
        summary, write, records = self.summary, self._write, self._records
        row = summary.rows
        answered = prompt = completion = 0
        folder = self.out.folder
        # the hot loop of a large join: counters in locals, added to the summary at the end
        try:
            for answer in answers:
                data = next(records)
                if row != answer.row:
                    raise RuntimeError(f"answer for row {answer.row} met input row {row}")
                fields = answer.fields
                if answer.error is None and fields is not None:
                    answered += 1
                    prompt += answer.prompt_tokens or 0
                    completion += answer.completion_tokens or 0
                    if folder is not None:
                        fields = self._markdown(row, fields)
                else:
                    summary.failed += 1
                    if len(summary.failures) < _SHOWN_FAILURES:
                        summary.failures.append(f"row {row + 1}: {answer.error or 'no answer'}")
                if write is not None:
                    write(data, answer, fields)
                row += 1
        finally:
            summary.rows = row
            summary.answered += answered
            summary.prompt_tokens += prompt
            summary.completion_tokens += completion

    def _add_plain(self, answers: Iterator[Answer], writerow: Any) -> None:
        """`add` for the commonest join (CSV rows, text answers, a CSV output), flattened:
        it is the loop a 100,000-row batch spends its time in."""
        summary, records, width = self.summary, self._records, len(self._columns)
        row = summary.rows
        answered = prompt = completion = 0
        try:
            for answer in answers:
                data = next(records)
                if row != answer.row or len(data) != width:
                    raise RuntimeError(f"answer for row {answer.row} met input row {row}")
                fields, error = answer.fields, answer.error
                if error is None and fields is not None:
                    answered += 1
                    prompt += answer.prompt_tokens or 0
                    completion += answer.completion_tokens or 0
                    data += (fields["answer"], answer.prompt_tokens, answer.completion_tokens, None)
                else:
                    summary.failed += 1
                    if len(summary.failures) < _SHOWN_FAILURES:
                        summary.failures.append(f"row {row + 1}: {error or 'no answer'}")
                    data += (None, answer.prompt_tokens, answer.completion_tokens, error)
                writerow(data)
                row += 1
        finally:
            summary.rows = row
            summary.answered += answered
            summary.prompt_tokens += prompt
            summary.completion_tokens += completion

    def restart(self) -> None:
        """Start the output again from the first row (the answers turned out of order)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        self.summary = JoinSummary()
        self._records = self.table.records()
        if self.out.path is not None:
            self._open(self.out.path)

    def add_files(self, paths: list[Path]) -> None:
        self.add(answers_in(paths))

    def finish(self) -> JoinSummary:
        """Close the output and put it in place; the input must be fully joined."""
        if self._fh is not None:
            self._fh.close()
            assert self._partial is not None and self.out.path is not None
            from mistral_chat.services.transfers import make_readable

            make_readable(self._partial)
            self._partial.replace(self.out.path)
            self._fh = None
        return self.summary

    def abandon(self) -> None:
        """Drop a partial output (an error before the end)."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._partial is not None:
            self._partial.unlink(missing_ok=True)

    # writers

    def _values(self, answer: Answer, fields: dict[str, Any] | None) -> list[Any]:
        values: list[Any] = []
        for name in self._answer_columns:
            if name == "error":
                values.append(answer.error)
            elif name == "prompt_tokens":
                values.append(answer.prompt_tokens)
            elif name == "completion_tokens":
                values.append(answer.completion_tokens)
            else:
                values.append(fields.get(name) if fields else None)
        return values

    def _csv_writer(self, writer: Any) -> Any:
        kind = self.table.kind
        values = self._values

        def write(data: Any, answer: Answer, fields: dict[str, Any] | None) -> None:
            if kind == "csv":
                row = list(data)
            elif kind == "jsonl":
                row = [_cell(data.get(c)) for c in self._columns]
            else:
                row = [data.name, str(data), data.stem]
            writer.writerow(row + [_cell(v) for v in values(answer, fields)])

        return write

    def _jsonl_writer(self, fh: IO[bytes]) -> Any:
        kind, columns = self.table.kind, self._columns
        names = self._answer_columns
        values = self._values
        encode = msgspec.json.encode

        def write(data: Any, answer: Answer, fields: dict[str, Any] | None) -> None:
            if kind == "csv":
                record = dict(zip(columns, data, strict=True))
            elif kind == "jsonl":
                record = dict(data)
            else:
                record = {"file": data.name, "path": str(data), "stem": data.stem}
            record.update(zip(names, values(answer, fields), strict=True))
            fh.write(encode(record) + b"\n")

        return write

    def _markdown(self, row: int, fields: dict[str, Any]) -> dict[str, Any]:
        assert self.out.folder is not None
        target = self.out.folder / self._names(row)
        from mistral_chat.services.transfers import write_text_atomic

        write_text_atomic(target, str(fields.get("markdown") or ""))
        self.summary.files += 1
        shown = {k: v for k, v in fields.items() if k != "markdown"}
        shown["markdown_file"] = str(target)
        return shown


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return msgspec.json.encode(value).decode()


def _markdown_names(table: InputTable) -> Any:
    """A row's markdown file name: its file's stem (its whole name when stems repeat)."""
    if table.kind != "files":
        return lambda row: f"row-{row + 1}.md"
    stems = [p.stem for p in table.files]
    repeated = len(set(stems)) != len(stems)
    names = [(p.name if repeated else p.stem) + ".md" for p in table.files]
    return lambda row: names[row]


class RecordWriter:
    """Records (dicts) written to a CSV or JSONL file by its extension, under ``columns``;
    atomically, like the joined output."""

    def __init__(self, path: Path, columns: list[str]) -> None:
        self.path = path
        self.columns = columns
        self._partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        self._csv = path.suffix.lower() in _CSV
        if self._csv:
            self._fh: IO[Any] = self._partial.open("w", newline="", encoding="utf-8")
            delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
            self._writer = csv.writer(self._fh, delimiter=delimiter)
            self._writer.writerow(columns)
        else:
            self._fh = self._partial.open("wb")

    def write(self, record: dict[str, Any]) -> None:
        if self._csv:
            self._writer.writerow([_cell(record.get(c)) for c in self.columns])
        else:
            self._fh.write(msgspec.json.encode({c: record.get(c) for c in self.columns}) + b"\n")

    def finish(self) -> None:
        from mistral_chat.services.transfers import make_readable

        self._fh.close()
        make_readable(self._partial)
        self._partial.replace(self.path)

    def abandon(self) -> None:
        self._fh.close()
        self._partial.unlink(missing_ok=True)
