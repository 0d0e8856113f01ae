"""What the request-body contract test does not cover: paths, responses, stream events, errors.

Each test names the part of `tests/data/mistral-openapi.yaml` it holds the client to. Shapes the
emulator does not produce come from a mock transport.
"""

from __future__ import annotations

import asyncio
import io
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
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: the spec is large
    return yaml.load(SPEC_PATH.read_text(), Loader=loader)  # type: ignore[no-any-return]


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


# --- query strings and headers (verified, kept from sliding) ------------------------------


def _query_value_ok(schema: dict[str, Any], raw: str) -> bool:
    """Whether one form-encoded query value is an instance of a parameter's schema."""
    components = spec()["components"]
    options = schema.get("anyOf", [schema])
    for option in options:
        if "$ref" in option:
            option = components["schemas"][option["$ref"].rsplit("/", 1)[1]]
        if option.get("type") == "array":  # style form, explode: one pair per item
            option = option["items"]
            if "$ref" in option:
                option = components["schemas"][option["$ref"].rsplit("/", 1)[1]]
        kind = option.get("type")
        if kind == "integer" and raw.lstrip("-").isdigit():
            return True
        if kind == "boolean" and raw in ("true", "false"):
            return True
        if kind == "string" and raw in option.get("enum", [raw]):
            return True
    return False


def test_query_values_and_headers_are_what_the_spec_says() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        if request.url.path.endswith("/url"):
            return httpx2.Response(200, json={"url": "https://signed"})
        if request.url.path.endswith("/content"):
            return httpx2.Response(200, content=b"abc")
        if request.url.path == "/v1/chat/completions":
            return httpx2.Response(200, content=sse(chunk({"content": "x"}, "stop"), "[DONE]"))
        return httpx2.Response(200, json={"data": [], "object": "list"})

    file_id = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    with mock_client(handler) as c:
        c.files.list(
            page=0,
            page_size=5,
            purpose="ocr",
            search="a b",
            sample_type=["instruct", "pretrain"],
            source=["upload"],
            mimetypes=["application/pdf", "text/plain"],
            include_total=False,
        )
        c.files.signed_url(file_id, expiry_hours=1)
        c.files.download(file_id, io.BytesIO())
        c.chat.stream("m", USER).until_done()
    listing, url, download, stream = seen
    for request, path in ((listing, "/v1/files"), (url, "/v1/files/{file_id}/url")):
        params = spec()["paths"][path]["get"]["parameters"]
        schemas = {p["name"]: p["schema"] for p in params if p["in"] == "query"}
        for name, value in request.url.params.multi_items():
            assert name in schemas and _query_value_ok(schemas[name], value), (name, value)
    assert listing.url.params.get_list("sample_type") == ["instruct", "pretrain"]
    assert listing.url.params["include_total"] == "false"
    for request in seen:
        assert request.headers["authorization"] == "Bearer k"
        assert request.headers["user-agent"].startswith("mistral-chat/")
    assert listing.headers["accept"] == "application/json"
    assert download.headers["accept"] == "application/octet-stream"
    assert stream.headers["accept"] == "text/event-stream"
