"""The Toolbox plugged into the chat turn's tool loop (`services.chat`), against the emulator:
a real MCP server from PyPI and a functions file, their results in the answer and the history."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.chat import ChatSession
from mistral_chat.services.chat.tooling import Approvals, Tools
from mistral_chat.services.tools import Toolbox, load_functions, server_spec, start_server
from mistral_chat.storage import HistoryStore

MODEL = "mistral-small-latest"


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    with Client("test-key", base_url=emulator.base_url) as c:
        yield c


def test_parallel_calls_to_an_mcp_server_and_a_function(client: Client, tmp_path: Path) -> None:
    fns = tmp_path / "maths.py"
    fns.write_text("def add(a: int, b: int) -> int:\n    'Add two numbers.'\n    return a + b\n")
    server = start_server(
        server_spec(str(Path(sys.executable).parent / "mcp-server-time")), log_dir=tmp_path
    )
    with (
        Toolbox([server, load_functions(fns)]) as toolbox,
        HistoryStore(tmp_path / "h.db") as store,
    ):
        session = ChatSession(client, store, model=MODEL)
        session.tools = Tools(toolbox, Approvals(approve_all=True))
        result = session.send(
            'emulator:call get_current_time {"timezone": "Asia/Tokyo"} '
            'emulator:call add {"a": 40, "b": 2}'
        )
        assert result.status == "complete"
        assert [(c.name, o.is_error) for c, o in result.tools_run] == [
            ("get_current_time", False),
            ("add", False),
        ]
        answer = {
            line.split(": ", 2)[1]: line.split(": ", 2)[2]
            for line in result.text.split("\n\n")
            if line.startswith("Tool result: ")
        }
        assert json.loads(answer["get_current_time"])["datetime"].endswith("+09:00")
        assert answer["add"] == "42"
        conv = store.get_conversation(session.conversation_id or "")
        assert [m.role for m in conv.messages] == ["user", "assistant", "tool", "tool", "assistant"]


def test_a_call_to_a_tool_not_offered_is_refused(client: Client, tmp_path: Path) -> None:
    fns = tmp_path / "maths.py"
    fns.write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    with Toolbox([load_functions(fns)]) as toolbox:
        session = ChatSession(client, None, model=MODEL)
        session.tools = Tools(toolbox, Approvals(approve_all=True))
        result = session.send("emulator:call rm_rf {}")
    ((call, outcome),) = result.tools_run
    assert call.name == "rm_rf" and outcome.is_error
    assert "no tool named 'rm_rf' was offered (offered: add)" in result.text
