"""Reasoning models: their reasoning reaches `on_thinking`, is kept in the history and is
never sent back; `reasoning_effort` is an option like the others."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.chat import ChatSession, QuietView, resume
from mistral_chat.services.chat_options import InvalidOption, validate_option
from mistral_chat.storage import HistoryStore

REASONER = "magistral-medium-latest"  # the emulator's magistral cards always reason


@pytest.fixture
def emu(emulator: Emulator) -> Emulator:
    return emulator  # the session's emulator (tests/conftest.py)


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    with Client("test-key", base_url=emu.base_url) as c:
        yield c


def chat_bodies(emu: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions" and r.json]


@pytest.mark.parametrize("stream", [True, False])
def test_reasoning_is_reported_kept_and_not_resent(
    client: Client, store: HistoryStore, emu: Emulator, stream: bool
) -> None:
    session = ChatSession(client, store, model=REASONER)
    session.stream = stream
    events: list[tuple[str, str]] = []
    result = session.send(
        "Why is the sky blue?",
        view=QuietView(
            on_text=lambda d: events.append(("text", d)),
            on_thinking=lambda d: events.append(("thinking", d)),
        ),
    )
    thoughts = "".join(d for kind, d in events if kind == "thinking")
    assert thoughts and thoughts == result.thinking and "I will describe" in thoughts
    assert "".join(d for kind, d in events if kind == "text") == result.text
    assert events[0][0] == "thinking" and events[-1][0] == "text"  # reasoning comes first
    assert result.ttft_ms is not None

    conv = store.get_conversation(session.conversation_id or "")
    answer = conv.messages[-1]
    assert answer.thinking == result.thinking and answer.text == result.text
    assert answer.content[0]["type"] == "thinking"

    since = len(emu.requests)
    again = resume(client, store, conv.id)
    again.send("And at sunset?")
    sent = chat_bodies(emu, since)[0]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"] == result.text  # the text alone: reasoning is not sent back


def test_reasoning_effort_is_checked_and_sent(client: Client, emu: Emulator) -> None:
    assert validate_option("effort", "HIGH") == ("reasoning_effort", "high")
    assert validate_option("reasoning_effort", "none") == ("reasoning_effort", "none")
    assert validate_option("reasoning-effort", "default") == ("reasoning_effort", None)
    with pytest.raises(InvalidOption, match="one of none, minimal, low, medium, high, xhigh"):
        validate_option("reasoning_effort", "max")
    session = ChatSession(client, None, model="mistral-medium-latest")
    session.set_option("reasoning_effort", "high")
    since = len(emu.requests)
    result = session.send("hi", view=QuietView(on_thinking=lambda d: None))
    assert chat_bodies(emu, since)[0]["reasoning_effort"] == "high"
    assert result.thinking  # the emulator reasons when asked to
    session.set_option("reasoning_effort", "none")
    assert not session.send("hi again").thinking
