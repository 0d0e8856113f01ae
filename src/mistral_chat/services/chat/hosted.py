"""Mistral's hosted tools and agents: a turn through the Conversations API.

Web search, the code interpreter, image generation and document libraries run on Mistral's
side, and only in a conversation the server keeps (`/v1/conversations`); so does an agent made
on La Plateforme. When a session has `Hosted` set, each request of its turn is a
`HostedExchange`: the first starts a server conversation (with the local turns so far as its
inputs), the next append to it; the server's id is kept with the local conversation in the
history, so `-c` appends to the same server conversation. Function tools (MCP servers, a
functions file) ride along: the server hands their calls back (`function.call`) and the
session's loop answers them with `function.result` entries, as for chat completions.

What the hosted tools ran is drawn as it happens (`tool.execution`), the answer's sources
(`tool_reference` chunks) come back in `TurnResult.sources`, and generated files
(`tool_file` chunks) are downloaded into `Hosted.output_dir`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mistral_chat.api import content as chunks
from mistral_chat.errors import LocalStorageError, UsageError
from mistral_chat.services.chat.results import CostEstimator, Turn, TurnResult, TurnView
from mistral_chat.services.chat.tooling import ToolCall, ToolOutcome

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage import HistoryStore
    from mistral_chat.storage.checkpoint import StreamCheckpoint

__all__ = ["HOSTED_TOOLS", "RECORD_KEY", "Hosted", "HostedExchange", "entries", "hosted_tool"]

#: the hosted tools a user can switch on, by the name the flags and commands use
HOSTED_TOOLS = {
    "web": "web_search",
    "web-premium": "web_search_premium",
    "code": "code_interpreter",
    "image": "image_generation",
}
#: where a conversation's server side is kept among its options in the history
RECORD_KEY = "hosted"


def hosted_tool(name: str, library_ids: Sequence[str] = ()) -> dict[str, Any]:
    """The API's tool entry for a hosted tool (`web`, `code`, `image`, ... or `library`)."""
    if name == "library":
        if not library_ids:
            raise UsageError("the document library tool needs a library id (--library ID)")
        return {"type": "document_library", "library_ids": list(library_ids)}
    if name not in HOSTED_TOOLS:
        raise UsageError(f"unknown hosted tool {name!r}; one of {', '.join(HOSTED_TOOLS)}")
    return {"type": HOSTED_TOOLS[name]}


@dataclass
class Hosted:
    """The server side of a conversation: its hosted tools (or agent) and its id there."""

    tools: list[dict[str, Any]] = field(default_factory=list)
    agent_id: str | None = None
    #: the server conversation's id once started; None: the next request starts one
    server_id: str | None = None
    #: where files the tools make (generated images) are saved
    output_dir: Path = field(default_factory=Path.cwd)

    @property
    def on(self) -> bool:
        return bool(self.tools) or self.agent_id is not None

    def names(self) -> list[str]:
        """The tools on, as the user names them (`web`, `library`...)."""
        by_type = {v: k for k, v in HOSTED_TOOLS.items()}
        return [by_type.get(t.get("type", ""), "library") for t in self.tools]

    def set_tool(self, name: str, on: bool, library_ids: Sequence[str] = ()) -> None:
        """Switch a hosted tool on or off; a new set of tools starts a new server
        conversation (the server keeps a conversation's tools as they were at its start)."""
        tool = hosted_tool(name, library_ids)
        kept = [t for t in self.tools if t.get("type") != tool["type"]]
        tools = [*kept, tool] if on else kept
        if tools != self.tools:
            self.tools = tools
            self.server_id = None

    def record(self) -> dict[str, Any]:
        """What the history keeps (with the conversation's options)."""
        return {"id": self.server_id, "tools": self.tools, "agent_id": self.agent_id}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Hosted:
        tools = record.get("tools")
        return cls(
            tools=[t for t in tools if isinstance(t, dict)] if isinstance(tools, list) else [],
            agent_id=record.get("agent_id") if isinstance(record.get("agent_id"), str) else None,
            server_id=record.get("id") if isinstance(record.get("id"), str) else None,
        )


@dataclass
class HostedExchange:
    """One request of a turn through the Conversations API, and its record in the history."""

    client: Client
    model: str
    hosted: Hosted
    inputs: list[dict[str, Any]]
    system: str | None
    options: Mapping[str, Any]
    function_tools: list[dict[str, Any]]
    store: HistoryStore | None
    conversation_id: str | None
    cost: CostEstimator | None
    checkpoint_interval_s: float = 1.0

    def stream(self, view: TurnView) -> tuple[Turn, TurnResult]:
        """Start or append, draw the answer and the hosted tools as they run, save it."""
        started = time.monotonic()
        stream = self._open()
        turn = Turn(chunks.message("assistant", ""))
        result = TurnResult(text="", model=self.model)
        running: dict[int, ToolCall] = {}
        checkpoint = self._start(turn)
        try:
            for event in stream:
                kind = event.type
                if kind == "message.output.delta" and stream.delta:
                    if result.ttft_ms is None:
                        result.ttft_ms = _ms(started)
                    if checkpoint is not None:
                        checkpoint.add(stream.delta)
                    view.on_text(stream.delta)
                elif kind == "tool.execution.started":
                    call = ToolCall(event.id or "", event.name or "tool", event.arguments or "")
                    running[event.output_index] = call
                    view.on_tool_call(call)
                elif kind == "tool.execution.done":
                    done = running.pop(event.output_index, None)
                    if done is not None:
                        view.on_tool_result(done, ToolOutcome(_summary(event.info)))
        except BaseException as exc:  # noqa: BLE001 - kept in the result, raised by the caller
            result.status, result.error = "interrupted", exc
        finally:
            stream.close()
        response = stream.response()
        self.hosted.server_id = response.conversation_id or self.hosted.server_id
        self._fill(result, response, started)
        if result.error is None:
            self._save_files(response, result)
        turn.message = result.message()
        self._record(turn, checkpoint, result, response)
        if result.error is not None and not result.text:
            raise result.error
        return turn, result

    def _open(self) -> Any:
        conversations = self.client.conversations
        completion_args = {k: v for k, v in self.options.items() if k in _COMPLETION_ARGS}
        if self.hosted.server_id is not None:
            extra: dict[str, Any] = {"completion_args": completion_args} if completion_args else {}
            return conversations.append_stream(self.hosted.server_id, self.inputs, **extra)
        options: dict[str, Any] = {"store": True}
        tools = [*self.hosted.tools, *self.function_tools]
        if tools:
            options["tools"] = tools
        if self.system and self.hosted.agent_id is None:
            options["instructions"] = self.system
        if completion_args:
            options["completion_args"] = completion_args
        if self.hosted.agent_id is not None:
            return conversations.start_stream(self.inputs, agent_id=self.hosted.agent_id, **options)
        return conversations.start_stream(self.inputs, model=self.model, **options)

    def _fill(self, result: TurnResult, response: Any, started: float) -> None:
        result.text = response.text
        result.thinking = "".join(
            e.thinking for e in response.outputs if e.type == "message.output"
        )
        usage = response.usage
        result.usage = {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
        }
        result.duration_ms = _ms(started)
        result.finish_reason = "stop" if result.error is None else None
        models = [e.model for e in response.outputs if e.model]
        result.model = models[-1] if models else self.model
        if self.cost is not None and usage.total_tokens:
            result.cost_usd = self.cost(result.model, result.usage)
        result.sources = [
            {"title": r.title, "url": r.url, "tool": r.tool} for r in response.references
        ]
        if result.error is None:
            result.tool_calls = [
                ToolCall(e.tool_call_id or e.id, e.name or "", e.arguments_json)
                for e in response.function_calls
            ]

    def _save_files(self, response: Any, result: TurnResult) -> None:
        """Download what the hosted tools made (generated images) into the output dir."""
        from mistral_chat.services.transfers import safe_filename

        for made in response.files:
            name = safe_filename(made.file_name or made.file_id, made.file_id)
            if made.file_type and "." not in name:
                name = f"{name}.{made.file_type}"
            target = _free_path(self.hosted.output_dir / name)
            try:
                self.client.files.download(made.file_id, target)
            except OSError as exc:
                why = exc.strerror or str(exc)
                raise LocalStorageError(f"cannot save {target}: {why}") from exc
            result.files.append(target)

    def _start(self, turn: Turn) -> StreamCheckpoint | None:
        if self.store is None or self.conversation_id is None:
            return None
        from mistral_chat.storage.checkpoint import StreamCheckpoint

        message = self.store.start_message(self.conversation_id, model=self.model)
        turn.message_id = message.id
        return StreamCheckpoint(self.store, message.id, interval_s=self.checkpoint_interval_s)

    def _record(
        self, turn: Turn, checkpoint: StreamCheckpoint | None, result: TurnResult, response: Any
    ) -> None:
        if self.store is None or turn.message_id is None:
            return
        try:
            if not (result.text or result.tool_calls):
                self.store.delete_message(turn.message_id)
                turn.message_id = None
                return
            if checkpoint is not None:
                checkpoint.flush()
            content = result.stored_content()
            kept = [content] if isinstance(content, str) else content
            stored = [chunks.text(c) if isinstance(c, str) else c for c in kept]
            stored += [{"type": "tool_reference", **source} for source in result.sources] + [
                {"type": "tool_file", "path": str(path)} for path in result.files
            ]
            self.store.finish_message(turn.message_id, content=stored, **result.record())
        except LocalStorageError as exc:
            if result.error is None:
                result.error = exc


#: the chat options the Conversations API takes as `completion_args`
_COMPLETION_ARGS = frozenset(
    {"temperature", "top_p", "max_tokens", "random_seed", "stop", "response_format",
     "reasoning_effort", "presence_penalty", "frequency_penalty", "prediction", "tool_choice"}
)  # fmt: skip


def entries(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages as the Conversations API's input entries (the system message goes as
    `instructions`): questions and answers as messages, tool calls and their results as
    `function.call` and `function.result` entries."""
    out: list[dict[str, Any]] = []
    for m in messages:
        role = m.get("role")
        if role in ("user", "assistant"):
            content = m.get("content")
            if content:
                out.append({"type": "message.input", "role": role, "content": content})
            for call in m.get("tool_calls") or []:
                function = call.get("function") or {}
                out.append(
                    {
                        "type": "function.call",
                        "tool_call_id": call.get("id", ""),
                        "name": function.get("name", ""),
                        "arguments": function.get("arguments", ""),
                    }
                )
        elif role == "tool":
            out.append(
                {
                    "type": "function.result",
                    "tool_call_id": m.get("tool_call_id", ""),
                    "result": str(m.get("content", "")),
                }
            )
    return out


def _summary(info: Mapping[str, Any] | None) -> str:
    if not info:
        return "done"
    return ", ".join(f"{k}: {v}" for k, v in info.items())


def _free_path(path: Path) -> Path:
    """`path`, or `name-2.png`, `name-3.png`... when it exists: never replace a file."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
