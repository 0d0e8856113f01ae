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
