"""`history show|export` and `ask -c` on a conversation with branches (real processes)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from mistral_chat.emulator import Emulator
from mistral_chat.storage import HistoryStore

RunCLI = Callable[..., tuple[int, str, str]]


@pytest.fixture
def conv_id(mistral_home: Path) -> str:
    """one / answer one / two / answer two, then "two" edited: TWO / answer TWO (the latest)."""
    with HistoryStore(mistral_home / "history.db") as store:
        conv = store.create_conversation("mistral-small-latest")
        one = store.add_message(conv.id, "user", "one")
        first = store.add_message(conv.id, "assistant", "answer one")
        store.add_message(conv.id, "user", "two")
        store.add_message(conv.id, "assistant", "answer two")
        store.add_message(conv.id, "user", "TWO", parent_id=first.id)
        store.add_message(conv.id, "assistant", "answer TWO")
        assert one.parent_id is None
        return conv.id


def test_show_gives_the_latest_branch_and_names_the_others(run_cli: RunCLI, conv_id: str) -> None:
    code, out, err = run_cli("history", "show")
    assert code == 0, err
    assert "── 3 user" in out and "TWO" in out and "answer TWO" in out
    assert "two\n" not in out and "answer two" not in out
    assert err == (
        "branch 2 of 2 (the latest); the others: 1 (the original); "
        f"`mistral-chat history show {conv_id} --branch N` shows one\n"
    )
    code, out, err = run_cli("history", "show", conv_id[:6], "--branch", "1")
    assert code == 0 and "answer two" in out and "TWO" not in out
    assert err.startswith("branch 1 of 2; the others: 2 (from message 3); ")


def test_show_json_and_a_branch_that_is_not_there(run_cli: RunCLI, conv_id: str) -> None:
    code, out, _ = run_cli("history", "show", "--json")
    shown = json.loads(out)
    assert [m["content"][0]["text"] for m in shown["messages"]] == [
        "one",
        "answer one",
        "TWO",
        "answer TWO",
    ]
    assert shown["branch"] == 2
    assert shown["branches"] == [
        {"number": 1, "from_message": None, "latest": False, "message_count": 4},
        {"number": 2, "from_message": 3, "latest": True, "message_count": 4},
    ]
    code, out, err = run_cli("history", "show", "--branch", "3")
    assert (code, out) == (2, "")
    assert err == "error: no branch 3; this conversation has branches 1 to 2\n"


def test_export_keeps_every_branch_in_json_and_shows_one_in_markdown(
    run_cli: RunCLI, conv_id: str
) -> None:
    code, out, _ = run_cli("history", "export", "--format", "json")
    doc = json.loads(out)
    assert code == 0 and len(doc["messages"]) == 6 and doc["format_version"] == 2
    code, out, _ = run_cli("history", "export")
    assert "answer TWO" in out and "answer two" not in out
    assert "- branch 2 of 2, from message 3, the latest (" in out
    code, out, _ = run_cli("history", "export", "--branch", "1")
    assert "answer two" in out and "answer TWO" not in out
    code, out, err = run_cli("history", "export", "--format", "json", "--branch", "1")
    assert (code, out) == (2, "")
    assert "a JSON export keeps every branch" in err


def test_ask_c_continues_the_latest_branch(
    run_cli: RunCLI, conv_id: str, emulator: Emulator
) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-c", "three")
    assert code == 0, err
    sent = [r for r in emulator.requests[start:] if r.path == "/v1/chat/completions"]
    assert [m["content"] for m in sent[0].json["messages"]] == [
        "one",
        "answer one",
        "TWO",
        "answer TWO",
        "three",
    ]
    code, out, err = run_cli("history", "show")
    assert "── 5 user" in out and "three" in out
    assert err.startswith("branch 2 of 2 (the latest)")
