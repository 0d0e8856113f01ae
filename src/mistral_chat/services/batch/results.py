"""Result lines: what the API answered for each request, read into :class:`Answer` records.

A job's output and error files hold one ``{"custom_id", "response": {"status_code",
"body"}, "error"}`` line per request. A line is decoded once, straight into typed records
(the body as the endpoint answers it), which is what keeps reading 100,000 of them cheap;
a line of another shape takes the slow, tolerant path.

What an answer holds depends on the endpoint (:class:`AnswerShape`): the chat's text (or,
with a JSON Schema, its fields), an embedding, moderation flags, or OCR markdown; plus the
tokens. Failed requests keep the status and the API's own message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Generic, TypeVar

import msgspec

__all__ = [
    "Answer",
    "AnswerShape",
    "answers_in",
    "line_reader",
    "read_answer",
    "read_result_line",
    "row_of",
]


class Answer(msgspec.Struct, array_like=True):
    """One row's outcome: its fields (None when it failed), its tokens, or why it failed."""

    row: int
    custom_id: str
    fields: dict[str, Any] | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    error: str | None = None


class _Usage(msgspec.Struct):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class _Message(msgspec.Struct):
    content: Any = None


class _Choice(msgspec.Struct):
    message: _Message | None = None


class _Failure(msgspec.Struct):
    """What an error body may say (beside the endpoint's own fields)."""

    message: Any = None
    detail: Any = None


class _Chat(_Failure):
    choices: list[_Choice] = []
    usage: _Usage | None = None


class _Embedding(msgspec.Struct):
    embedding: Any = None


class _Embeddings(_Failure):
    data: list[_Embedding] = []
    usage: _Usage | None = None


class _Moderation(msgspec.Struct):
    categories: dict[str, Any] = {}


class _Moderations(_Failure):
    results: list[_Moderation] = []
    usage: _Usage | None = None


class _Page(msgspec.Struct):
    index: int = 0
    markdown: str = ""


class _OCR(_Failure):
    pages: list[_Page] = []


B = TypeVar("B")


class _Response(msgspec.Struct, Generic[B]):
    status_code: int = 0
    body: B | None = None


class _Line(msgspec.Struct, Generic[B]):
    custom_id: str | None = None
    response: _Response[B] | None = None
    error: Any = None


_BODY_TYPES: dict[str, Any] = {
    "chat": _Chat,
    "fim": _Chat,
    "embeddings": _Embeddings,
    "moderations": _Moderations,
    "ocr": _OCR,
    "raw": Any,
}
_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    name: msgspec.json.Decoder(_Line[kind])  # type: ignore[valid-type]
    for name, kind in _BODY_TYPES.items()
}
_ANSWER = msgspec.json.Decoder(Answer)


class _PlainMessage(msgspec.Struct):
    content: str | None = None


class _PlainChoice(msgspec.Struct):
    message: _PlainMessage | None = None


class _PlainChat(_Failure):
    """A chat answer whose content is text (the common case: read without a second look)."""

    choices: list[_PlainChoice] = []
    usage: _Usage | None = None


_PLAIN = msgspec.json.Decoder(_Line[_PlainChat])
_ANY = msgspec.json.Decoder()


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

    @cached_property
    def plain(self) -> bool:
        """Whether every answer column holds text or a number (CSV takes them as they are)."""
        return self.endpoint in ("chat", "fim") and not self.schema_fields and not self.json

    def read(self, body: bytes) -> Answer:
        """The fields and tokens of a 200 answer's body (row and id left to the caller)."""
        answer = Answer(-1, "")
        try:
            self._fill(answer, _DECODERS[self.endpoint].decode(b'{"response":{"body":%s}}' % body))
        except (msgspec.DecodeError, ValueError) as exc:
            answer.error = f"unreadable answer ({exc})"
        return answer

    def _fill(self, answer: Answer, line: _Line[Any]) -> None:
        """Set the answer's fields from a decoded 200 body; ValueError if it is not one."""
        body = line.response.body if line.response is not None else None
        if self.endpoint == "raw":
            answer.fields = {"response": body}
            return
        if isinstance(body, _Chat | _PlainChat):
            answer.fields = self._chat(body)
        elif isinstance(body, _Embeddings):
            answer.fields = {"embedding": body.data[0].embedding if body.data else None}
        elif isinstance(body, _Moderations):
            categories = body.results[0].categories if body.results else {}
            flagged = sorted(k for k, v in categories.items() if v)
            answer.fields = {"flagged": bool(flagged), "categories": flagged}
        elif isinstance(body, _OCR):
            answer.fields = {"markdown": pages_markdown(body.pages), "pages": len(body.pages)}
        else:
            raise ValueError("no answer in the response")
        usage = getattr(body, "usage", None)
        if usage is not None:
            answer.prompt_tokens = usage.prompt_tokens
            answer.completion_tokens = usage.completion_tokens

    def _chat(self, body: _Chat | _PlainChat) -> dict[str, Any]:
        message = body.choices[0].message if body.choices else None
        content = message.content if message is not None else None
        text = content if isinstance(content, str) else _text_of(content)
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


def _text_of(content: Any) -> str:
    if isinstance(content, list):  # chunks: keep the text, not the reasoning
        return "".join(
            c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"
        )
    return ""


def row_of(custom_id: str | None) -> int | None:
    """The row a custom_id of ours names (``"17-3f9a0c2b41de"`` -> 17), else None."""
    head, dash, _ = (custom_id or "").partition("-")
    return int(head) if dash and head.isdigit() else None


def read_result_line(raw: bytes, shape: AnswerShape) -> Answer:
    """One line of an output or error file as an answer (row -1 for an id not of ours;
    ``custom_id`` empty when the line has none)."""
    return line_reader(shape)(raw)


def line_reader(shape: AnswerShape) -> Callable[[bytes], Answer]:
    """:func:`read_result_line` for one shape, with what it needs bound once (it runs for
    every line of a large job)."""
    first = _PLAIN.decode if shape.plain else _DECODERS[shape.endpoint].decode
    second = _DECODERS[shape.endpoint].decode
    plain = shape.plain

    def read(raw: bytes) -> Answer:
        try:
            line = first(raw)
        except msgspec.ValidationError:
            try:
                line = second(raw)  # a chat answer in chunks, say
            except (msgspec.DecodeError, msgspec.ValidationError):
                return _tolerant(raw, shape)
        except msgspec.DecodeError:
            return _tolerant(raw, shape)
        cid = line.custom_id or ""
        head, dash, _ = cid.partition("-")
        row = int(head) if dash and head.isdigit() else -1
        response = line.response
        if line.error is None and response is not None and response.status_code == 200:
            body = response.body
            if plain and body is not None and body.choices:  # the common case, in one go
                message = body.choices[0].message
                content = message.content if message is not None else None
                text = content if isinstance(content, str) else _text_of(content)
                usage = body.usage
                if usage is None:
                    return Answer(row, cid, {"answer": text})
                return Answer(
                    row, cid, {"answer": text}, usage.prompt_tokens, usage.completion_tokens
                )
            answer = Answer(row, cid)
            try:
                shape._fill(answer, line)
            except ValueError as exc:
                answer.error = str(exc)
            return answer
        answer = Answer(row, cid)
        body = response.body if response is not None else None
        answer.error = _failure(line.error, response.status_code if response else None, body)
        return answer

    return read


def _tolerant(raw: bytes, shape: AnswerShape) -> Answer:
    """A line whose body is not the endpoint's shape (an HTML page, a string...)."""
    try:
        line = _ANY.decode(raw)
    except msgspec.DecodeError as exc:
        return Answer(-1, "", error=f"unreadable result line ({exc})")
    if not isinstance(line, dict):
        return Answer(-1, "", error="unreadable result line (not an object)")
    cid = line.get("custom_id") if isinstance(line.get("custom_id"), str) else None
    row = row_of(cid)
    given = line.get("response")
    response: dict[str, Any] = given if isinstance(given, dict) else {}
    status = response.get("status_code")
    if line.get("error") is None and status == 200:
        answer = shape.read(msgspec.json.encode(response.get("body")))
    else:
        answer = Answer(-1, "", error=_failure(line.get("error"), status, response.get("body")))
    answer.row, answer.custom_id = row if row is not None else -1, cid or ""
    return answer


def _failure(error: Any, status: Any, body: Any) -> str:
    """Why a line failed, in one line: the status and the API's own message."""
    message = error.get("message") if isinstance(error, dict) else error
    if message is None and isinstance(body, dict):
        body = _Failure(body.get("message"), body.get("detail"))
    if message is None and isinstance(body, _Failure):
        message, detail = body.message, body.detail
        if message is None and isinstance(detail, list) and detail:
            first = detail[0] if isinstance(detail[0], dict) else {}
            where = ".".join(str(p) for p in first.get("loc") or [])
            message = f"{first.get('msg', 'invalid')} ({where})"
        elif message is None and isinstance(detail, str):
            message = detail
    text = " ".join(str(message or "the request failed").split())
    return f"{status}: {text}" if isinstance(status, int) else text


def read_answer(raw: bytes) -> Answer:
    return _ANSWER.decode(raw)


def answers_in(paths: Iterable[Path]) -> Iterator[Answer]:
    """The answers of shard answer files, in the order given."""
    decode = _ANSWER.decode
    for path in paths:
        with path.open("rb") as fh:
            for raw in fh:
                yield decode(raw)
