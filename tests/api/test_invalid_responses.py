"""A success status with a body that is not the API's JSON: one InvalidResponseError, for
every call, sync and async (a website at the wrong base URL, a proxy's page, another shape)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from mistral_chat import AsyncClient, Client
from mistral_chat.api.errors import InvalidResponseError, MistralError

HTML = b"<html><body><h1>Welcome to our website</h1></body></html>"

CALLS: dict[str, Callable[[Any], Any]] = {
    "models.list": lambda c: c.models.list(),
    "models.retrieve": lambda c: c.models.retrieve("mistral-small-latest"),
    "chat.complete": lambda c: c.chat.complete("m", [{"role": "user", "content": "hi"}]),
    "files.list": lambda c: c.files.list(),
    "files.retrieve": lambda c: c.files.retrieve("3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b"),
    "files.delete": lambda c: c.files.delete("3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b"),
    "files.signed_url": lambda c: c.files.signed_url("3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b"),
    "files.upload": lambda c: c.files.upload(io.BytesIO(b"x"), filename="a.txt"),
    "ocr.process": lambda c: c.ocr.process(
        "mistral-ocr-latest", {"type": "document_url", "document_url": "https://x/a.pdf"}
    ),
}


def _transport(body: bytes, content_type: str) -> httpx2.MockTransport:
    return httpx2.MockTransport(
        lambda request: httpx2.Response(200, content=body, headers={"content-type": content_type})
    )


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize(
    ("body", "content_type", "said"),
    [
        (HTML, "text/html; charset=utf-8", "with an HTML page, not the API's JSON"),
        # missing fields are tolerated (defaults); fields of the wrong type are not
        (
            b'{"id": 5, "data": 5, "choices": 5, "pages": 5, "url": 5, "deleted": "x"}',
            "application/json",
            "with application/json, not the API's",
        ),
        (b'["a", "list"]', "application/json", "not the API's JSON"),
    ],
)
def test_every_call_says_the_body_is_not_the_api(
    call: str, body: bytes, content_type: str, said: str
) -> None:
    transport = _transport(body, content_type)
    with (
        Client("k", base_url="https://wrong.example", transport=transport) as c,
        pytest.raises(InvalidResponseError) as caught,
    ):
        CALLS[call](c)
    error = caught.value
    assert isinstance(error, MistralError) and said in str(error), (call, str(error))
    assert error.status_code == 200 and error.content_type == content_type.split(";")[0]
    assert str(error).split(" answered ")[0].split()[0] in ("GET", "POST", "DELETE")


def test_async_client_raises_the_same() -> None:
    async def main() -> None:
        transport = _transport(HTML, "text/html")
        async with AsyncClient("k", base_url="https://wrong.example", transport=transport) as c:
            with pytest.raises(InvalidResponseError, match="GET /v1/models answered 200 with an"):
                await c.models.list()

    asyncio.run(main())
