"""Editing an earlier question: `ChatSession.edit` resends it as a branch, the history keeps
both, a continued conversation goes on from the latest branch, `switch_branch` moves."""

from __future__ import annotations

import doctest
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.api import Client, ServerError
from mistral_chat.emulator import Emulator
from mistral_chat.emulator.faults import Fault
from mistral_chat.services.chat import (
    ChatSession,
    NothingToSend,
    QuietView,
    branches,
    resume,
    switch_branch,
)
from mistral_chat.services.chat import latest as latest_session
from mistral_chat.services.chat.branches import editable_text, listing, session_branches
from mistral_chat.storage import BranchNotFound, HistoryStore
from mistral_chat.storage.branches import branches as stored_branches

MODEL = "mistral-small-latest"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as e:
        yield e


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    emu.clear_faults()
    with Client("test-key", base_url=emu.base_url, max_retries=0) as c:
        yield c


def _sent(emu: Emulator, since: int) -> list[list[str]]:
    """The user and assistant texts of each chat request sent since `since`."""
    out = []
    for r in emu.requests[since:]:
        if r.path == "/v1/chat/completions" and r.json:
            out.append([_text(m["content"]) for m in r.json["messages"]])
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    return "".join(c.get("text", "") for c in content if c.get("type") == "text")


def _three_turns(client: Client, store: HistoryStore) -> ChatSession:
    session = ChatSession(client, store, model=MODEL)
    for text in ("one", "two", "three"):
        session.send(text)
    return session


def test_doctests() -> None:
    assert doctest.testmod(branches).failed == 0


def test_an_edited_question_is_resent_from_its_place_and_both_branches_are_kept(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = _three_turns(client, store)
    since = len(emu.requests)
    result = session.edit(2, "TWO, edited")
    # the request holds what came before the edited question, then the edit: not "three"
    assert _sent(emu, since) == [["one", "You said: one\n\nMessages: 1 (user 1)", "TWO, edited"]]
    assert result.text.startswith("You said: TWO, edited")
    assert [t.role for t in session.turns] == ["user", "assistant", "user", "assistant"]
    conv = store.get_conversation(session.conversation_id or "")
    assert conv.message_count == 8  # nothing was deleted
    found = stored_branches(conv.messages)
    assert [[m.text.split("\n")[0] for m in b.messages if m.role == "user"] for b in found] == [
        ["one", "two", "three"],
        ["one", "TWO, edited"],
    ]
    assert found[1].latest and found[1].fork == 3
    # the next message goes on from the new branch
    session.send("four")
    again = stored_branches(store.get_conversation(conv.id).messages)
    assert [m.text for m in again[1].messages if m.role == "user"] == ["one", "TWO, edited", "four"]


def test_continuing_goes_on_from_the_latest_branch(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = _three_turns(client, store)
    session.edit(0, "first, again")
    continued = latest_session(client, store, model=MODEL)
    assert [_text(t.message["content"]) for t in continued.turns if t.role == "user"] == [
        "first, again"
    ]
    since = len(emu.requests)
    continued.send("next")
    assert _sent(emu, since)[0][::2] == ["first, again", "next"]


def test_switching_to_another_branch_and_going_on_from_it(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = _three_turns(client, store)
    session.edit(4, "three, edited")
    branch = switch_branch(session, 1)
    assert branch.number == 1 and session.branch_tip == branch.leaf_id
    since = len(emu.requests)
    session.send("four")
    assert _sent(emu, since)[0][::2] == ["one", "two", "three", "four"]
    resumed = resume(client, store, session.conversation_id or "", model=MODEL)
    # branch 1 now holds the newest message: it is the latest
    assert [_text(t.message["content"]) for t in resumed.turns if t.role == "user"] == [
        "one",
        "two",
        "three",
        "four",
    ]
    with pytest.raises(BranchNotFound, match="no branch 3; this conversation has branches 1 to 2"):
        switch_branch(session, 3)


def test_listing_numbers_the_branch_as_history_show_does(
    client: Client, store: HistoryStore
) -> None:
    session = _three_turns(client, store)
    session.edit(2, "two, edited")
    listed = listing(session)
    assert [(x.position, x.role, x.versions) for x in listed] == [
        (1, "user", 1),
        (2, "assistant", 1),
        (3, "user", 2),
        (4, "assistant", 1),
    ]
    assert listed[2].text == "two, edited" and listed[2].turn == 2
    found, mine = session_branches(session)
    assert len(found) == 2 and mine is not None and mine.number == 2


def test_a_failed_edit_keeps_the_edited_question_on_its_branch(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    # nothing a user typed is lost to an error: the edit stays, unanswered, and /retry asks
    session = _three_turns(client, store)
    emu.faults.add(Fault("status", status=503, path="/v1/chat/completions"))
    with pytest.raises(ServerError):
        session.edit(2, "two, edited")
    assert [_text(t.message["content"]) for t in session.turns][2:] == ["two, edited"]
    conv_id = session.conversation_id or ""
    found = stored_branches(store.get_conversation(conv_id).messages)
    assert [[m.text for m in b.messages][-1] for b in found] == [
        "You said: three\n\nMessages: 5 (user 3, assistant 2)",
        "two, edited",
    ]
    since = len(emu.requests)
    session.retry()
    assert _sent(emu, since)[0][::2] == ["one", "two, edited"]
    assert len(stored_branches(store.get_conversation(conv_id).messages)[1].messages) == 4


def test_undo_on_a_branch_keeps_what_other_branches_follow(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = _three_turns(client, store)
    session.edit(2, "two, edited")
    assert session.undo() == 2  # the edit and its answer
    conv = store.get_conversation(session.conversation_id or "")
    assert conv.message_count == 6  # the original branch is whole
    since = len(emu.requests)
    session.retry()  # the answer to "one" again: the old one goes on to "two", so it stays
    assert _sent(emu, since) == [["one"]]
    found = stored_branches(store.get_conversation(conv.id).messages)
    assert [len(b.messages) for b in found] == [6, 2]


def test_an_edit_keeps_the_attachments_and_replaces_only_the_typed_text(
    client: Client, store: HistoryStore, emu: Emulator, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("the notes\n")
    session = ChatSession(client, store, model=MODEL)
    session.send("read this", [str(notes)])
    assert editable_text(session.turns[0]) == "read this"
    since = len(emu.requests)
    session.edit(0, "summarise this")
    content = emu.requests[since:][-1].json["messages"][0]["content"]  # type: ignore[index]
    assert content[0] == {"type": "text", "text": "summarise this"}
    assert "the notes" in content[1]["text"] and len(content) == 2


def test_an_edit_of_an_answer_or_to_nothing_is_refused(client: Client, store: HistoryStore) -> None:
    session = _three_turns(client, store)
    with pytest.raises(NothingToSend, match="not a question"):
        session.edit(1, "x")
    with pytest.raises(NothingToSend, match="no text"):
        session.edit(0, "")
    assert len(session.turns) == 6


def test_without_history_an_edit_replaces_the_rest_in_memory(client: Client, emu: Emulator) -> None:
    session = ChatSession(client, None, model=MODEL)
    for text in ("one", "two"):
        session.send(text)
    session.edit(0, "uno", QuietView())
    assert [t.role for t in session.turns] == ["user", "assistant"]
    first = listing(session)[0]
    assert (first.position, first.text) == (1, "uno")
    assert session_branches(session) == ([], None)


def test_a_tool_round_stays_on_the_branch_it_was_asked_on(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    from test_tool_loop import Adder

    from mistral_chat.services.chat.tooling import Approvals, Tools

    session = ChatSession(client, store, model=MODEL)
    session.tools = Tools(Adder(), Approvals(approve_all=True))
    session.send("one")
    session.send('emulator:tool {"a": 2, "b": 3}')
    session.edit(0, 'emulator:tool {"a": 4, "b": 5}')
    found = stored_branches(store.get_conversation(session.conversation_id or "").messages)
    assert [[m.role for m in b.messages] for b in found] == [
        ["user", "assistant", "user", "assistant", "tool", "assistant"],
        ["user", "assistant", "tool", "assistant"],
    ]
    assert found[1].messages[2].text == "9" and found[1].latest
    since = len(emu.requests)
    resume(client, store, session.conversation_id or "", model=MODEL).send("thanks")
    sent = emu.requests[since:][0].json["messages"]  # type: ignore[index]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
