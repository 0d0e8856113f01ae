"""Documents sent earlier in a chat are signed again before their URLs expire (24 h): a chat
continued the next day, or left open that long, still reaches its documents."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.chat import ChatSession, resume
from mistral_chat.services.chat.document_urls import REFRESH_AFTER_S
from mistral_chat.storage import HistoryStore

MODEL = "mistral-small-latest"
DAY = 24 * 3600


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as e:  # its own: the tests move its clock
        yield e


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client("test-key", base_url=emu.base_url, max_retries=0) as c:
        yield c


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    path = tmp_path / "report.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"words " * 50 + b"\n%%EOF\n")
    return path


def document_chunks(emu: Emulator, since: int) -> list[dict[str, Any]]:
    body = [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions"][-1]
    assert body is not None
    return [
        c
        for m in body["messages"]
        if isinstance(m["content"], list)
        for c in m["content"]
        if c["type"] in ("document_url", "text") and c is not m["content"][0]
    ]


def later(emu: Emulator, seconds: float) -> None:
    emu.store.clock = lambda: time.time() + seconds


def test_a_chat_continued_the_next_day_signs_its_documents_again(
    client: Client, emu: Emulator, store: HistoryStore, doc: Path
) -> None:
    session = ChatSession(client, store, model=MODEL)
    since = len(emu.requests)
    assert session.send("Summarise it", [str(doc)]).status == "complete"
    first = document_chunks(emu, since)[0]["document_url"]

    later(emu, DAY + 3600)  # the first signed URL has expired
    resumed = resume(client, store, session.conversation_id or "")
    since = len(emu.requests)
    result = resumed.send("And its conclusion?")
    assert result.status == "complete" and result.warnings == []
    again = document_chunks(emu, since)[0]
    assert again["document_name"] == "report.pdf" and again["document_url"] != first
    # the history keeps what was sent the first time; only the request copy changes
    stored = store.get_conversation(session.conversation_id or "").messages[0]
    assert [c["document_url"] for c in stored.content if c["type"] == "document_url"] == [first]


def test_a_chat_left_open_for_a_day_signs_its_documents_again(
    client: Client, emu: Emulator, store: HistoryStore, doc: Path
) -> None:
    session = ChatSession(client, store, model=MODEL)
    assert session.send("Summarise it", [str(doc)]).status == "complete"
    since = len(emu.requests)
    assert session.send("Shorter?").status == "complete"  # within the day: not signed again
    signs = [r for r in emu.requests[since:] if r.path.endswith("/url")]
    assert signs == []

    later(emu, DAY + 3600)
    session.turns[0].signed_at -= REFRESH_AFTER_S  # as if signed that long ago
    assert session.send("Shorter still?").status == "complete"


def test_a_document_no_longer_on_the_server_becomes_a_note(
    client: Client, emu: Emulator, store: HistoryStore, doc: Path
) -> None:
    session = ChatSession(client, store, model=MODEL)
    assert session.send("Summarise it", [str(doc)]).status == "complete"
    file_id = store.get_conversation(session.conversation_id or "").messages[0].attachments[0]
    assert file_id.file_id is not None
    client.files.delete(file_id.file_id)

    resumed = resume(client, store, session.conversation_id or "")
    since = len(emu.requests)
    result = resumed.send("And its conclusion?")
    assert result.status == "complete"
    assert result.warnings == [
        "report.pdf is no longer on the server (chat uploads expire after 7 days); the model "
        "gets a note in its place: attach it again to ask about it"
    ]
    note = document_chunks(emu, since)[0]
    assert note == {
        "type": "text",
        "text": "[a document was attached here: report.pdf; it is no longer on the server]",
    }
