"""The send loop with a mock transport and a fake clock: retries, errors, redaction, streams."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx2
import pytest

from mistral_chat.api import Client, errors

KEY = "sk-test-0123456789abcdefWXYZ"
Handler = Callable[[httpx2.Request], httpx2.Response]


def make_client(handler: Handler, **kw: object) -> tuple[Client, list[float]]:
    slept: list[float] = []
    client = Client(
        KEY, base_url="https://api.example/v1", transport=httpx2.MockTransport(handler), **kw
    )  # type: ignore[arg-type]
    client._sleep = slept.append
    return client, slept


def scripted(*responses: httpx2.Response | Exception) -> tuple[Handler, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []
    queue = list(responses)

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


def models_ok() -> httpx2.Response:
    return httpx2.Response(200, json={"object": "list", "data": [{"id": "m", "capabilities": {}}]})


def test_retries_503_then_succeeds_with_backoff() -> None:
    handler, seen = scripted(httpx2.Response(503), httpx2.Response(503), models_ok())
    client, slept = make_client(handler)
    with client:
        assert [m.id for m in client.models.list()] == ["m"]
    assert len(seen) == 3 and len(slept) == 2
    assert seen[0].url == "https://api.example/v1/models"
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


def test_gives_up_after_max_retries_with_attempt_count() -> None:
    handler, seen = scripted(*(httpx2.Response(500, text="boom") for _ in range(3)))
    client, slept = make_client(handler, max_retries=2)
    with client, pytest.raises(errors.ServerError) as info:
        client.models.list()
    assert info.value.attempts == 3 and len(seen) == 3 and len(slept) == 2


def test_429_waits_what_the_server_says() -> None:
    handler, _ = scripted(httpx2.Response(429, headers={"Retry-After": "7"}), models_ok())
    client, slept = make_client(handler)
    with client:
        client.models.list()
    assert slept == [7.0]


def test_503_retry_after_is_honoured_too() -> None:
    handler, _ = scripted(httpx2.Response(503, headers={"Retry-After": "2"}), models_ok())
    client, slept = make_client(handler)
    with client:
        client.models.list()
    assert slept == [2.0]


def test_client_errors_are_not_retried() -> None:
    handler, seen = scripted(httpx2.Response(401, json={"detail": "Unauthorized"}))
    client, slept = make_client(handler)
    with client, pytest.raises(errors.AuthenticationError, match="Unauthorized"):
        client.models.list()
    assert len(seen) == 1 and slept == []


def test_connection_errors_retry_then_raise_connection_error() -> None:
    refused = httpx2.ConnectError("connection refused")
    handler, seen = scripted(refused, refused, httpx2.ReadTimeout("slow"))
    client, _ = make_client(handler)
    with client, pytest.raises(errors.APITimeoutError) as info:
        client.models.list()
    assert isinstance(info.value, errors.APIConnectionError)
    assert info.value.attempts == 3 and len(seen) == 3


def test_key_never_in_repr_errors_or_debug_log(caplog: pytest.LogCaptureFixture) -> None:
    handler, _ = scripted(httpx2.Response(401, json={"detail": "bad key"}))
    client, _ = make_client(handler)
    caplog.set_level(logging.DEBUG, logger="mistral_chat.api")
    with client, pytest.raises(errors.AuthenticationError) as info:
        client.models.list()
    assert "WXYZ" in repr(client) and KEY not in repr(client)
    assert KEY not in str(info.value) and KEY not in repr(info.value.body)
    assert caplog.records and all(KEY not in r.getMessage() for r in caplog.records)
    assert "GET https://api.example/v1/models -> 401 in" in caplog.records[0].getMessage()


def test_model_ids_with_colons_are_encoded() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.raw_path.decode())
        return httpx2.Response(
            200, json={"id": "ft:a:b", "capabilities": {"vision": True}, "shiny_new": 1}
        )

    client, _ = make_client(handler)
    with client:
        card = client.models.retrieve("ft:a:b")
    assert seen == ["/v1/models/ft%3Aa%3Ab"]
    assert card.capabilities.names() == ["vision"] and card.extra == {"shiny_new": 1}
    assert card.to_dict()["shiny_new"] == 1


def sse(*events: str) -> Iterator[bytes]:
    for event in events:
        yield f"data: {event}\n\n".encode()


def test_stream_yields_chunks_and_final_state() -> None:
    body = list(
        sse(
            '{"id":"1","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},'
            '"finish_reason":null}]}',
            '{"id":"1","model":"m","choices":[{"index":0,"delta":{"content":" there"},'
            '"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,'
            '"total_tokens":3}}',
            "[DONE]",
        )
    )

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert b'"stream":true' in request.content
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=body)

    client, _ = make_client(handler)
    with client, client.chat.stream("m", [{"role": "user", "content": "x"}]) as stream:
        texts = [c.choices[0].delta.content for c in stream]
    assert texts == ["Hi", " there"]
    assert stream.text == "Hi there" and stream.finish_reason == "stop"
    assert stream.usage is not None and stream.usage.total_tokens == 3


def test_stream_without_done_or_finish_is_interrupted() -> None:
    body = list(sse('{"choices":[{"index":0,"delta":{"content":"part"},"finish_reason":null}]}'))

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=body)

    client, _ = make_client(handler)
    with client, pytest.raises(errors.StreamInterrupted) as info:
        client.chat.stream("m", [{"role": "user", "content": "x"}]).until_done()
    assert info.value.partial_text == "part" and info.value.chunks == 1
