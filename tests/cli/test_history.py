"""History: `ask -c / --conversation` round trips and `history list|show|search|export|delete`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.emulator import Emulator
from mistral_chat.storage import HistoryStore

KEY = "sk-test-0123456789abcdef-never-stored"

# the shared fixtures are in tests/conftest.py; their types and env helper are restated here
# because `from conftest import ...` can resolve to another directory's conftest module
RunCLI = Callable[..., tuple[int, str, str]]


def cli_env(env: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", **env}


def ask(run_cli: RunCLI, *args: str, **kw: Any) -> dict[str, Any]:
    code, out, err = run_cli("ask", "--json", *args, input="", **kw)
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def chat_bodies(emu: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions"]


def listing(run_cli: RunCLI, *args: str) -> list[dict[str, Any]]:
    code, out, err = run_cli("history", "list", "--json", *args)
    assert code == 0, err
    rows: list[dict[str, Any]] = json.loads(out)
    return rows


def test_continue_latest_carries_the_first_exchange(run_cli: RunCLI, emulator: Emulator) -> None:
    first = ask(run_cli, "-s", "Be brief.", "--temperature", "0.2", "Remember pineapple")
    start = len(emulator.requests)
    second = ask(run_cli, "-c", "What fruit?")
    assert second["conversation_id"] == first["conversation_id"]
    body = chat_bodies(emulator, start)[0]
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Remember pineapple"},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": "What fruit?"},
    ]
    assert body["temperature"] == 0.2  # the conversation's options carry over
    assert "Messages: 4 (system 1, user 2, assistant 1)" in second["content"]


def test_conversation_by_prefix_with_another_model(run_cli: RunCLI, emulator: Emulator) -> None:
    first = ask(run_cli, "First conversation")
    second = ask(run_cli, "Second conversation")
    a, b = first["conversation_id"], second["conversation_id"]
    common = next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)
    if common:
        code, _, err = run_cli("ask", "--conversation", a[:common], "Hi", input="")
        assert code == 2 and "matches several conversations" in err
    start = len(emulator.requests)
    third = ask(run_cli, "--conversation", a[: common + 1], "-m",
                "ministral-8b-latest", "Back to the first")  # fmt: skip
    assert third["conversation_id"] == first["conversation_id"]
    body = chat_bodies(emulator, start)[0]
    assert body["model"] == "ministral-8b-latest"
    assert body["messages"][0] == {"role": "user", "content": "First conversation"}
    rows = {r["id"]: r for r in listing(run_cli)}
    assert rows[first["conversation_id"]]["model"] == "ministral-8b-latest"
    assert rows[first["conversation_id"]]["message_count"] == 4


def test_unknown_or_ambiguous_conversation_exits_2(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", "--conversation", "zzzz", "Hi", input="")
    assert code == 2 and err.startswith("error: no conversation matches 'zzzz'")
    code, _, err = run_cli("history", "show", "zzzz")
    assert code == 2 and "no conversation matches" in err


def test_list_json_shape_and_table(run_cli: RunCLI) -> None:
    assert listing(run_cli) == []
    code, out, err = run_cli("history", "list")
    assert code == 0 and out == "" and "no conversations yet" in err
    ask(run_cli, "Alpha question")
    ask(run_cli, "Beta question")
    rows = listing(run_cli)
    assert [r["title"] for r in rows] == ["Beta question", "Alpha question"]
    fields = {"id", "title", "model", "created_at", "updated_at", "message_count", "cost_usd"}
    assert set(rows[0]) == fields
    assert rows[0]["message_count"] == 2
    # mistral-small-latest has a list price, so the answer's cost is estimated
    assert 0 < rows[0]["cost_usd"] < 0.001
    assert len(listing(run_cli, "--limit", "1")) == 1
    code, out, err = run_cli("history", "list")
    lines = out.splitlines()
    assert lines[0].split() == ["id", "updated", "messages", "cost", "model", "title"]
    assert rows[0]["id"] in lines[1] and "Beta question" in lines[1] and " ~$0.0000" in lines[1]
    assert err == ""  # every conversation is shown
    # more than shown: said on stderr, with how to see them all
    code, out, err = run_cli("history", "list", "--limit", "1")
    assert code == 0 and len(out.splitlines()) == 2 and "Beta question" in out
    assert err == (
        "the 1 most recent of 2 conversations; `mistral-chat history list --limit 2` "
        "shows them all\n"
    )


def test_show_plain_and_json_with_cost(run_cli: RunCLI) -> None:
    doc = ask(run_cli, "-s", "Be brief.", "How much is this?")
    code, out, err = run_cli("history", "show", doc["conversation_id"][:5])
    assert code == 0, err
    assert "id:" in out and doc["conversation_id"] in out
    assert "system:" in out and "Be brief." in out
    assert "estimated cost:  ~$" in out
    assert "── user" in out and "How much is this?" in out
    assert "── assistant (mistral-small-latest)" in out and doc["content"] in out
    code, out, _ = run_cli("history", "show", doc["conversation_id"], "--json")
    shown = json.loads(out)
    assert shown["id"] == doc["conversation_id"] and shown["system"] == "Be brief."
    assert shown["estimated_cost_usd"] > 0
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant"]
    answer = shown["messages"][1]
    assert answer["status"] == "complete" and answer["usage"] == doc["usage"]
    assert answer["cost_usd"] > 0


def test_search(run_cli: RunCLI) -> None:
    ask(run_cli, "Tell me about the aubergine harvest")
    other = ask(run_cli, "Something unrelated")
    code, out, err = run_cli("history", "search", "aubergine")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["id", "when", "role", "match"]
    assert any("**aubergine**" in line and "user" in line for line in lines[1:])
    assert all(other["conversation_id"] not in line for line in lines)
    # FTS operators and quotes are searched for, never parsed
    code, out, err = run_cli("history", "search", 'aubergine" OR "x')
    assert code == 0
    code, out, err = run_cli("history", "search", "nothingmatchesthis")
    assert code == 0 and out == "" and "no message matches" in err
    code, out, err = run_cli("history", "search", "aubergine", "--json")
    hits = json.loads(out)
    assert code == 0 and {h["role"] for h in hits} == {"user", "assistant"}, err
    assert all(h["title"] == "Tell me about the aubergine harvest" for h in hits)
    assert all("**aubergine**" in h["snippet"] and h["message_id"] for h in hits)
    assert set(hits[0]) == {
        "conversation_id",
        "title",
        "message_id",
        "role",
        "created_at",
        "snippet",
    }
    code, out, _ = run_cli("history", "search", "nothingmatchesthis", "--json")
    assert code == 0 and json.loads(out) == []


def test_export_markdown_and_json_round_trip(
    run_cli: RunCLI, tmp_path: Path, mistral_home: Path
) -> None:
    first = ask(run_cli, "Export me please")
    ask(run_cli, "-c", "And a follow-up")
    conv_id = first["conversation_id"]
    code, md, err = run_cli("history", "export", conv_id)
    assert code == 0, err
    assert md.startswith("# Export me please\n") and "## User" in md and "## Assistant" in md
    target = tmp_path / "conv.json"
    code, out, err = run_cli("history", "export", conv_id, "-o", str(target))
    assert code == 0 and out == "" and "exported to" in err
    mask = os.umask(0o022)
    os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~mask  # not the temp file's 0600
    doc = json.loads(target.read_text())
    code, out, _ = run_cli("history", "export", conv_id, "--format", "json")
    assert json.loads(out) == doc
    code, _, _ = run_cli(
        "history", "export", conv_id, "--format", "md", "-o", str(tmp_path / "c.md")
    )
    assert (tmp_path / "c.md").read_text() == md
    # an existing file is never replaced without --force
    code, _, err = run_cli("history", "export", conv_id, "-o", str(target))
    assert code == 2 and err == (
        f"error: {target} already exists; add --force to replace it, or choose another path\n"
    )
    assert json.loads(target.read_text()) == doc
    code, _, err = run_cli(
        "history", "export", conv_id, "--format", "md", "-o", str(target), "--force"
    )
    assert code == 0 and target.read_text() == md

    # the JSON document re-imports to the same rows
    with HistoryStore(tmp_path / "other.db") as other:
        imported = other.import_json(doc)
        assert other.export_json(imported.id) == doc
    with HistoryStore(mistral_home / "history.db") as original:
        conv = original.get_conversation(conv_id)
    assert [(m.id, m.role, m.content, m.status) for m in imported.messages] == [
        (m.id, m.role, m.content, m.status) for m in conv.messages
    ]


def test_delete(run_cli: RunCLI) -> None:
    doc = ask(run_cli, "Delete me")
    code, _, err = run_cli("history", "delete", doc["conversation_id"], input="")
    assert code == 2 and "without confirmation; pass --yes" in err
    assert len(listing(run_cli)) == 1
    code, _, err = run_cli("history", "delete", doc["conversation_id"][:7], "--yes")
    assert code == 0 and doc["conversation_id"] in err
    assert listing(run_cli) == []
    # several at once; one unknown id and nothing is deleted
    ids = [ask(run_cli, f"Delete me too {n}")["conversation_id"] for n in range(3)]
    code, _, err = run_cli("history", "delete", *ids, "zzzzzz", "--yes")
    assert code == 2 and "zzzzzz" in err and len(listing(run_cli)) == 3
    code, _, err = run_cli("history", "delete", *ids, ids[0], "--yes")
    assert code == 0 and err.count("deleted conversation") == 3 and listing(run_cli) == []


def test_key_never_reaches_the_database_or_exports(
    run_cli: RunCLI, mistral_home: Path, tmp_path: Path
) -> None:
    env = {"MISTRAL_API_KEY": KEY}
    doc = ask(run_cli, "Hello with a key", env=env)
    ask(run_cli, "-c", "again", env=env)
    _, md, _ = run_cli("history", "export", doc["conversation_id"], env=env)
    _, js, _ = run_cli("history", "export", doc["conversation_id"], "--format", "json")
    assert KEY not in md and KEY not in js
    for path in mistral_home.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path


def test_sigkill_mid_stream_keeps_the_partial_answer(
    emulator: Emulator, tmp_path: Path, run_cli: RunCLI
) -> None:
    env = cli_env({"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat", "ask", "emulator:markdown 400 delay=20"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    try:
        received = proc.stdout.read(60)
        deadline = time.monotonic() + 2.5  # long enough for two checkpoints
        os.set_blocking(proc.stdout.fileno(), False)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            received += proc.stdout.read() or b""
        os.kill(proc.pid, signal.SIGKILL)
        received += proc.stdout.read() or b""
    finally:
        proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL

    rows = listing(run_cli)
    code, out, err = run_cli("history", "show", rows[0]["id"], "--json")
    assert code == 0, err
    answer = json.loads(out)["messages"][-1]
    assert answer["role"] == "assistant" and answer["status"] == "interrupted"
    saved = answer["content"][0]["text"]
    shown = received.decode()
    assert saved and shown.startswith(saved)
    # at most about a second of text lost: 20 ms a token, so ~50 tokens a second
    lost_tokens = len(shown[len(saved) :].split())
    assert lost_tokens <= 80, (len(saved), len(shown))


@pytest.mark.parametrize("sub", ["list", "show", "search", "export", "delete"])
def test_subcommand_help(run_cli: RunCLI, sub: str) -> None:
    code, out, _ = run_cli("history", sub, "--help")
    assert code == 0 and "usage:" in out


def test_show_and_export_default_to_the_latest_conversation(run_cli: RunCLI) -> None:
    code, out, err = run_cli("history", "show")
    assert code == 2 and out == "" and "no conversations yet" in err
    ask(run_cli, "Older question")
    newest = ask(run_cli, "Newest question")
    code, out, err = run_cli("history", "show")
    assert code == 0 and newest["conversation_id"] in out and "Newest question" in out, err
    code, md, _ = run_cli("history", "export")
    assert code == 0 and md.startswith("# Newest question\n")


def test_import_reads_an_export_back_on_another_machine(
    run_cli: RunCLI, tmp_path: Path, mistral_home: Path
) -> None:
    conv_id = ask(run_cli, "Carry this to the laptop")["conversation_id"]
    ask(run_cli, "-c", "And this follow-up")
    exported = tmp_path / "conv.json"
    code, _, err = run_cli("history", "export", conv_id, "-o", str(exported))
    assert code == 0, err
    code, before, _ = run_cli("history", "show", conv_id, "--json")

    laptop = {"MISTRAL_CHAT_HOME": str(tmp_path / "laptop")}
    code, out, err = run_cli("history", "import", str(exported), env=laptop)
    assert (code, out.strip()) == (0, conv_id), err
    assert "imported Carry this to the laptop with 4 messages" in err
    code, after, _ = run_cli("history", "show", conv_id, "--json", env=laptop)
    assert json.loads(after) == json.loads(before)

    # once is enough: a second import says how to overwrite, and --replace does
    code, _, err = run_cli("history", "import", str(exported), env=laptop)
    assert code == 2 and err == (
        f"error: conversation {conv_id} is already in the history; add --replace to overwrite it\n"
    )
    code, out, err = run_cli(
        "history", "import", "-", "--replace", input=exported.read_text(), env=laptop
    )
    assert (code, out.strip()) == (0, conv_id), err
    code, out, _ = run_cli("history", "list", "--json", env=laptop)
    assert [c["id"] for c in json.loads(out)] == [conv_id]


def test_import_refuses_what_is_not_an_export(run_cli: RunCLI, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("just notes")
    (tmp_path / "other.json").write_text('{"hello": "world"}')
    (tmp_path / "photo.bin").write_bytes(b"\xff\xd8\xff\xe0")
    for name, message in [
        ("missing.json", "missing.json"),
        ("notes.txt", "notes.txt is not JSON"),
        ("other.json", "not a mistral-chat conversation export"),
        ("photo.bin", "photo.bin is not a text file"),
    ]:
        code, out, err = run_cli("history", "import", str(tmp_path / name))
        assert (code, out) == (2, ""), name
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err
    assert listing(run_cli) == []
