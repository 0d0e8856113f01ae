"""What the request-body contract test does not cover: paths, responses, stream events, errors.

Each test names the part of `tests/data/mistral-openapi.yaml` it holds the client to. Shapes the
emulator does not produce come from a mock transport.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
import yaml

from mistral_chat.api import AsyncClient, Client, content, errors
from mistral_chat.emulator import Emulator

SPEC_PATH = Path(__file__).parents[1] / "data" / "mistral-openapi.min.yaml"
USER = [{"role": "user", "content": "Bonjour"}]
Handler = Callable[[httpx2.Request], httpx2.Response]


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text())  # type: ignore[no-any-return]


def mock_client(handler: Handler) -> Client:
    return Client("k", base_url="https://api.example", transport=httpx2.MockTransport(handler))


def answer(status: int, body: bytes, content_type: str) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, headers={"content-type": content_type}, content=body)

    return handler


def sse(*events: dict[str, Any] | str) -> bytes:
    out = b""
    for event in events:
        data = event if isinstance(event, str) else json.dumps(event)
        out += b"data: " + data.encode() + b"\n\n"
    return out


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    """A CompletionChunk (spec: id, model and choices are required)."""
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


# --- error bodies --------------------------------------------------------------------------


def test_validation_error_wrapped_in_an_error_object_is_read() -> None:
    # The spec's 422 is HTTPValidationError {"detail": [ValidationError]}; the real API also
    # sends that list inside its error object's `message` (mistralai/platform-docs-public#212).
    wrapped = {
        "object": "error",
        "message": {
            "detail": [
                {
                    "type": "extra_forbidden",
                    "loc": ["body", "foo"],
                    "msg": "Extra inputs are not permitted",
                    "input": 1,
                }
            ]
        },
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }
    handler = answer(422, json.dumps(wrapped).encode(), "application/json")
    with mock_client(handler) as c, pytest.raises(errors.UnprocessableEntityError) as info:
        c.chat.complete("m", USER)
    assert str(info.value) == "foo: Extra inputs are not permitted"
    assert [d["loc"] for d in info.value.details] == [["body", "foo"]]


# --- stream events that are not CompletionChunks -------------------------------------------


def stream_text(body: bytes, *, use_async: bool = False) -> str:
    """Consume a streamed answer served as `body`; returns the text."""
    handler = answer(200, body, "text/event-stream")
    if not use_async:
        with mock_client(handler) as c:
            return c.chat.stream("m", USER).until_done().text

    async def main() -> str:
        transport = httpx2.MockTransport(handler)
        async with AsyncClient("k", base_url="https://api.example", transport=transport) as c:
            return (await c.chat.stream("m", USER).until_done()).text

    return asyncio.run(main())


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize(
    "bad",
    ["Internal error", '{"choices": "nope"}', '{"id": "c1", "choices": [{"delta": 3}]}'],
)
def test_an_event_that_is_not_a_chunk_interrupts_and_keeps_the_text(
    bad: str, use_async: bool
) -> None:
    body = sse(chunk({"content": "Hel"}), bad, chunk({"content": "lo"}, "stop"), "[DONE]")
    with pytest.raises(errors.StreamInterrupted) as info:
        stream_text(body, use_async=use_async)
    assert info.value.partial_text == "Hel" and info.value.chunks == 1
    assert "not a chat completion chunk" in str(info.value)


@pytest.mark.parametrize("use_async", [False, True])
@pytest.mark.parametrize("done", [True, False])
@pytest.mark.parametrize(
    ("event", "said"),
    [
        (
            {
                "object": "error",
                "message": "Service unavailable",
                "type": "internal_error",
                "param": None,
                "code": "3000",
            },
            "Service unavailable",
        ),
        ({"error": {"message": "quota exceeded", "type": "rate_limited"}}, "quota exceeded"),
        ({"detail": "Internal Server Error"}, "Internal Server Error"),
    ],
)
def test_an_error_sent_in_the_stream_is_raised_with_its_message(
    event: dict[str, Any], said: str, done: bool, use_async: bool
) -> None:
    events: list[dict[str, Any] | str] = [chunk({"role": "assistant", "content": "Hel"}), event]
    if done:
        events.append("[DONE]")
    with pytest.raises(errors.StreamInterrupted) as info:
        stream_text(sse(*events), use_async=use_async)
    assert said in str(info.value)
    assert info.value.partial_text == "Hel" and info.value.chunks == 1


def test_chunks_without_choices_are_still_chunks() -> None:
    # a usage-only chunk (choices empty) and a chunk whose choices carry no content are valid
    usage = {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}
    body = sse(
        chunk({"content": "Hi"}),
        {**chunk({}, "stop"), "usage": usage},
        {"id": "c1", "model": "m", "choices": [], "usage": usage},
        "[DONE]",
    )
    handler = answer(200, body, "text/event-stream")
    with mock_client(handler) as c:
        stream = c.chat.stream("m", USER).until_done()
    assert stream.text == "Hi" and stream.finish_reason == "stop"
    assert stream.usage is not None and stream.usage.total_tokens == 3


# --- accumulated tool calls go back in the request shape -----------------------------------


def chat_request_errors(body: dict[str, Any]) -> list[str]:
    schema = spec()["components"]["schemas"]["ChatCompletionRequest"]
    validator = jsonschema.Draft202012Validator({**schema, "components": spec()["components"]})
    return [e.message for e in validator.iter_errors(body)]


@pytest.mark.parametrize("sent_id", [None, "null"])
def test_tool_calls_without_an_id_are_valid_in_the_next_request(sent_id: str | None) -> None:
    # ToolCall.id is a string defaulting to 'null' in the spec: never null in a request
    call: dict[str, Any] = {"function": {"name": "f", "arguments": '{"a": 1}'}, "index": 0}
    if sent_id is not None:
        call["id"] = sent_id
    body = sse(chunk({"tool_calls": [call]}, "tool_calls"), "[DONE]")
    with mock_client(answer(200, body, "text/event-stream")) as c:
        calls = c.chat.stream("m", USER).until_done().tool_calls
    assert calls == [{"type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}]
    request = {
        "model": "m",
        "messages": [*USER, {"role": "assistant", "content": None, "tool_calls": calls}],
    }
    assert chat_request_errors(request) == []


# --- OCR pages keep what the options asked for ---------------------------------------------


def test_ocr_page_keeps_blocks_hyperlinks_and_confidence_scores() -> None:
    # OCRPageObject: `blocks` (include_blocks, default true), `confidence_scores`
    # (confidence_scores_granularity) and `hyperlinks`
    block = {"type": "text", "content": "Hello", "top_left_x": 0, "top_left_y": 0}
    scores = {"average_page_confidence_score": 0.9, "minimum_page_confidence_score": 0.5}
    page = {
        "index": 0,
        "markdown": "Hello",
        "images": [],
        "hyperlinks": ["https://example.com"],
        "blocks": [block],
        "confidence_scores": scores,
        "dimensions": {"dpi": 200, "height": 10, "width": 10},
    }
    body = {"pages": [page], "model": "mistral-ocr-latest", "usage_info": {"pages_processed": 1}}
    handler = answer(200, json.dumps(body).encode(), "application/json")
    with mock_client(handler) as c:
        result = c.ocr.process(
            "mistral-ocr-latest",
            content.document_url("https://example.com/a.pdf"),
            include_blocks=True,
            confidence_scores_granularity="page",
        )
    got = result.pages[0]
    assert got.blocks == [block] and got.hyperlinks == ["https://example.com"]
    assert got.confidence_scores == scores
    assert result.to_dict()["pages"][0]["blocks"] == [block]


# --- path parameters ----------------------------------------------------------------------


@pytest.fixture
def emu_client(emulator: Emulator) -> Iterator[Client]:
    emulator.clear_faults()
    with Client("test-key", base_url=emulator.base_url) as c:
        yield c


@pytest.mark.parametrize("file_id", ["not-a-uuid?purpose=ocr", "not-a-uuid#x", "ab%3Fcd"])
def test_file_ids_are_sent_whole_in_the_path(emu_client: Client, file_id: str) -> None:
    # /v1/files/{file_id}: the id is a path parameter; none of it may become query or fragment
    for call in (emu_client.files.retrieve, emu_client.files.delete):
        with pytest.raises(errors.UnprocessableEntityError) as info:
            call(file_id)
        assert info.value.details[0]["loc"] == ["path", "file_id"]
        assert info.value.details[0]["input"] == file_id
    with pytest.raises(errors.UnprocessableEntityError) as info:
        emu_client.files.signed_url(file_id)
    assert info.value.details[0]["input"] == file_id
