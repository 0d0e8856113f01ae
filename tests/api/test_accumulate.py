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


def test_parallel_calls_sent_whole_at_the_default_index_stay_apart() -> None:
    """Mistral sends parallel calls whole in one chunk, each at the spec's default index 0."""
    acc = ChatAccumulator()
    calls = [
        {"id": "aaaaaaaa1", "function": {"name": "get_time", "arguments": '{"tz": "UTC"}'}},
        {"id": "bbbbbbbb2", "function": {"name": "get_time", "arguments": "{}"}, "index": 0},
    ]
    acc.add(decode(chunk({"tool_calls": calls}, finish="tool_calls")))
    assert [(c["id"], c["function"]["arguments"]) for c in acc.tool_calls] == [
        ("aaaaaaaa1", '{"tz": "UTC"}'),
        ("bbbbbbbb2", "{}"),
    ]


def test_fragments_without_index_or_id_continue_the_latest_call() -> None:
    acc = ChatAccumulator()
    acc.add(
        decode(chunk({"tool_calls": [{"id": "x1", "function": {"name": "f", "arguments": "{"}}]}))
    )
    acc.add(decode(chunk({"tool_calls": [{"function": {"arguments": "}"}}]})))
    assert acc.tool_calls == [
        {"id": "x1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    ]


def test_the_final_message_is_ready_to_send_back() -> None:
    acc = ChatAccumulator()
    acc.add(decode(chunk({"content": "Let me check."})))
    call = {"id": "abc123xyz", "index": 0, "function": {"name": "f", "arguments": "{}"}}
    acc.add(decode(chunk({"tool_calls": [call]}, finish="tool_calls")))
    assert acc.message == {
        "role": "assistant",
        "content": "Let me check.",
        "tool_calls": [
            {"id": "abc123xyz", "type": "function", "function": {"name": "f", "arguments": "{}"}}
        ],
    }
    only_calls = ChatAccumulator()
    only_calls.add(decode(chunk({"tool_calls": [call]})))
    assert only_calls.message["content"] is None
    plain = ChatAccumulator()
    plain.add(decode(chunk({"content": ""})))
    assert plain.message == {"role": "assistant", "content": ""}
