"""Every request the client can build validates against the vendored OpenAPI spec.

The real API answers 422 to unknown fields or wrong types, so a body that passes here is one
the service accepts. Requests are captured with a mock transport and checked with jsonschema.
"""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
import yaml

from mistral_chat.api import Client, content

SPEC_PATH = Path(__file__).parents[1] / "data" / "mistral-openapi.min.yaml"


@cache
def spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: the spec is large
    return yaml.load(SPEC_PATH.read_text(), Loader=loader)  # type: ignore[no-any-return]


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    # `schema` carries the spec's `components`, so its `#/components/...` refs resolve locally
    return jsonschema.Draft202012Validator(schema)


def request_schema(path: str, method: str, media: str) -> dict[str, Any]:
    body = spec()["paths"][path][method]["requestBody"]["content"][media]["schema"]
    # resolve a top-level $ref so additionalProperties of the request object applies
    if "$ref" in body:
        name = body["$ref"].rsplit("/", 1)[1]
        body = spec()["components"]["schemas"][name]
    return {**body, "components": spec()["components"]}


def query_schema(path: str, method: str) -> dict[str, dict[str, Any]]:
    params = spec()["paths"][path][method].get("parameters", [])
    return {p["name"]: p["schema"] for p in params if p["in"] == "query"}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        if path == "/v1/chat/completions":
            if json.loads(request.content).get("stream"):
                return httpx2.Response(
                    200,
                    content=b'data: {"choices":[{"index":0,"delta":'
                    b'{"content":"x"},"finish_reason":"stop"}]}\n\n'
                    b"data: [DONE]\n\n",
                )
            return httpx2.Response(200, json={"choices": []})
        if path.endswith("/url"):
            return httpx2.Response(200, json={"url": "https://signed"})
        if path.endswith("/content"):
            return httpx2.Response(200, content=b"abc")
        if request.method == "DELETE":
            return httpx2.Response(200, json={"id": "f", "object": "file", "deleted": True})
        if path == "/v1/files" and request.method == "GET":
            return httpx2.Response(200, json={"data": [], "object": "list"})
        return httpx2.Response(200, json={"id": "f", "filename": "a", "data": []})


FULL_OPTIONS: dict[str, Any] = {
    "temperature": 0.7,
    "top_p": 0.9,
    "max_tokens": 100,
    "stop": ["\n\n", "END"],
    "random_seed": 42,
    "metadata": {"team": "x"},
    "response_format": {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": True},
    },
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ],
    "tool_choice": "auto",
    "presence_penalty": 0.1,
    "frequency_penalty": 0.2,
    "n": 1,
    "prediction": {"type": "content", "content": "maybe"},
    "parallel_tool_calls": False,
    "reasoning_effort": "high",
    "prompt_mode": "reasoning",
    "prompt_cache_key": "k1",
    "service_tier": "auto",
    "safe_prompt": True,
}

MESSAGES: list[dict[str, Any]] = [
    content.message("system", "Be brief."),
    content.message(
        "user",
        [
            content.text("What is in these?"),
            content.image_url(content.data_uri(b"\x89PNG...", "image/png"), detail="high"),
            content.image_url("https://example.com/cat.jpg"),
            content.document_url("https://example.com/a.pdf", name="a.pdf"),
            content.file_chunk("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
        ],
    ),
    {
        "role": "assistant",
        "content": "A cat.",
        "tool_calls": [
            {
                "id": "abc123def",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            }
        ],
    },
    {"role": "tool", "content": "sunny", "tool_call_id": "abc123def", "name": "get_weather"},
    content.message("user", [content.text("Thanks")]),
]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Client:
    return Client("k", base_url="https://api.example", transport=httpx2.MockTransport(recorder))


@pytest.mark.parametrize(
    "options",
    [
        {},
        FULL_OPTIONS,
        {
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "tools": FULL_OPTIONS["tools"],
        },
    ],
)
@pytest.mark.parametrize("stream", [False, True])
def test_chat_requests_validate(
    client: Client, recorder: Recorder, options: dict[str, Any], stream: bool
) -> None:
    with client:
        if stream:
            client.chat.stream("mistral-small-latest", MESSAGES, **options).until_done()
        else:
            client.chat.complete("mistral-small-latest", MESSAGES, **options)
    body = json.loads(recorder.requests[0].content)
    schema = request_schema("/v1/chat/completions", "post", "application/json")
    errors = sorted(validator(schema).iter_errors(body), key=str)
    assert not errors, [e.message for e in errors[:3]]
    assert set(body) == {"model", "messages", *options, *(("stream",) if stream else ())}


def test_the_validator_does_catch_a_bad_body() -> None:
    # the check above must be able to fail: unknown field, out-of-range value, bad chunk type
    schema = request_schema("/v1/chat/completions", "post", "application/json")
    v = validator(schema)
    base = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    assert not list(v.iter_errors(base))
    assert list(v.iter_errors({**base, "temprature": 1}))
    assert list(v.iter_errors({**base, "temperature": 3}))
    assert list(
        v.iter_errors(
            {**base, "messages": [{"role": "user", "content": [{"type": "picture", "url": "x"}]}]}
        )
    )


def _multipart_fields(request: httpx2.Request) -> dict[str, str]:
    raw = (
        b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n" + request.content
    )
    msg = BytesParser(policy=HTTP).parsebytes(raw)
    fields = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        fields[str(name)] = "<file>" if part.get_filename() else payload.decode()  # type: ignore[union-attr]
    return fields


def test_files_requests_validate(client: Client, recorder: Recorder, tmp_path: Path) -> None:
    path = tmp_path / "doc.pdf"
    path.write_bytes(b"%PDF-1.4 test")
    with client:
        client.files.upload(path, purpose="ocr", expiry=24, visibility="user")
        client.files.list(
            page=1,
            page_size=5,
            purpose="ocr",
            search="doc",
            sample_type=["instruct"],
            source=["upload"],
            mimetypes=["application/pdf"],
            include_total=True,
        )
        client.files.signed_url("3fa85f64-5717-4562-b3fc-2c963f66afa6", expiry_hours=48)
    upload, listing, url = recorder.requests
    fields = _multipart_fields(upload)
    schema = request_schema("/v1/files", "post", "multipart/form-data")
    assert set(fields) <= set(schema["properties"])
    assert fields == {"file": "<file>", "purpose": "ocr", "expiry": "24", "visibility": "user"}
    assert fields["purpose"] in spec()["components"]["schemas"]["FilePurpose"]["enum"]
    allowed = query_schema("/v1/files", "get")
    assert set(listing.url.params) <= set(allowed)
    assert set(url.url.params) <= set(query_schema("/v1/files/{file_id}/url", "get"))
    assert url.url.params["expiry"] == "48"
