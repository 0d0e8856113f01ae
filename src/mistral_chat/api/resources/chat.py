"""`/v1/chat/completions`: complete (one JSON answer) and stream (server-sent events)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

import msgspec

from .._core import ChatOptions, build_chat_body
from ..streaming import AsyncChatStream, ChatStream
from ..types import ChatCompletion

if TYPE_CHECKING:
    from .._client import AsyncClient, Client

__all__ = ["AsyncChat", "Chat"]

_PATH = "/v1/chat/completions"
_STREAM_HEADERS = {"Accept": "text/event-stream"}
_decode_completion = msgspec.json.Decoder(ChatCompletion).decode


class Chat:
    def __init__(self, client: Client) -> None:
        self._client = client

    def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Unpack[ChatOptions]
    ) -> ChatCompletion:
        """One answer as a whole; options are the spec's fields, absent ones not sent."""
        body = build_chat_body(model, messages, stream=False, options=options)
        return _decode_completion(self._client.request("POST", _PATH, json=body).content)

    def stream(
        self, model: str, messages: list[dict[str, Any]], **options: Unpack[ChatOptions]
    ) -> ChatStream:
        """Open a streamed answer (the request is sent now); iterate it for chunks."""
        body = build_chat_body(model, messages, stream=True, options=options)
        client = self._client
        request = client._build(client.http, "POST", _PATH, json=body, headers=_STREAM_HEADERS)
        return ChatStream(client, request)


class AsyncChat:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Unpack[ChatOptions]
    ) -> ChatCompletion:
        body = build_chat_body(model, messages, stream=False, options=options)
        response = await self._client.request("POST", _PATH, json=body)
        return _decode_completion(response.content)

    def stream(
        self, model: str, messages: list[dict[str, Any]], **options: Unpack[ChatOptions]
    ) -> AsyncChatStream:
        """A streamed answer, sent on `async with` / first `async for` / `await .open()`."""
        body = build_chat_body(model, messages, stream=True, options=options)
        client = self._client
        request = client._build(client.http, "POST", _PATH, json=body, headers=_STREAM_HEADERS)
        return AsyncChatStream(client, request)
