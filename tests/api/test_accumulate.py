"""Chunks -> final message: text, thinking, tool calls merged by index, finish and usage."""

from __future__ import annotations

import json

import msgspec

from mistral_chat.api._accumulate import ChatAccumulator
from mistral_chat.api.types import ChatCompletionChunk

decode = msgspec.json.Decoder(ChatCompletionChunk).decode


def chunk(delta: dict[str, object], finish: str | None = None, usage: object = None) -> bytes:
    doc: dict[str, object] = {
        "id": "c1",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        "brand_new_field": {"x": 1},
    }
    if usage:
        doc["usage"] = usage
    return json.dumps(doc).encode()


def test_text_thinking_finish_usage() -> None:
    acc = ChatAccumulator()
    think = [{"type": "thinking", "thinking": [{"type": "text", "text": "hmm "}]}]
    assert acc.add(decode(chunk({"role": "assistant", "content": think}))) == ""
    assert acc.last_thinking == "hmm "
    assert acc.add(decode(chunk({"content": [{"type": "text", "text": "Hel"}]}))) == "Hel"
    assert acc.last_thinking == ""  # per chunk, like last_text
    acc.add(decode(chunk({"content": "lo"})))
    usage = {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5}
    acc.add(decode(chunk({"content": ""}, finish="brand_new_reason", usage=usage)))
    assert acc.text == "Hello"
    assert acc.thinking == "hmm "
    assert acc.finish_reason == "brand_new_reason"  # an open string, not an enum
    assert acc.usage is not None and acc.usage.total_tokens == 5
    assert acc.chunks == 4


def test_tool_calls_merge_by_index_string_and_object_arguments() -> None:
    acc = ChatAccumulator()
    first = {"id": "t1", "index": 0, "function": {"name": "get", "arguments": '{"ci'}}
    acc.add(decode(chunk({"tool_calls": [first]})))
    acc.add(
        decode(chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Paris"}'}}]}))
    )
    obj = {"id": "t2", "index": 1, "function": {"name": "put", "arguments": {"a": 1}}}
    acc.add(decode(chunk({"tool_calls": [obj]})))
    acc.add(decode(chunk({"tool_calls": [{"index": 1, "function": {"arguments": {"b": 2}}}]})))
    calls = acc.tool_calls
    assert [c["id"] for c in calls] == ["t1", "t2"]
    assert json.loads(calls[0]["function"]["arguments"]) == {"city": "Paris"}
    assert json.loads(calls[1]["function"]["arguments"]) == {"a": 1, "b": 2}
