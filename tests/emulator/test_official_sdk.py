"""The official ``mistralai`` SDK against the emulator: if it cannot parse a reply, the
emulator is wrong."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any, Literal

import pytest
from mistralai.client import Mistral
from pydantic import AnyUrl, BaseModel, Field

from mistral_chat.emulator import Emulator


@pytest.fixture
def sdk(emu: Emulator) -> Iterator[Mistral]:
    with Mistral(api_key="test-key", server_url=emu.base_url) as client:
        yield client


def test_models_list_and_retrieve(sdk: Any) -> None:
    models = sdk.models.list()
    assert models.data is not None and len(models.data) >= 10
    ids = {m.id for m in models.data}
    assert "ft:mistral-small-latest:abc123:20250101:a1b2c3d4" in ids
    card = sdk.models.retrieve(model_id="mistral-large-latest")
    assert card.id == "mistral-large-latest" and card.capabilities.vision


def test_chat_complete(sdk: Any) -> None:
    response = sdk.chat.complete(
        model="mistral-small-latest",
        messages=[{"role": "system", "content": "Be kind."}, {"role": "user", "content": "hello"}],
        temperature=0.2,
        max_tokens=100,
    )
    message = response.choices[0].message
    assert (
        message.content == "You said: hello\n\nSystem: Be kind.\n\nMessages: 2 (system 1, user 1)"
    )
    assert response.usage.total_tokens > 0


def test_chat_complete_reasoning_and_tools(sdk: Any) -> None:
    thought = sdk.chat.complete(
        model="magistral-medium-latest", messages=[{"role": "user", "content": "why"}]
    )
    content = thought.choices[0].message.content
    assert isinstance(content, list) and content[0].type == "thinking"
    tools = [
        {
            "type": "function",
            "function": {
                "name": "lookup",
                "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
            },
        }
    ]
    called = sdk.chat.complete(
        model="mistral-small-latest",
        messages=[{"role": "user", "content": "emulator:tool"}],
        tools=tools,
    )
    assert called.choices[0].finish_reason == "tool_calls"
    calls = called.choices[0].message.tool_calls
    assert calls and calls[0].function.name == "lookup"


def test_chat_stream(sdk: Any) -> None:
    events = list(
        sdk.chat.stream(model="mistral-small-latest", messages=[{"role": "user", "content": "hi"}])
    )
    text = "".join(str(e.data.choices[0].delta.content or "") for e in events)
    assert text == "You said: hi\n\nMessages: 1 (user 1)"
    assert events[-1].data.choices[0].finish_reason == "stop"
    assert events[-1].data.usage is not None


class Author(BaseModel):
    name: str
    born: datetime.date | None = None


class Book(BaseModel):
    title: str
    summary: str = Field(max_length=200)
    genre: Literal["novel", "poetry"]
    rating: int = Field(ge=1, le=5)
    authors: list[Author]
    link: AnyUrl
    published: datetime.datetime


def test_chat_parse_structured_output(sdk: Any) -> None:
    """``chat.parse`` sends a pydantic model as a strict json_schema and parses the reply."""
    messages = [{"role": "user", "content": "Dune"}]
    parsed = sdk.chat.parse(Book, model="mistral-small-latest", messages=messages)
    book = parsed.choices[0].message.parsed
    assert isinstance(book, Book)
    assert book.summary == "You said: Dune" and book.genre == "novel" and book.rating == 1
    assert book.authors == [Author(name="name", born=datetime.date(2025, 1, 1))]
    assert str(book.link) == "https://example.com/link"
    events = list(sdk.chat.parse_stream(Book, model="mistral-small-latest", messages=messages))
    text = "".join(str(e.data.choices[0].delta.content or "") for e in events)
    assert Book.model_validate(json.loads(text)) == book


def test_files_round_trip(sdk: Any) -> None:
    uploaded = sdk.files.upload(
        file={"file_name": "notes.txt", "content": b"line one\nline two\n"}, purpose="ocr"
    )
    assert uploaded.size_bytes == 18 and uploaded.filename == "notes.txt"
    listing = sdk.files.list(purpose="ocr", include_total=True)
    assert listing.total == 1 and listing.data[0].id == uploaded.id
    retrieved = sdk.files.retrieve(file_id=uploaded.id)
    assert retrieved.deleted is False and retrieved.mimetype == "text/plain"
    downloaded = sdk.files.download(file_id=uploaded.id)
    assert downloaded.read() == b"line one\nline two\n"
    downloaded.close()
    signed = sdk.files.get_signed_url(file_id=uploaded.id, expiry=1)
    assert f"/_signed/{uploaded.id}?" in signed.url
    deleted = sdk.files.delete(file_id=uploaded.id)
    assert deleted.deleted is True and deleted.id == uploaded.id
    assert sdk.files.list().total == 0


GET_TIME = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


def test_parallel_tool_calls_and_results(sdk: Any) -> None:
    messages: list[Any] = [
        {
            "role": "user",
            "content": 'emulator:call get_time {"tz": "UTC"} emulator:call get_time {}',
        }
    ]
    called = sdk.chat.complete(model="mistral-small-latest", messages=messages, tools=[GET_TIME])
    calls = called.choices[0].message.tool_calls
    assert [c.function.arguments for c in calls] == ['{"tz": "UTC"}', "{}"]
    streamed = [
        c
        for e in sdk.chat.stream(model="mistral-small-latest", messages=messages, tools=[GET_TIME])
        for c in e.data.choices[0].delta.tool_calls or []
    ]
    assert {c.index for c in streamed} == {0, 1}
    messages.append(called.choices[0].message)
    messages += [
        {"role": "tool", "content": f"12:0{i}", "tool_call_id": c.id} for i, c in enumerate(calls)
    ]
    answer = sdk.chat.complete(model="mistral-small-latest", messages=messages, tools=[GET_TIME])
    assert "Tool result: get_time: 12:01" in answer.choices[0].message.content


def test_conversations(sdk: Any) -> None:
    started = sdk.beta.conversations.start(
        model="mistral-small-latest",
        inputs="emulator:call get_time {} red",
        tools=[GET_TIME, {"type": "web_search"}, {"type": "image_generation"}],
    )
    call = started.outputs[-1]
    assert call.type == "function.call" and call.name == "get_time"
    answered = sdk.beta.conversations.append(
        conversation_id=started.conversation_id,
        inputs=[{"tool_call_id": call.tool_call_id, "result": "12:00"}],
    )
    assert [o.type for o in answered.outputs] == ["tool.execution"] * 2 + ["message.output"]
    content = answered.outputs[-1].content
    assert {c.type for c in content} == {"text", "tool_reference", "tool_file"}
    history = sdk.beta.conversations.get_history(conversation_id=started.conversation_id)
    assert len(history.entries) == 6
    restarted = sdk.beta.conversations.restart(
        conversation_id=started.conversation_id,
        from_entry_id=history.entries[-1].id,
        inputs="and now?",
    )
    assert restarted.conversation_id != started.conversation_id
    events = list(
        sdk.beta.conversations.append_stream(
            conversation_id=started.conversation_id, inputs="again"
        )
    )
    assert events[0].event == "conversation.response.started"
    assert events[-1].data.usage.total_tokens > 0
    text = "".join(
        e.data.content
        for e in events
        if e.event == "message.output.delta" and isinstance(e.data.content, str)
    )
    assert text.startswith("You said: again")
    listed = sdk.beta.conversations.list()
    assert {c.id for c in listed} == {started.conversation_id, restarted.conversation_id}


def test_agents(sdk: Any) -> None:
    agents = sdk.beta.agents.list_pages(page_size=10)
    assert [a.id for a in agents.result.data][:1] == ["ag_emulator_researcher"]
    made = sdk.beta.agents.create(model="mistral-small-latest", name="Mine", tools=[GET_TIME])
    assert sdk.beta.agents.get(agent_id=made.id).name == "Mine"
    reply = sdk.beta.conversations.start(agent_id="ag_emulator_coder", inputs="```\n1 + 1\n```")
    assert reply.outputs[0].info == {"code": "1 + 1", "code_output": "1 + 1"}
