"""`ask` and `chat` with tools, as a user runs them: real processes against the emulator.

Local tools (a real MCP server from PyPI, a functions file) are called through the emulator's
`emulator:call NAME {JSON}`; hosted tools (web search, code, images, libraries, agents) go
through its Conversations API. Every request body the client sent is checked against the spec.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli_support import RunCLI
from mistral_chat.emulator import Emulator
from pty_support import Spawn, spawner
from spec_support import body_errors

TIME_SERVER = f"{Path(sys.executable).parent / 'mcp-server-time'} --local-timezone Europe/Paris"

FUNCTIONS = '''\
import time


def add(a: int, b: int = 0) -> int:
    """Add two numbers."""
    return a + b


def explode() -> str:
    """Fail."""
    raise RuntimeError("the tool broke")


def sleepy() -> str:
    """Hang."""
    time.sleep(30)
    return "late"


def huge() -> str:
    """Ten megabytes."""
    return "x" * 10_000_000
'''


@pytest.fixture
def functions(tmp_path: Path) -> Path:
    path = tmp_path / "tools.py"
    path.write_text(FUNCTIONS)
    return path


def bodies(emulator: Emulator, since: int, path: str) -> list[Any]:
    return [r.json for r in emulator.requests[since:] if r.path.startswith(path) and r.json]


def assert_valid_chat_bodies(found: list[Any]) -> None:
    assert found
    for body in found:
        assert body_errors("/v1/chat/completions", "post", body) == [], body


def test_a_real_mcp_server_is_called_end_to_end(run_cli: RunCLI, emulator: Emulator) -> None:
    since = len(emulator.requests)
    question = 'Time in Tokyo? emulator:call get_current_time {"timezone": "Asia/Tokyo"}'
    code, out, err = run_cli("ask", "--mcp", TIME_SERVER, "--approve", question, input="")
    assert code == 0, err
    line = next(p for p in out.split("\n\n") if p.startswith("Tool result: get_current_time: "))
    result = json.loads(line.removeprefix("Tool result: get_current_time: "))
    assert result["timezone"] == "Asia/Tokyo" and result["datetime"].endswith("+09:00")
    assert "⚙ get_current_time" in err  # the call is shown as it happens
    sent = bodies(emulator, since, "/v1/chat/completions")
    assert_valid_chat_bodies(sent)
    assert [m["role"] for m in sent[-1]["messages"]] == ["user", "assistant", "tool"]
    # kept in the history: history show has the call and its result
    code, out, _ = run_cli("history", "show", "--json")
    roles = [m["role"] for m in json.loads(out)["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]


def test_functions_run_and_continue_with_c(
    run_cli: RunCLI, emulator: Emulator, functions: Path
) -> None:
    code, out, err = run_cli(
        "ask", "--functions", str(functions), "--approve", 'emulator:call add {"a": 2, "b": 40}',
        input="",
    )  # fmt: skip
    assert code == 0 and "Tool result: add: 42" in out, err
    since = len(emulator.requests)
    code, out, _ = run_cli("ask", "-c", "thanks", input="")
    assert code == 0
    sent = bodies(emulator, since, "/v1/chat/completions")[0]
    assert [m["role"] for m in sent["messages"]] == [
        "user",
        "assistant",
        "tool",
        "assistant",
        "user",
    ]
    assert_valid_chat_bodies([sent])


def test_without_a_terminal_calls_are_refused_unless_approved(
    run_cli: RunCLI, functions: Path
) -> None:
    code, out, err = run_cli(
        "ask", "--functions", str(functions), 'emulator:call add {"a": 1}', input=""
    )
    assert code == 0
    assert "Tool result: add: The user did not allow running add" in out
    assert "warning: add was not run: there is no terminal to ask; pass --approve" in err


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        ("explode {}", "the tool broke"),
        ("sleepy {}", "did not finish within 2 s"),
        ("huge {}", "cut"),
        ("nosuchtool {}", "no tool named 'nosuchtool' was offered"),
    ],
)
def test_a_tool_that_fails_hangs_or_floods_is_one_line_and_nothing_is_lost(
    run_cli: RunCLI, functions: Path, call: str, shown: str
) -> None:
    code, out, err = run_cli(
        "ask", "--functions", str(functions), "--approve", "--tool-timeout", "2",
        f"emulator:call {call}", input="", timeout=90,
    )  # fmt: skip
    assert code == 0, err
    tool_lines = [line for line in err.splitlines() if line.startswith("  ")]
    assert len(tool_lines) == 1 and shown in tool_lines[0].lower(), err
    assert "Tool result:" in out
    code, out, _ = run_cli("history", "show", "--json")
    messages = json.loads(out)["messages"]
    assert [m["role"] for m in messages] == ["user", "assistant", "tool", "assistant"]
    assert len(json.dumps(messages)) < 1_000_000  # 10 MB never reached the history


def test_the_budget_of_calls_is_a_warning(run_cli: RunCLI, functions: Path) -> None:
    code, _, err = run_cli(
        "ask", "--functions", str(functions), "--approve", "--max-tool-calls", "0",
        'emulator:call add {"a": 1}', input="",
    )  # fmt: skip
    assert code == 0 and "warning: stopped running tools after 0 calls" in err


def test_a_server_that_fails_to_start_is_one_line(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "--mcp", "no-such-command-anywhere --x", "hi", input="")
    assert code == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith("error: ") and "no-such-command-anywhere" in line


def test_web_search_shows_numbered_sources(run_cli: RunCLI, emulator: Emulator) -> None:
    since = len(emulator.requests)
    code, out, err = run_cli("ask", "--web", "Who won Euro 2024?", input="")
    assert code == 0, err
    assert "\nSources:\n[1] " in out and "<https://" in out
    start = bodies(emulator, since, "/v1/conversations")[0]
    assert start["tools"] == [{"type": "web_search"}]
    assert body_errors("/v1/conversations#stream", "post", start) == []
    code, out, _ = run_cli("ask", "--web", "--json", "Who won Euro 2024?", input="")
    sources = json.loads(out)["sources"]
    assert sources and all(s["url"].startswith("https://") for s in sources)


def test_c_appends_to_the_same_server_conversation(run_cli: RunCLI, emulator: Emulator) -> None:
    code, _, _ = run_cli("ask", "--code", "print(6 * 7)", input="")
    assert code == 0
    since = len(emulator.requests)
    code, out, err = run_cli("ask", "-c", "and print(7 * 6)", input="")
    assert code == 0, err
    (append,) = [r for r in emulator.requests[since:] if r.path.startswith("/v1/conversations/")]
    assert append.json is not None
    assert body_errors("/v1/conversations/{conversation_id}#stream", "post", append.json) == []
    assert append.json["inputs"][-1]["content"] == "and print(7 * 6)"
    assert "Code interpreter output" in out


def test_generated_images_are_saved_and_named(run_cli: RunCLI, tmp_path: Path) -> None:
    out_dir = tmp_path / "pictures"
    out_dir.mkdir()
    code, _, err = run_cli("ask", "--image", "--output-dir", str(out_dir), "a red bike", input="")
    assert code == 0, err
    (saved,) = out_dir.iterdir()
    assert saved.read_bytes().startswith(b"\x89PNG") and f"saved {saved}" in err


def test_a_library_and_an_agent(run_cli: RunCLI, emulator: Emulator) -> None:
    code, out, err = run_cli("libraries", "create", "Handbook", "--json")
    library = json.loads(out)["id"]
    since = len(emulator.requests)
    code, out, err = run_cli("ask", "--library", library, "What does the handbook say?", input="")
    assert code == 0, err
    start = bodies(emulator, since, "/v1/conversations")[0]
    assert start["tools"] == [{"type": "document_library", "library_ids": [library]}]
    code, out, _ = run_cli("agents", "list", "--json")
    agent = json.loads(out)[0]["id"]
    since = len(emulator.requests)
    code, out, err = run_cli("ask", "--agent", agent, "Hello agent", input="")
    assert code == 0, err
    start = bodies(emulator, since, "/v1/conversations")[0]
    assert start["agent_id"] == agent and "model" not in start


@pytest.fixture
def spawn(emulator: Emulator, tmp_path: Path) -> Iterator[Spawn]:
    yield from spawner(emulator, tmp_path)


def test_the_chat_asks_before_a_tool_runs(spawn: Spawn, functions: Path) -> None:
    screen = spawn(
        "chat", "-m", "mistral-small-latest", "--mcp", TIME_SERVER, "--functions", str(functions)
    )
    screen.expect("mistral-small-latest>", timeout=90)  # the MCP server starts first
    screen.line('Time in Tokyo? emulator:call get_current_time {"timezone": "Asia/Tokyo"}')
    screen.expect("run get_current_time? [y]es, [n]o, [a]lways:")
    screen.line("a")
    screen.expect('Tool result: get_current_time: { "timezone": "Asia/Tokyo", "datetime": "')
    screen.expect("mistral-small-latest>")
    screen.line('emulator:call add {"a": 20, "b": 22}')
    screen.expect('⚙ add {"a": 20, "b": 22}')
    screen.expect("run add? [y]es, [n]o, [a]lways:")
    screen.line("y")
    screen.expect("→ 42")
    screen.expect("Tool result: add: 42")
    screen.expect("mistral-small-latest>")
    screen.line("/tools")
    screen.expect("local tools (mcp-server-time, tools): get_current_time, convert_time, add")
    screen.expect("approval: each call is asked on the terminal; always allowed: get_current_time")
    screen.line("/web on")
    screen.expect("web on; the next questions go through the Conversations API")
    screen.line("/quit")
    assert screen.finish() == 0
