"""One conversation turn: the entries so far in, the model's output entries out.

A turn is a chat completion in disguise: the entries become chat messages (instructions as a
system message, function calls as an assistant's ``tool_calls``, function results as ``tool``
messages, a ``tool_file`` as a ``file`` chunk) and :func:`.describe.build_reply` composes the
reply, so everything chat does (markers, ``stop``, ``max_tokens``, JSON modes, reasoning, the
checks on tool calls) holds here too. Hosted tools run once per user message, in the turn
that answers it with text: their executions come first, then the message, whose text gains
one paragraph per tool and whose content carries their references and files.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from .agents import iso_now
from .catalog import ServedModel
from .conversation_bodies import CompletionArgs
from .describe import Reply, build_reply, tokens
from .files import FileStore
from .hosted import HostedRun, arguments_text, run_hosted
from .libraries import LibraryStore
from .request_bodies import AnyTool, ChatCompletionRequest, Message
from .tools import strip_markers

__all__ = ["Setup", "Turn", "chat_messages", "new_id", "response_events", "run_turn"]

# what a hosted tool's results cost in the prompt, as the API counts ``connector_tokens``
_CONNECTOR_TOKENS = 100


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


@dataclass
class Setup:
    """What the model works with in this turn: from the conversation, or from its agent."""

    model: str
    served: ServedModel
    agent_id: str | None
    instructions: str | None
    tools: list[AnyTool]
    args: CompletionArgs


@dataclass
class Turn:
    outputs: list[dict[str, Any]]
    usage: dict[str, Any]
    delay: float = 0.0


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(c.get("text", "") for c in content if c.get("type") == "text")


def _chat_content(content: Any) -> Any:
    if isinstance(content, str):
        return content
    # a file the model made (an image) comes back as a file chunk
    return [
        {"type": "file", "file_id": c["file_id"]} if c.get("type") == "tool_file" else c
        for c in content
        if c.get("type") != "tool_reference"
    ]


def chat_messages(instructions: str | None, entries: list[dict[str, Any]]) -> list[Message]:
    """The conversation as the chat messages a model reads."""
    raw: list[dict[str, Any]] = (
        [{"role": "system", "content": instructions}] if instructions else []
    )
    names: dict[str, str] = {}
    for entry in entries:
        kind = entry["type"]
        if kind == "message.input" and entry["role"] == "user":
            raw.append({"role": "user", "content": _chat_content(entry["content"])})
        elif kind in ("message.input", "message.output"):
            raw.append({"role": "assistant", "content": _text(entry["content"])})
        elif kind == "function.call":
            arguments = entry["arguments"]
            call = {
                "id": entry["tool_call_id"],
                "type": "function",
                "function": {"name": entry["name"], "arguments": arguments},
            }
            names[entry["tool_call_id"]] = entry["name"]
            last = raw[-1] if raw else {}
            if last.get("role") == "assistant" and last.get("tool_calls"):
                last["tool_calls"].append(call)  # parallel calls: one assistant message
            else:
                raw.append({"role": "assistant", "content": None, "tool_calls": [call]})
        elif kind == "function.result":
            tool_call_id = entry["tool_call_id"]
            message = {"role": "tool", "content": entry["result"], "tool_call_id": tool_call_id}
            if tool_call_id in names:
                message["name"] = names[tool_call_id]
            raw.append(message)
    return msgspec.convert(raw, list[Message])


def _chat_request(setup: Setup, messages: list[Message]) -> ChatCompletionRequest:
    args = setup.args
    return ChatCompletionRequest(
        model=setup.model,
        messages=messages,
        max_tokens=args.max_tokens,
        stop=args.stop,
        response_format=args.response_format,
        tools=setup.tools or None,
        tool_choice=args.tool_choice,
        reasoning_effort=args.reasoning_effort,
    )


def _hosted_due(setup: Setup, entries: list[dict[str, Any]]) -> str | None:
    """The user text hosted tools run on now, or None (not asked, or already run for it)."""
    if setup.args.tool_choice == "none":
        return None
    for entry in reversed(entries):
        if entry["type"] == "tool.execution":
            return None
        if entry["type"] == "message.input" and entry["role"] == "user":
            return _text(entry["content"])
    return None


def run_turn(
    setup: Setup,
    entries: list[dict[str, Any]],
    files: FileStore,
    libraries: LibraryStore,
    bases: tuple[str, ...],
) -> Turn:
    """The model's outputs for a conversation whose entries (new inputs included) are given."""
    request = _chat_request(setup, chat_messages(setup.instructions, entries))
    reply = build_reply(request, setup.served, files, bases)
    runs: list[HostedRun] = []
    said = _hosted_due(setup, entries)
    if not reply.tool_calls and said is not None:
        runs = run_hosted(setup.tools, strip_markers(said) or said, said, files, libraries)
        if runs:
            notes = [run.note for run in runs]
            reply = build_reply(request, setup.served, files, bases, notes)
    outputs = [_execution(setup, run) for run in runs]
    if reply.tool_calls:
        outputs += [
            _function_call(setup, call.id, call.name, call.arguments) for call in reply.tool_calls
        ]
    else:
        outputs.append(_message(setup, reply, runs))
    return Turn(outputs, _usage(reply, runs), reply.delay)


def _entry(setup: Setup, kind: str, prefix: str) -> dict[str, Any]:
    now = iso_now()
    entry: dict[str, Any] = {
        "object": "entry",
        "type": kind,
        "created_at": now,
        "completed_at": now,
    }
    if setup.agent_id is not None:
        entry["agent_id"] = setup.agent_id
    entry["model"] = setup.model
    entry["id"] = new_id(prefix)
    return entry


def _execution(setup: Setup, run: HostedRun) -> dict[str, Any]:
    entry = _entry(setup, "tool.execution", "tool_exec")
    entry.update(name=run.name, arguments=arguments_text(run))
    if run.info is not None:
        entry["info"] = run.info
    return entry


def _function_call(setup: Setup, call_id: str, name: str, arguments: str) -> dict[str, Any]:
    entry = _entry(setup, "function.call", "fc")
    entry["completed_at"] = None  # it completes when the client sends the result
    entry.update(tool_call_id=call_id, name=name, arguments=arguments)
    return entry


def _message(setup: Setup, reply: Reply, runs: list[HostedRun]) -> dict[str, Any]:
    entry = _entry(setup, "message.output", "msg")
    text = "".join(reply.text)
    chunks = [chunk for run in runs for chunk in run.chunks]
    if reply.thinking:
        thought = {"type": "text", "text": "".join(reply.thinking)}
        chunks.insert(0, {"type": "thinking", "thinking": [thought]})
        chunks.insert(1, {"type": "text", "text": text})
    elif chunks:
        chunks.insert(0, {"type": "text", "text": text})
    entry["role"] = "assistant"
    entry["content"] = chunks or text
    return entry


def _usage(reply: Reply, runs: list[HostedRun]) -> dict[str, Any]:
    connector_tokens = _CONNECTOR_TOKENS * len(runs)
    total = reply.prompt_tokens + reply.completion_tokens + connector_tokens
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "total_tokens": total,
        "connector_tokens": connector_tokens or None,
        "connectors": dict(Counter(run.name for run in runs)) or None,
    }


def _event(data: dict[str, Any]) -> bytes:
    payload = json.dumps(data, separators=(",", ":")).encode()
    kind = str(data["type"]).encode()
    return b"event: " + kind + b"\ndata: " + payload + b"\n\n"


def response_events(
    conversation_id: str, turn: Turn, wait: Callable[[float], bool]
) -> Iterator[bytes]:
    """The turn as the API streams it: ``event: TYPE`` and ``data: {...}`` per event, started
    first and done (with usage) last; there is no ``[DONE]``. ``wait(seconds)`` paces a
    delayed answer and returns True when the server is stopping."""
    yield _event(
        {
            "type": "conversation.response.started",
            "created_at": iso_now(),
            "conversation_id": conversation_id,
        }
    )
    for index, output in enumerate(turn.outputs):
        for event in _output_events(index, output):
            if turn.delay and event["type"] == "message.output.delta" and wait(turn.delay):
                return
            yield _event(event)
    yield _event(
        {"type": "conversation.response.done", "created_at": iso_now(), "usage": turn.usage}
    )


def _output_events(index: int, output: dict[str, Any]) -> Iterator[dict[str, Any]]:
    head = {"created_at": iso_now(), "output_index": index, "id": output["id"]}
    who: dict[str, Any] = {k: output[k] for k in ("model", "agent_id") if k in output}
    kind = output["type"]
    if kind == "tool.execution":
        named = {"name": output["name"]}
        yield {
            "type": "tool.execution.started",
            **head,
            **who,
            **named,
            "arguments": output["arguments"],
        }
        done = {"type": "tool.execution.done", **head, **named}
        if "info" in output:
            done["info"] = output["info"]
        yield done
    elif kind == "function.call":
        arguments = output["arguments"]
        half = max(1, len(arguments) // 2)
        call = {"name": output["name"], "tool_call_id": output["tool_call_id"]}
        for part in (arguments[:half], arguments[half:]):
            yield {"type": "function.call.delta", **head, **who, **call, "arguments": part}
    else:
        content = output["content"]
        chunks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for content_index, chunk in enumerate(chunks):
            for piece in _pieces(chunk):
                yield {
                    "type": "message.output.delta",
                    **head,
                    "content_index": content_index,
                    **who,
                    "role": "assistant",
                    "content": piece,
                }


def _pieces(chunk: dict[str, Any]) -> list[Any]:
    """What one content chunk streams as: text token by token, thinking likewise, else whole."""
    if chunk["type"] == "text":
        return tokens(chunk["text"]) or [""]
    if chunk["type"] == "thinking":
        text = "".join(c.get("text", "") for c in chunk["thinking"])
        return [
            {"type": "thinking", "thinking": [{"type": "text", "text": t}]} for t in tokens(text)
        ]
    return [chunk]
