"""Servers that bend the protocol, as self-hosted ones and proxies do: a JSON completion for a
`stream: true` request streams as one chunk (sync and async) and an error document there is
named; a download compressed anyway still gives the file's bytes and an honest progress total."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx2
import pytest

from mistral_chat import AsyncClient, Client
from mistral_chat.api.errors import InvalidResponseError

WHOLE = {
    "id": "cmpl-1",
    "object": "chat.completion",
    "created": 1,
    "model": "local-model",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Bonjour, the whole answer."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 3, "completion_tokens": 5, "total_tokens": 8},
}
MESSAGES = [{"role": "user", "content": "hi"}]


def _transport(doc: Any) -> httpx2.MockTransport:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert json.loads(request.content)["stream"] is True
        return httpx2.Response(200, json=doc)

    return httpx2.MockTransport(handler)


def test_a_whole_completion_streams_as_one_chunk() -> None:
    with (
        Client("k", base_url="http://local", transport=_transport(WHOLE)) as client,
        client.chat.stream("local-model", MESSAGES) as stream,
    ):
        chunks = list(stream)
    assert len(chunks) == 1
    assert stream.text == "Bonjour, the whole answer."
    assert stream.finish_reason == "stop" and stream.model == "local-model"
    assert stream.usage is not None and stream.usage.total_tokens == 8


def test_async_too() -> None:
    async def main() -> str:
        transport = _transport(WHOLE)
        async with (
            AsyncClient("k", base_url="http://local", transport=transport) as client,
            client.chat.stream("local-model", MESSAGES) as stream,
        ):
            async for _ in stream:
                pass
            return stream.text

    assert asyncio.run(main()) == "Bonjour, the whole answer."


@pytest.mark.parametrize(
    ("doc", "said"),
    [
        ({"object": "error", "message": "model not loaded"}, "answered a stream with an error: "),
        ({"something": "else"}, "not the API's JSON"),
    ],
)
def test_a_document_that_is_not_a_completion_is_named(doc: dict[str, Any], said: str) -> None:
    with (
        Client("k", base_url="http://local", transport=_transport(doc)) as client,
        pytest.raises(InvalidResponseError, match=said),
        client.chat.stream("local-model", MESSAGES) as stream,
    ):
        list(stream)


def test_download_asks_for_the_file_as_stored_and_copes_with_gzip() -> None:
    import gzip
    import io

    content = b"line of the file\n" * 500
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        packed = gzip.compress(content)  # a server (or proxy) that compresses anyway
        headers = {"content-encoding": "gzip", "content-length": str(len(packed))}
        return httpx2.Response(200, content=packed, headers=headers)

    progress: list[tuple[int, int | None]] = []
    out = io.BytesIO()
    transport = httpx2.MockTransport(handler)
    with Client("k", base_url="http://local", transport=transport) as client:
        written = client.files.download(
            "3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b",
            out,
            on_progress=lambda d, t: progress.append((d, t)),
        )
    assert seen[0].headers["accept-encoding"] == "identity"
    assert out.getvalue() == content and written == len(content)
    assert progress[-1] == (len(content), None)  # never "8,500 of 120 bytes"


@pytest.mark.parametrize("bad", ["", ".", ".."])
def test_ids_that_would_collapse_into_another_endpoint_are_refused(bad: str) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise AssertionError(f"nothing may be sent, got {request.url}")

    with Client("k", base_url="http://local", transport=httpx2.MockTransport(handler)) as c:
        with pytest.raises(ValueError, match="invalid model id"):
            c.models.retrieve(bad)
        with pytest.raises(ValueError, match="invalid file id"):
            c.files.retrieve(bad)


def test_a_page_instead_of_a_stream_is_named_not_a_broken_stream() -> None:
    page = b"<html><body>Sign in to the network</body></html>"
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(200, content=page, headers={"content-type": "text/html"})
    )
    with (
        Client("k", base_url="http://local", transport=transport) as client,
        pytest.raises(InvalidResponseError, match="answered 200 with an HTML page, not the API"),
        client.chat.stream("m", MESSAGES) as stream,
    ):
        list(stream)
