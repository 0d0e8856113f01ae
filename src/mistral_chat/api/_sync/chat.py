# generated from ../_async/chat.py by scripts/unasync.py; do not edit
"""`/v1/chat/completions`: complete (one JSON answer) and stream (server-sent events)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Unpack

from .._base_client import parsed
from .._core import ChatOptions, build_chat_body
from ..resources.chat import PATH, STREAM_HEADERS, decode_completion
from ..types import ChatCompletion
from .streaming import ChatStream

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["Chat"]


class Chat:
    def __init__(self, client: APIClient) -> None:
        self._client = client

    def complete(
        self, model: str, messages: list[dict[str, Any]], **options: Unpack[ChatOptions]
    ) -> ChatCompletion:
        """One answer as a whole; options are the spec's fields, absent ones not sent."""
        body = build_chat_body(model, messages, stream=False, options=options)
        response = self._client.request("POST", PATH, json=body)
        return parsed(response, decode_completion)

    def stream(
        self, model: str, messages: list[dict[str, Any]], **options: Unpack[ChatOptions]
    ) -> ChatStream:
        """A streamed answer; iterate it for chunks, in a `with` block that closes it.

        The sync client sends the request now; the async one when the stream is entered,
        first iterated or opened, since that is the first place it can wait.
        """
        body = build_chat_body(model, messages, stream=True, options=options)
        client = self._client
        request = client._build(client.http, "POST", PATH, json=body, headers=STREAM_HEADERS)
        stream = ChatStream(client, request)
        stream.open()
        return stream
