"""Reasoning models on the command line: `--thinking`, `show_thinking`, `--reasoning-effort`,
and the reasoning in `history show` and exports."""

from __future__ import annotations

import json

from cli_support import RunCLI
from mistral_chat.emulator import Emulator

REASONING = "The user sent 1 message(s). I will describe what I received, one fact per paragraph."


def test_reasoning_goes_to_stderr_only_when_asked(run_cli: RunCLI) -> None:
    for extra in ([], ["--no-stream"]):
        code, out, err = run_cli(
            "ask", "-m", "magistral-medium-latest", "--thinking", "Why?", *extra
        )
        assert code == 0 and out == "You said: Why?\n\nMessages: 1 (user 1)\n", err
        assert (
            err == REASONING + "\n\n"
        )  # no escape codes into a pipe; a blank line before the answer
    code, out, err = run_cli("ask", "-m", "magistral-medium-latest", "Why?")
    assert code == 0 and out.startswith("You said: Why?") and err == ""
    # the config makes it the default; the flag still wins
    assert run_cli("config", "set", "show_thinking", "true")[0] == 0
    code, _, err = run_cli("ask", "-m", "magistral-medium-latest", "Why?")
    assert code == 0 and err.startswith("The user sent 1 message(s).")
    code, _, err = run_cli("ask", "-m", "magistral-medium-latest", "--no-thinking", "Why?")
    assert code == 0 and err == ""


def test_reasoning_effort_is_checked_then_sent(run_cli: RunCLI, emulator: Emulator) -> None:
    code, out, err = run_cli("ask", "--reasoning-effort", "extreme", "hi")
    assert code == 2 and out == ""
    assert err == (
        "error: --reasoning-effort must be one of none, minimal, low, medium, high, xhigh, "
        "got 'extreme'\n"
    )
    start = len(emulator.requests)
    code, out, err = run_cli(
        "ask", "-m", "mistral-medium-latest", "--reasoning-effort", "low", "--thinking", "hi"
    )
    assert code == 0 and err.startswith("The user sent 1 message(s).")
    sent = [r.json for r in emulator.requests[start:] if r.path == "/v1/chat/completions"]
    assert sent[0]["reasoning_effort"] == "low"


def test_history_keeps_the_reasoning_apart(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "-m", "magistral-medium-latest", "--json", "Why?")
    assert code == 0, err
    conv = json.loads(out)["conversation_id"]
    assert "I will describe" not in json.loads(out)["content"]
    code, out, _ = run_cli("history", "show", conv)
    assert code == 0
    assert f"> {REASONING}\nYou said: Why?" in out
    code, md, _ = run_cli("history", "export", conv)
    assert code == 0 and f"_Reasoning:_\n\n> {REASONING}\n\nYou said: Why?" in md
    assert "- thinking" not in md  # not listed as an attachment
    code, out, _ = run_cli("history", "show", conv, "--json")
    answer = json.loads(out)["messages"][1]
    assert answer["content"][0]["type"] == "thinking"
    code, out, _ = run_cli("history", "search", "describe")  # reasoning is not searched
    assert code == 0 and out == ""
