"""The tool loop in the chat turn: calls run (or refused), results sent back, all kept."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.chat import ChatSession, QuietView, resume
from mistral_chat.services.chat.budget import OverBudget, RequestGuard
from mistral_chat.services.chat.tooling import Approvals, ToolCall, ToolOutcome, Tools
from mistral_chat.storage import HistoryStore

MODEL = "mistral-small-latest"


@dataclass
class Result:
    text: str
    is_error: bool = False
    truncated: bool = False


class Adder:
    """A runner with one tool, `add`, that records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def specs(self) -> list[dict[str, Any]]:
        parameters = {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        }
        return [{"type": "function", "function": {"name": "add", "parameters": parameters}}]

    def call(self, name: str, arguments: str, timeout: float) -> Result:
        args = json.loads(arguments)
        self.calls.append(args)
        return Result(str(args.get("a", 0) + args.get("b", 0)))


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    with Client("test-key", base_url=emulator.base_url) as c:
        yield c


def chat_bodies(emu: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions" and r.json]


@pytest.mark.parametrize("stream", [True, False])
def test_a_call_runs_its_result_goes_back_and_everything_is_kept(
    client: Client, store: HistoryStore, emulator: Emulator, stream: bool
) -> None:
    session = ChatSession(client, store, model=MODEL, stream=stream)
    adder = Adder()
    session.tools = Tools(adder, Approvals(approve_all=True))
    seen: list[tuple[str, Any]] = []

    class Watch(QuietView):
        def on_tool_call(self, call: ToolCall) -> None:
            seen.append(("call", call.name))

        def on_tool_result(self, call: ToolCall, outcome: ToolOutcome) -> None:
            seen.append(("result", outcome.text))

    since = len(emulator.requests)
    result = session.send('emulator:tool {"a": 2, "b": 3}', view=Watch())
    assert adder.calls == [{"a": 2, "b": 3}]
    assert seen == [("call", "add"), ("result", "5")]
    bodies = chat_bodies(emulator, since)
    assert len(bodies) == 2 and bodies[0]["tools"][0]["function"]["name"] == "add"
    roles = [m["role"] for m in bodies[1]["messages"]]
    assert roles == ["user", "assistant", "tool"]
    assert bodies[1]["messages"][2]["content"] == "5"
    assert "5" in result.text and result.status == "complete"
    assert [(c.name, o.text) for c, o in result.tools_run] == [("add", "5")]
    # usage of both requests is counted
    assert result.usage and result.usage["prompt_tokens"] > 0
    # kept: the call, the result and the answer, and a continued session sends them again
    conv = store.get_conversation(session.conversation_id or "")
    assert [m.role for m in conv.messages] == ["user", "assistant", "tool", "assistant"]
    assert conv.messages[1].content[-1]["type"] == "tool_call"
    since = len(emulator.requests)
    resumed = resume(client, store, conv.id)
    resumed.send("thanks")
    sent = chat_bodies(emulator, since)[0]["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "assistant", "user"]
    assert sent[1]["tool_calls"][0]["function"]["name"] == "add"


def test_a_refused_call_is_not_run_and_the_model_is_told(
    client: Client, emulator: Emulator
) -> None:
    session = ChatSession(client, None, model=MODEL)
    adder = Adder()
    session.tools = Tools(adder, Approvals())  # no terminal, no --approve
    since = len(emulator.requests)
    result = session.send('emulator:tool {"a": 1}')
    assert adder.calls == []
    tool_message = chat_bodies(emulator, since)[1]["messages"][2]
    assert "did not allow" in tool_message["content"]
    assert result.tools_run[0][1].is_error


def test_always_is_remembered_for_the_session(client: Client) -> None:
    asked: list[str] = []

    def ask(call: ToolCall) -> Any:
        asked.append(call.name)
        return "always"

    session = ChatSession(client, None, model=MODEL)
    adder = Adder()
    session.tools = Tools(adder, Approvals(ask))
    session.send('emulator:tool {"a": 1}')
    session.send('emulator:tool {"a": 2}')
    assert asked == ["add"] and len(adder.calls) == 2


def test_the_budget_of_calls_ends_with_an_answer_and_a_warning(
    client: Client, emulator: Emulator
) -> None:
    session = ChatSession(client, None, model=MODEL)
    adder = Adder()
    session.tools = Tools(adder, Approvals(approve_all=True), max_calls=0)
    since = len(emulator.requests)
    result = session.send('emulator:tool {"a": 1}')
    assert adder.calls == []
    bodies = chat_bodies(emulator, since)
    assert bodies[-1]["tool_choice"] == "none"
    assert result.warnings and "--max-tool-calls" in result.warnings[0]
    assert result.status == "complete"


def test_ctrl_c_while_a_tool_runs_ends_the_turn_and_keeps_it(
    client: Client, store: HistoryStore
) -> None:
    class Stuck(Adder):
        def call(self, name: str, arguments: str, timeout: float) -> Result:
            raise KeyboardInterrupt

    session = ChatSession(client, store, model=MODEL)
    session.tools = Tools(Stuck(), Approvals(approve_all=True))
    result = session.send('emulator:tool {"a": 1}')
    assert isinstance(result.error, KeyboardInterrupt)
    conv = store.get_conversation(session.conversation_id or "")
    assert [m.role for m in conv.messages] == ["user", "assistant", "tool"]
    assert "stopped" in conv.messages[2].text
    # the conversation can go on: every call has its result, and the request bridges the
    # unanswered tool results (Mistral refuses a user message right after them)
    assert session.send("next").status == "complete"
    conv = store.get_conversation(session.conversation_id or "")
    assert [m.role for m in conv.messages] == ["user", "assistant", "tool", "user", "assistant"]


def test_a_tool_round_over_the_cost_limit_is_not_sent(
    client: Client, store: HistoryStore, emulator: Emulator
) -> None:
    class Bulky(Adder):
        def call(self, name: str, arguments: str, timeout: float) -> Result:
            return Result("word " * 200_000)  # a big result makes the next request costly

    session = ChatSession(client, store, model=MODEL)
    session.tools = Tools(Bulky(), Approvals(approve_all=True))
    session.before_send = RequestGuard(max_cost=0.01)
    since = len(emulator.requests)
    result = session.send('emulator:tool {"a": 1}')
    assert isinstance(result.error, OverBudget)
    assert str(result.error).startswith("the tool results were not sent back to the model: ")
    assert "more than --max-cost $0.01" in str(result.error)
    assert result.status == "interrupted"
    assert len(chat_bodies(emulator, since)) == 1  # the question went; the costly round did not
    conv = store.get_conversation(session.conversation_id or "")
    assert [m.role for m in conv.messages] == ["user", "assistant", "tool"]
