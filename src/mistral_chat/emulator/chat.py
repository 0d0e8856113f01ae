"""A :class:`Reply` as the API sends it: one ``chat.completion`` or a stream of chunks."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from .describe import Reply

__all__ = ["completion", "sse_events"]


def _usage(reply: Reply, n: int) -> dict[str, int]:
    completion = reply.completion_tokens * n
    return {
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": reply.prompt_tokens + completion,
    }


def _tool_calls(reply: Reply, part: int | None = None) -> list[dict[str, Any]] | None:
    """The calls in the response shape; ``part`` 0 or 1 gives each call's half arguments."""
    if not reply.tool_calls:
        return None
    calls = []
    for index, call in enumerate(reply.tool_calls):
        arguments = call.arguments
        if part is not None:
            half = max(1, len(arguments) // 2)
            arguments = arguments[:half] if part == 0 else arguments[half:]
        function = {"name": call.name, "arguments": arguments}
        calls.append({"id": call.id, "type": "function", "function": function, "index": index})
    return calls


def _thinking(text: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": [{"type": "text", "text": text}]}


def completion(reply: Reply, *, model: str, n: int, id_: str, created: int) -> dict[str, Any]:
    """The non-streamed ``ChatCompletionResponse``."""
    text = "".join(reply.text)
    content: str | list[dict[str, Any]] = text
    if reply.thinking:
        content = [_thinking("".join(reply.thinking)), {"type": "text", "text": text}]
    message = {"role": "assistant", "content": content, "tool_calls": _tool_calls(reply)}
    return {
        "id": id_,
        "object": "chat.completion",
        "created": created,
        "model": model,
        "choices": [
            {"index": i, "message": message, "finish_reason": reply.finish_reason} for i in range(n)
        ],
        "usage": _usage(reply, n),
    }


def _deltas(reply: Reply) -> Iterator[dict[str, Any]]:
    yield {"role": "assistant", "content": ""}
    for piece in reply.thinking:
        yield {"content": [_thinking(piece)]}
    for piece in reply.text:
        yield {"content": piece}
    if reply.tool_calls:
        # Split the arguments so clients must join fragments by index, as with long calls.
        yield {"content": "", "tool_calls": _tool_calls(reply, 0)}
        yield {"content": "", "tool_calls": _tool_calls(reply, 1)}


def sse_events(
    reply: Reply,
    *,
    model: str,
    n: int,
    id_: str,
    created: int,
    wait: Callable[[float], bool],
) -> Iterator[bytes]:
    """``data: {CompletionChunk}`` events, usage on the last one, then ``data: [DONE]``.

    ``wait(seconds)`` sleeps between chunks and returns True when the server is stopping.
    """
    deltas = list(_deltas(reply))
    if len(deltas) == 1:
        deltas.append({"content": ""})
    for index, delta in enumerate(deltas):
        last = index == len(deltas) - 1
        chunk: dict[str, Any] = {
            "id": id_,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [
                {
                    "index": i,
                    "delta": delta,
                    "finish_reason": reply.finish_reason if last else None,
                }
                for i in range(n)
            ],
        }
        if last:
            chunk["usage"] = _usage(reply, n)
        if index > 1 and reply.delay and wait(reply.delay):
            return
        yield b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"
    yield b"data: [DONE]\n\n"
