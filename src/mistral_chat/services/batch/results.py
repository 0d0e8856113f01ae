"""Results: the API's result lines read into answers, answers joined back to the input rows.

A job's output and error files (``{"custom_id", "response": {"status_code", "body"}, "error"}``
per line) are read once into one file of :class:`Answer` lines per shard, in row order and
with a line for every row of the shard (a row the job did not answer gets an error saying
so). Joining is then a walk down the input and the answers side by side: nothing is held in
memory, whatever the size.

What an answer holds depends on the endpoint (:class:`AnswerShape`): the chat's text (or, with
a JSON Schema, its fields), an embedding, moderation flags, or OCR markdown; plus the tokens.
"""

from __future__ import annotations

import heapq
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

__all__ = [
    "Answer",
    "AnswerShape",
    "answers_in",
    "normalize",
    "read_answer",
    "read_result_line",
    "row_of",
]


class Answer(msgspec.Struct, array_like=True):
    """One row's outcome: its fields (None when it failed), its usage, or why it failed."""

    row: int
    custom_id: str
    fields: dict[str, Any] | None = None
    usage: dict[str, int] | None = None
    error: str | None = None


class _Response(msgspec.Struct):
    status_code: int = 0
    body: msgspec.Raw = msgspec.Raw(b"null")


class _ResultLine(msgspec.Struct):
    custom_id: str | None = None
    response: _Response | None = None
    error: Any = None


class _Message(msgspec.Struct):
    content: Any = None


class _Choice(msgspec.Struct):
    message: _Message | None = None
    finish_reason: str | None = None


class _Chat(msgspec.Struct):
    choices: list[_Choice] = []
    usage: dict[str, Any] | None = None


class _Embedding(msgspec.Struct):
    embedding: Any = None


class _Embeddings(msgspec.Struct):
    data: list[_Embedding] = []
    usage: dict[str, Any] | None = None


class _Moderation(msgspec.Struct):
    categories: dict[str, Any] = {}


class _Moderations(msgspec.Struct):
    results: list[_Moderation] = []
    usage: dict[str, Any] | None = None


class _Page(msgspec.Struct):
    index: int = 0
    markdown: str = ""


class _OCR(msgspec.Struct):
    pages: list[_Page] = []


_LINE = msgspec.json.Decoder(_ResultLine)
_ANSWER = msgspec.json.Decoder(Answer)
_BODIES: dict[str, msgspec.json.Decoder[Any]] = {
    "chat": msgspec.json.Decoder(_Chat),
    "fim": msgspec.json.Decoder(_Chat),
    "embeddings": msgspec.json.Decoder(_Embeddings),
    "moderations": msgspec.json.Decoder(_Moderations),
    "ocr": msgspec.json.Decoder(_OCR),
    "raw": msgspec.json.Decoder(),
}
_ANY = msgspec.json.Decoder()
_encode = msgspec.json.encode


@dataclass(frozen=True)
class AnswerShape:
    """The fields an endpoint's answer gives (``schema_fields`` for a JSON Schema's
    properties, ``json`` when the answer is JSON to parse)."""

    endpoint: str
    schema_fields: tuple[str, ...] = ()
    json: bool = False

    @property
    def columns(self) -> list[str]:
        """The output's answer columns, in order, after the input's own."""
        if self.endpoint == "embeddings":
            return ["embedding", "prompt_tokens", "error"]
        if self.endpoint == "moderations":
            return ["flagged", "categories", "error"]
        if self.endpoint == "ocr":
            return ["markdown", "pages", "error"]
        if self.endpoint == "raw":  # an endpoint this client does not read: the body as it is
            return ["response", "error"]
        answer = list(self.schema_fields) or ["answer"]
        return [*answer, "prompt_tokens", "completion_tokens", "error"]

    def fields(self, status: int, body: bytes) -> tuple[dict[str, Any], dict[str, int] | None]:
        """An answer's fields and usage from a 200 body; ValueError when it cannot be read."""
        try:
            parsed = _BODIES[self.endpoint].decode(body)
        except (msgspec.DecodeError, KeyError) as exc:
            raise ValueError(f"unreadable answer ({exc})") from None
        if self.endpoint == "raw":
            return {"response": parsed}, _usage(
                parsed.get("usage") if isinstance(parsed, dict) else None
            )
        usage = _usage(getattr(parsed, "usage", None))
        if isinstance(parsed, _Chat):
            return self._chat(parsed), usage
        if isinstance(parsed, _Embeddings):
            vector = parsed.data[0].embedding if parsed.data else None
            return {"embedding": vector}, usage
        if isinstance(parsed, _Moderations):
            categories = parsed.results[0].categories if parsed.results else {}
            flagged = sorted(k for k, v in categories.items() if v)
            return {"flagged": bool(flagged), "categories": flagged}, usage
        assert isinstance(parsed, _OCR)
        return {"markdown": pages_markdown(parsed.pages), "pages": len(parsed.pages)}, None

    def _chat(self, parsed: _Chat) -> dict[str, Any]:
        message = parsed.choices[0].message if parsed.choices else None
        text = _text_of(message.content if message else None)
        if not self.json and not self.schema_fields:
            return {"answer": text}
        try:
            value = _ANY.decode(text)
        except msgspec.DecodeError:
            raise ValueError(f"the answer is not valid JSON: {text[:80]!r}") from None
        if self.schema_fields:
            if not isinstance(value, dict):
                raise ValueError("the answer is not a JSON object")
            return {name: value.get(name) for name in self.schema_fields}
        return {"answer": value}


def pages_markdown(pages: Iterable[_Page]) -> str:
    """Pages joined as `mistral-chat ocr` writes them: each after `<!-- page N -->`."""
    return "\n".join(f"<!-- page {p.index + 1} -->\n\n{p.markdown.strip()}\n" for p in pages)


def _usage(raw: Any) -> dict[str, int] | None:
    if not isinstance(raw, dict):
        return None
    keys = ("prompt_tokens", "completion_tokens")
    return {k: int(raw[k]) for k in keys if isinstance(raw.get(k), int)}


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # chunks: keep the text, not the reasoning
        return "".join(
            c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"
        )
    return ""


def row_of(custom_id: str | None) -> int | None:
    """The row a custom_id of ours names (``"17-3f9a0c2b41de"`` -> 17), else None."""
    if not custom_id:
        return None
    head, dash, _ = custom_id.partition("-")
    return int(head) if dash and head.isdigit() else None


def read_result_line(raw: bytes, shape: AnswerShape) -> tuple[str | None, Answer]:
    """One line of an output or error file as (custom_id, answer); row -1 for foreign ids."""
    try:
        line = _LINE.decode(raw)
    except msgspec.DecodeError as exc:
        return None, Answer(-1, "", error=f"unreadable result line ({exc})")
    cid = line.custom_id
    row = row_of(cid)
    answer = Answer(row if row is not None else -1, cid or "")
    response = line.response
    if line.error is None and response is not None and response.status_code == 200:
        try:
            answer.fields, answer.usage = shape.fields(200, response.body)
        except ValueError as exc:
            answer.error = str(exc)
        return cid, answer
    answer.error = _failure(line, response)
    return cid, answer


def _failure(line: _ResultLine, response: _Response | None) -> str:
    """Why a line failed, in one line: the status and the API's own message."""
    status = response.status_code if response is not None else None
    message = None
    if isinstance(line.error, dict):
        message = line.error.get("message")
    elif isinstance(line.error, str):
        message = line.error
    if message is None and response is not None:
        try:
            body = _ANY.decode(response.body)
        except msgspec.DecodeError:
            body = None
        if isinstance(body, dict):
            message = body.get("message")
            detail = body.get("detail")
            if message is None and isinstance(detail, list) and detail:
                first = detail[0] if isinstance(detail[0], dict) else {}
                where = ".".join(str(p) for p in first.get("loc") or [])
                message = f"{first.get('msg', 'invalid')} ({where})"
            elif message is None and isinstance(detail, str):
                message = detail
    text = " ".join(str(message or "the request failed").split())
    return f"{status}: {text}" if status else text


def read_answer(raw: bytes) -> Answer:
    return _ANSWER.decode(raw)


def answers_in(paths: Iterable[Path]) -> Iterator[Answer]:
    """The answers of shard result files, in the order given."""
    for path in paths:
        with path.open("rb") as fh:
            for raw in fh:
                yield _ANSWER.decode(raw)


def normalize(
    sources: list[Path],
    shape: AnswerShape,
    rows: Iterable[int],
    dest: Path,
    missing: Mapping[int, str],
    default_missing: str,
) -> tuple[int, list[tuple[int, str, str]]]:
    """Write one answer line per row of ``rows`` (increasing) to ``dest`` from the job's
    result files.

    Rows the files lack get ``missing[row]`` (a reason known locally) or ``default_missing``.
    Returns how many rows were answered and the failures ``(row, custom_id, message)``.
    """
    answered, failed = 0, []
    partial = dest.with_suffix(".part")
    wanted = iter(rows)
    with partial.open("wb") as out:
        expected = next(wanted, None)
        for answer in _in_row_order(sources, shape):
            while expected is not None and expected < answer.row:
                failed.append(_gap(out, expected, missing, default_missing))
                expected = next(wanted, None)
            if expected is None or answer.row != expected:
                continue  # not one of this shard's rows (or a duplicate)
            out.write(_encode(answer) + b"\n")
            if answer.error is None:
                answered += 1
            else:
                failed.append((answer.row, answer.custom_id, answer.error))
            expected = next(wanted, None)
        while expected is not None:
            failed.append(_gap(out, expected, missing, default_missing))
            expected = next(wanted, None)
    partial.replace(dest)
    return answered, failed


def _gap(out: Any, row: int, missing: Mapping[int, str], default: str) -> tuple[int, str, str]:
    message = missing.get(row, default)
    out.write(_encode(Answer(row, "", error=message)) + b"\n")
    return row, "", message


def _in_row_order(sources: list[Path], shape: AnswerShape) -> Iterator[Answer]:
    """The answers of the result files merged by row; files out of order are sorted first."""
    streams = []
    for path in sources:
        if _sorted(path):
            streams.append(_answers_of(path, shape))
        else:
            streams.append(_sorted_answers(path, shape))
    return heapq.merge(*streams, key=lambda a: a.row)


def _answers_of(path: Path, shape: AnswerShape) -> Iterator[Answer]:
    with path.open("rb") as fh:
        for raw in fh:
            if raw.strip():
                yield read_result_line(raw, shape)[1]


class _CustomId(msgspec.Struct):
    custom_id: str | None = None


_CID = msgspec.json.Decoder(_CustomId)


def _sorted(path: Path) -> bool:
    """Whether a result file lists its rows in increasing order (the API's usual order)."""
    last = -1
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                row = row_of(_CID.decode(raw).custom_id)
            except msgspec.DecodeError:
                continue
            if row is None:
                continue
            if row < last:
                return False
            last = row
    return True


def _sorted_answers(path: Path, shape: AnswerShape) -> Iterator[Answer]:
    """A result file's answers by row, sorted on disk (SQLite) so memory stays flat."""
    with tempfile.TemporaryDirectory(prefix="mistral-chat-sort-", dir=path.parent) as tmp:
        conn = sqlite3.connect(Path(tmp) / "sort.db")
        try:
            conn.execute("CREATE TABLE a (row INTEGER, line BLOB)")
            with conn:
                conn.executemany(
                    "INSERT INTO a VALUES (?, ?)",
                    ((a.row, _encode(a)) for a in _answers_of(path, shape)),
                )
            for (line,) in conn.execute("SELECT line FROM a ORDER BY row"):
                yield _ANSWER.decode(line)
        finally:
            conn.close()
