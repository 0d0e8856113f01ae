"""`/v1/conversations*` (`AsyncConversations`, beta): start, append, restart (whole or
streamed), list, get, delete, history, messages.

Bodies, options and decoders live in `..resources.conversations`; the stream in
`.conversation_stream`. `inputs` is a string (one user message) or a list of entries, e.g.
`[{"role": "user", "content": "hi"}]` or `[{"tool_call_id": ID, "result": "12:00"}]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Unpack

from .._base_client import parsed
from ..conversation_types import (
    Conversation,
    ConversationHistory,
    ConversationMessages,
    ConversationResponse,
)
from ..resources.conversations import (
    CONVERSATIONS,
    STREAM_HEADERS,
    AppendOptions,
    ConversationOptions,
    Inputs,
    RestartOptions,
    append_body,
    conversation_path,
    decode_conversation,
    decode_conversations,
    decode_history,
    decode_messages,
    decode_response,
    restart_body,
    start_body,
)
from .conversation_stream import AsyncConversationStream

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncConversations"]


class AsyncConversations:
    """`client.conversations`: conversations kept on the server, with Mistral's hosted tools.

    >>> reply = await client.conversations.start(  # doctest: +SKIP
    ...     "Who won Euro 2024?", model="mistral-medium-latest", tools=[{"type": "web_search"}]
    ... )
    >>> reply.text, [r.url for r in reply.references], reply.conversation_id  # doctest: +SKIP
    """

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def start(
        self,
        inputs: Inputs,
        *,
        model: str | None = None,
        agent_id: str | None = None,
        **options: Unpack[ConversationOptions],
    ) -> ConversationResponse:
        """Start a conversation with a model or an agent (one of them) and answer it."""
        body = start_body(inputs, model=model, agent_id=agent_id, stream=False, options=options)
        response = await self._client.request("POST", CONVERSATIONS, json=body)
        return parsed(response, decode_response)

    def start_stream(
        self,
        inputs: Inputs,
        *,
        model: str | None = None,
        agent_id: str | None = None,
        **options: Unpack[ConversationOptions],
    ) -> AsyncConversationStream:
        """`start`, streamed: iterate the events in a `with` block that closes the stream."""
        body = start_body(inputs, model=model, agent_id=agent_id, stream=True, options=options)
        return self._stream(CONVERSATIONS, body)

    async def append(
        self, conversation_id: str, inputs: Inputs | None, **options: Unpack[AppendOptions]
    ) -> ConversationResponse:
        """Add entries (a question, function results) and answer; the id stays the same."""
        body = append_body(inputs, stream=False, options=options)
        response = await self._client.request("POST", conversation_path(conversation_id), json=body)
        return parsed(response, decode_response)

    def append_stream(
        self, conversation_id: str, inputs: Inputs | None, **options: Unpack[AppendOptions]
    ) -> AsyncConversationStream:
        body = append_body(inputs, stream=True, options=options)
        return self._stream(conversation_path(conversation_id), body)

    async def restart(
        self,
        conversation_id: str,
        from_entry_id: str,
        inputs: Inputs | None,
        **options: Unpack[RestartOptions],
    ) -> ConversationResponse:
        """A new conversation: the entries up to `from_entry_id`, then `inputs`, answered."""
        body = restart_body(inputs, from_entry_id, stream=False, options=options)
        path = conversation_path(conversation_id, "/restart")
        response = await self._client.request("POST", path, json=body)
        return parsed(response, decode_response)

    def restart_stream(
        self,
        conversation_id: str,
        from_entry_id: str,
        inputs: Inputs | None,
        **options: Unpack[RestartOptions],
    ) -> AsyncConversationStream:
        body = restart_body(inputs, from_entry_id, stream=True, options=options)
        return self._stream(conversation_path(conversation_id, "/restart"), body)

    def _stream(self, path: str, body: dict[str, object]) -> AsyncConversationStream:
        client = self._client
        request = client._build(client.http, "POST", path, json=body, headers=STREAM_HEADERS)
        stream = AsyncConversationStream(client, request)
        # sync-only: stream.open()
        return stream

    async def list(self, *, page: int = 0, page_size: int = 100) -> list[Conversation]:
        """Conversations, newest first."""
        params = {"page": page, "page_size": page_size}
        response = await self._client.request("GET", CONVERSATIONS, params=params)
        return parsed(response, decode_conversations)

    async def get(self, conversation_id: str) -> Conversation:
        response = await self._client.request("GET", conversation_path(conversation_id))
        return parsed(response, decode_conversation)

    async def delete(self, conversation_id: str) -> None:
        await self._client.request("DELETE", conversation_path(conversation_id))

    async def history(self, conversation_id: str) -> ConversationHistory:
        """Every entry, in order: messages, tool executions, function calls and results."""
        path = conversation_path(conversation_id, "/history")
        response = await self._client.request("GET", path)
        return parsed(response, decode_history)

    async def messages(self, conversation_id: str) -> ConversationMessages:
        """The message entries only."""
        path = conversation_path(conversation_id, "/messages")
        response = await self._client.request("GET", path)
        return parsed(response, decode_messages)
