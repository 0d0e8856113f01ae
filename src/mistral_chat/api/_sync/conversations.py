# generated from ../_async/conversations.py by scripts/unasync.py; do not edit
"""`/v1/conversations*` (`Conversations`, beta): start, append, restart (whole or
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
from .conversation_stream import ConversationStream

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["Conversations"]


class Conversations:
    """`client.conversations`: conversations kept on the server, with Mistral's hosted tools.

    >>> reply = client.conversations.start(  # doctest: +SKIP
    ...     "Who won Euro 2024?", model="mistral-medium-latest", tools=[{"type": "web_search"}]
    ... )
    >>> reply.text, [r.url for r in reply.references], reply.conversation_id  # doctest: +SKIP
    """

    def __init__(self, client: APIClient) -> None:
        self._client = client

    def start(
        self,
        inputs: Inputs,
        *,
        model: str | None = None,
        agent_id: str | None = None,
        **options: Unpack[ConversationOptions],
    ) -> ConversationResponse:
        """Start a conversation with a model or an agent (one of them) and answer it."""
        body = start_body(inputs, model=model, agent_id=agent_id, stream=False, options=options)
        response = self._client.request("POST", CONVERSATIONS, json=body)
        return parsed(response, decode_response)

    def start_stream(
        self,
        inputs: Inputs,
        *,
        model: str | None = None,
        agent_id: str | None = None,
        **options: Unpack[ConversationOptions],
    ) -> ConversationStream:
        """`start`, streamed: iterate the events in a `with` block that closes the stream."""
        body = start_body(inputs, model=model, agent_id=agent_id, stream=True, options=options)
        return self._stream(CONVERSATIONS, body)

    def append(
        self, conversation_id: str, inputs: Inputs | None, **options: Unpack[AppendOptions]
    ) -> ConversationResponse:
        """Add entries (a question, function results) and answer; the id stays the same."""
        body = append_body(inputs, stream=False, options=options)
        response = self._client.request("POST", conversation_path(conversation_id), json=body)
        return parsed(response, decode_response)

    def append_stream(
        self, conversation_id: str, inputs: Inputs | None, **options: Unpack[AppendOptions]
    ) -> ConversationStream:
        body = append_body(inputs, stream=True, options=options)
        return self._stream(conversation_path(conversation_id), body)

    def restart(
        self,
        conversation_id: str,
        from_entry_id: str,
        inputs: Inputs | None,
        **options: Unpack[RestartOptions],
    ) -> ConversationResponse:
        """A new conversation: the entries up to `from_entry_id`, then `inputs`, answered."""
        body = restart_body(inputs, from_entry_id, stream=False, options=options)
        path = conversation_path(conversation_id, "/restart")
        response = self._client.request("POST", path, json=body)
        return parsed(response, decode_response)

    def restart_stream(
        self,
        conversation_id: str,
        from_entry_id: str,
        inputs: Inputs | None,
        **options: Unpack[RestartOptions],
    ) -> ConversationStream:
        body = restart_body(inputs, from_entry_id, stream=True, options=options)
        return self._stream(conversation_path(conversation_id, "/restart"), body)

    def _stream(self, path: str, body: dict[str, object]) -> ConversationStream:
        client = self._client
        request = client._build(client.http, "POST", path, json=body, headers=STREAM_HEADERS)
        stream = ConversationStream(client, request)
        stream.open()
        return stream

    def list(self, *, page: int = 0, page_size: int = 100) -> list[Conversation]:
        """Conversations, newest first."""
        params = {"page": page, "page_size": page_size}
        response = self._client.request("GET", CONVERSATIONS, params=params)
        return parsed(response, decode_conversations)

    def get(self, conversation_id: str) -> Conversation:
        response = self._client.request("GET", conversation_path(conversation_id))
        return parsed(response, decode_conversation)

    def delete(self, conversation_id: str) -> None:
        self._client.request("DELETE", conversation_path(conversation_id))

    def history(self, conversation_id: str) -> ConversationHistory:
        """Every entry, in order: messages, tool executions, function calls and results."""
        path = conversation_path(conversation_id, "/history")
        response = self._client.request("GET", path)
        return parsed(response, decode_history)

    def messages(self, conversation_id: str) -> ConversationMessages:
        """The message entries only."""
        path = conversation_path(conversation_id, "/messages")
        response = self._client.request("GET", path)
        return parsed(response, decode_messages)
