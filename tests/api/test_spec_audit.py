"""What the request-body contract test does not cover: paths, responses, stream events, errors.

Each test names the part of `tests/data/mistral-openapi.yaml` it holds the client to. Shapes the
emulator does not produce come from a mock transport.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import pytest
import yaml

from mistral_chat.api import Client, errors

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
