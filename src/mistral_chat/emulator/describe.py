"""What the emulator answers: a description of what it received, one fact per paragraph.

    You said: <last user message text, text chunks joined with a space>
    Image 1: PNG 64x48, dominant colour red (#ff0000), sent as data URI image/png
    Image 2: URL https://example.com/cat.jpg
    Document 1: report.pdf (2048 bytes, application/pdf) via signed URL
    Document 2: URL https://example.com/paper.pdf
    File 1: notes.txt (45 bytes)
    Audio 1: 1024 bytes
    Tool result: get_weather: {"temp": 21}
    System: <system text>
    Messages: 3 (system 1, user 1, assistant 1)

Attachments are those of the last user message. With ``response_format`` ``json_object``
the same facts come as one JSON object (:meth:`Facts.as_json`); with ``json_schema``, as a
value of the schema (see :mod:`.schema`). ``stop`` cuts the answer before the first stop
string, before ``max_tokens`` applies. A prompt whose tokens (as counted for
``usage``) plus ``max_tokens`` exceed the model's ``max_context_length`` is refused with
400, code 3051, as the API refuses it. Special prompts (the last user text):
``emulator:markdown N [delay=MS]`` answers N tokens of markdown; tool calls
(``emulator:call NAME {JSON}`` and the rest) are planned in :mod:`.tools`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .attachments import LABELS, attachment_text, attachments, check_signed_urls
from .catalog import ServedModel
from .files import FileStore
from .request_bodies import (
    AssistantMessage,
    ChatCompletionRequest,
    ImageURLChunk,
    Message,
    SystemMessage,
    TextChunk,
    ToolMessage,
    UserMessage,
)
from .schema import schema_instance
from .tools import ToolCallReply, check_tools, plan_calls, tool_name_for
from .validate import context_too_long, invalid_request

__all__ = [
    "Reply",
    "ToolCallReply",
    "build_reply",
    "tokens",
]

_TOKEN = re.compile(r"\S+\s*|\s+")
# One line, a space after each separator: the stream splits it into several chunks.
_JSON: dict[str, Any] = {"ensure_ascii": False}
Bases = tuple[str, ...]


def tokens(text: str) -> list[str]:
    """Whitespace-separated pieces, each with the whitespace after it; they join back."""
    return _TOKEN.findall(text)


@dataclass
class Reply:
    """The reply to one chat request, before it becomes JSON or SSE."""

    text: list[str]
    thinking: list[str] = field(default_factory=list)
    tool_calls: list[ToolCallReply] = field(default_factory=list)
    delay: float = 0.0
    prompt_tokens: int = 0
    truncated: bool = False

    @property
    def finish_reason(self) -> str:
        if self.tool_calls:
            return "tool_calls"
        return "length" if self.truncated else "stop"

    @property
    def completion_tokens(self) -> int:
        return len(self.text) + len(self.thinking) + 2 * len(self.tool_calls)


def _text_of(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return " ".join(c.text for c in content if isinstance(c, TextChunk))


def _chunks(message: Message) -> list[Any]:
    content = message.content
    return content if isinstance(content, list) else []


def build_reply(
    request: ChatCompletionRequest,
    model: ServedModel,
    store: FileStore,
    bases: tuple[str, ...],
    notes: Sequence[str] = (),
) -> Reply:
    """Check the request against the model and the file store, and compose the reply.

    ``notes`` are paragraphs added after the facts of a text reply (what hosted tools found).
    """
    messages = request.messages
    if any(isinstance(c, ImageURLChunk) for m in messages for c in _chunks(m)) and not model.vision:
        raise invalid_request(f"Model {request.model} does not support image input.")
    prompt_tokens = _prompt_tokens(messages)
    # max_tokens is what the API calls "draft tokens": room the answer needs in the window.
    draft_tokens = request.max_tokens or 0
    if prompt_tokens + draft_tokens > model.context_length:
        raise context_too_long(prompt_tokens, draft_tokens, model.context_length)
    check_tools(request.tools, messages)
    last_user = next((m for m in reversed(messages) if isinstance(m, UserMessage)), None)
    for earlier in messages:
        if isinstance(earlier, UserMessage) and earlier is not last_user:
            check_signed_urls(_chunks(earlier), store, bases)  # the last one: described below
    said = _text_of(last_user.content) if last_user else ""
    reply = Reply(text=[], prompt_tokens=prompt_tokens)
    reply.tool_calls = plan_calls(
        request.tools, request.tool_choice, request.parallel_tool_calls, messages, said
    )
    if not reply.tool_calls:
        _answer(reply, request, _Said(last_user, said, notes), store, bases)
        if _thinks(request, model):
            reply.thinking = tokens(
                f"The user sent {len(messages)} message(s). "
                "I will describe what I received, one fact per paragraph."
            )
        if request.stop is not None:
            _stop(reply, [request.stop] if isinstance(request.stop, str) else request.stop)
    if request.max_tokens is not None:
        _truncate(reply, request.max_tokens)
    return reply


@dataclass(frozen=True)
class _Said:
    """The user message being answered, its text, and the notes to add to a text reply."""

    message: UserMessage | None
    text: str
    notes: Sequence[str]


def _answer(
    reply: Reply, request: ChatCompletionRequest, said: _Said, store: FileStore, bases: Bases
) -> None:
    """The reply's text, in the form the request asks for."""
    messages = request.messages
    form = request.response_format.type if request.response_format else "text"
    if form == "json_schema":
        json_schema = request.response_format.json_schema if request.response_format else None
        if json_schema is None:
            raise invalid_request("response_format.json_schema is required for type json_schema.")
        # Attachments are still checked (an unreadable image is refused in every mode).
        _facts(messages, said.message, said.text, store, bases)
        reply.text = tokens(json.dumps(schema_instance(json_schema.schema, said.text), **_JSON))
    elif form == "json_object":
        facts = _facts(messages, said.message, said.text, store, bases)
        reply.text = tokens(json.dumps(facts.as_json(), **_JSON))
    elif m := re.fullmatch(r"emulator:markdown\s+(\d+)(?:\s+delay=(\d+))?\s*", said.text):
        reply.text = tokens(markdown(int(m.group(1))))[: int(m.group(1))]
        reply.delay = int(m.group(2) or 0) / 1000
    else:
        lines = _facts(messages, said.message, said.text, store, bases).lines()
        # a blank line between facts: one per line in a pipe and once rendered as markdown
        reply.text = tokens("\n\n".join([*lines, *said.notes]))


def _stop(reply: Reply, stops: list[str]) -> None:
    """Cut the answer before the first stop string, which is not sent (as a model stops)."""
    text = "".join(reply.text)
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    if cuts:
        reply.text = tokens(text[: min(cuts)])


def _thinks(request: ChatCompletionRequest, model: ServedModel) -> bool:
    if not model.reasoning:
        return False
    if model.card["id"].startswith("magistral"):
        return True
    return request.prompt_mode == "reasoning" or request.reasoning_effort not in (None, "none")


def _truncate(reply: Reply, limit: int) -> None:
    if reply.tool_calls or len(reply.thinking) + len(reply.text) <= limit:
        return
    reply.truncated = True
    reply.thinking = reply.thinking[:limit]
    reply.text = reply.text[: max(0, limit - len(reply.thinking))]


def _prompt_tokens(messages: list[Message]) -> int:
    total = 0
    for message in messages:
        total += 3 + len(tokens(_text_of(message.content)))
        total += 16 * sum(not isinstance(c, TextChunk) for c in _chunks(message))
    return total


_KINDS = (
    ("system", SystemMessage),
    ("user", UserMessage),
    ("assistant", AssistantMessage),
    ("tool", ToolMessage),
)


@dataclass
class Facts:
    """What the reply describes, once: :meth:`lines` for text, :meth:`as_json` for JSON mode.

    ``attachments`` are ``(kind, data)`` pairs, kind one of ``images``, ``documents``,
    ``files``, ``audio``; ``counts`` has the message total and each role present.
    """

    said: str
    attachments: list[tuple[str, dict[str, Any]]]
    tool_results: list[dict[str, str]]
    system: str
    counts: dict[str, int]

    def lines(self) -> list[str]:
        lines = [f"You said: {self.said}"]
        numbers: dict[str, int] = {}
        for kind, data in self.attachments:
            numbers[kind] = numbers.get(kind, 0) + 1
            lines.append(f"{LABELS[kind]} {numbers[kind]}: {attachment_text(kind, data)}")
        lines += [f"Tool result: {t['name']}: {t['content']}" for t in self.tool_results]
        if self.system:
            lines.append(f"System: {self.system}")
        parts = ", ".join(f"{k} {n}" for k, n in self.counts.items() if k != "total")
        lines.append(f"Messages: {self.counts['total']} ({parts})")
        return lines

    def as_json(self) -> dict[str, Any]:
        """The same facts as fields; a kind of fact that is absent is left out, as in text."""
        out: dict[str, Any] = {"you_said": self.said}
        for kind in LABELS:
            items = [data for k, data in self.attachments if k == kind]
            if items:
                out[kind] = items
        if self.tool_results:
            out["tool_results"] = self.tool_results
        if self.system:
            out["system"] = self.system
        out["messages"] = self.counts
        return out


def _facts(
    messages: list[Message],
    last_user: UserMessage | None,
    said: str,
    store: FileStore,
    bases: tuple[str, ...],
) -> Facts:
    found = attachments(_chunks(last_user), store, bases) if last_user else []
    system = " ".join(_text_of(m.content) for m in messages if isinstance(m, SystemMessage))
    counts = {"total": len(messages)}
    for name, cls in _KINDS:
        if n := sum(isinstance(m, cls) for m in messages):
            counts[name] = n
    return Facts(said, found, _tool_results(messages), system, counts)


def _tool_results(messages: list[Message]) -> list[dict[str, str]]:
    """The tool messages that end the conversation, which the model is answering."""
    results: list[dict[str, str]] = []
    for message in reversed(messages):
        if not isinstance(message, ToolMessage):
            break
        label = tool_name_for(message, messages)
        results.insert(0, {"name": label, "content": _text_of(message.content)})
    return results


_TOPICS = ("parsing", "streaming", "caching", "retries", "rendering", "storage")


def markdown(n_tokens: int) -> str:
    """Deterministic, varied markdown of at least ``n_tokens`` tokens."""
    parts = ["# Emulator markdown\n\n"]
    size = 2
    section = 0
    while size < n_tokens:
        section += 1
        topic = _TOPICS[section % len(_TOPICS)]
        block = (
            f"## Section {section}: {topic}\n\n"
            f"This paragraph explains **{topic}** in plain words, with `inline_code()` and "
            f"a [link](https://example.com/{topic}) so renderers have something to do.\n\n"
            f"- first point about {topic}\n- second point, *emphasised*\n- third point\n\n"
            f"```python\ndef {topic}_{section}(values):\n"
            f'    """Sum the values, scaled by {section}."""\n'
            f"    total = 0\n    for value in values:\n        total += value * {section}\n"
            f"    return total\n```\n\n"
            f"> A quote about {topic}.\n\n1. step one\n2. step two\n\n"
        )
        parts.append(block)
        size += len(tokens(block))
    return "".join(parts)
