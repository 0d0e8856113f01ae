"""Tool calls inside a turn: what the model asked for, who approves it, how it is recorded.

The loop itself is in `session.py` (`ChatSession._answer`): ask, run the tools the model
called, send their results back, ask again, until the model answers in text or the turn's
budget of calls is spent. This module holds what the loop needs without I/O of its own:

- `ToolCall`, one call as the model made it, and its `ToolOutcome`;
- `ToolRunner`, what runs tools (`services.tools.Toolbox` is one): MCP servers, a functions file;
- `Approvals`, the policy: every call is asked on a terminal (yes / no / always for this tool
  this session); without a terminal only `--approve` lets tools run; nothing runs silently;
- how a call and its result are kept in the history (content chunks) and sent again.

    >>> call = ToolCall.from_api({"id": "c1", "function": {"name": "add", "arguments": "{}"}})
    >>> assistant_message("", [call])["tool_calls"][0]["function"]["name"]
    'add'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "DEFAULT_MAX_TOOL_CALLS",
    "Approvals",
    "ToolCall",
    "ToolOutcome",
    "ToolRunner",
    "Tools",
    "assistant_message",
    "calls_from_content",
    "stored_call_chunks",
    "tool_message",
    "tool_result_chunks",
]

#: how many tool calls one question may cause before the model is asked to answer without tools
DEFAULT_MAX_TOOL_CALLS = 10
#: seconds a tool may run before it is stopped and the model told so
DEFAULT_TOOL_TIMEOUT = 60.0


@dataclass(frozen=True)
class ToolCall:
    """One call the model asked for: its id, the tool's name, the arguments as JSON text."""

    id: str
    name: str
    arguments: str

    @classmethod
    def from_api(cls, call: Mapping[str, Any], index: int = 0) -> ToolCall:
        """From the API's shape (`{"id", "function": {"name", "arguments"}}`)."""
        function = call.get("function") or {}
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):  # some servers send an object
            arguments = json.dumps(arguments)
        call_id = call.get("id") or f"call_{index}"
        return cls(str(call_id), str(function.get("name", "")), arguments)

    def api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class ToolOutcome:
    """What a call gave the model: text, and whether it is an error (refused, failed...)."""

    text: str
    is_error: bool = False
    truncated: bool = False


class ToolRunner(Protocol):
    """What runs tools: `services.tools.Toolbox` is one."""

    def specs(self) -> list[dict[str, Any]]:
        """The API's `tools` list."""
        ...

    def call(self, name: str, arguments: str, timeout: float) -> Any:
        """Run one tool; a result with `text`, `is_error` and `truncated`."""
        ...


Answer = Literal["yes", "no", "always"]


class Approvals:
    """Who allows a call: `approve_all` (`--approve`), else `ask(call)` on a terminal, whose
    "always" is remembered for that tool for the session; with neither, every call is refused
    (and the model is told so)."""

    def __init__(
        self, ask: Callable[[ToolCall], Answer] | None = None, *, approve_all: bool = False
    ) -> None:
        self.ask = ask
        self.approve_all = approve_all
        self.always: set[str] = set()

    def __call__(self, call: ToolCall) -> bool:
        if self.approve_all or call.name in self.always:
            return True
        if self.ask is None:
            return False
        answer = self.ask(call)
        if answer == "always":
            self.always.add(call.name)
        return answer in ("yes", "always")

    def describe(self) -> str:
        """One line for `/tools`: how calls are approved."""
        if self.approve_all:
            return "every call runs (--approve)"
        mode = (
            "asked on the terminal" if self.ask is not None else "refused (no terminal; --approve)"
        )
        always = f"; always allowed: {', '.join(sorted(self.always))}" if self.always else ""
        return f"each call is {mode}{always}"


@dataclass
class Tools:
    """The tools offered in a session and the rules around them."""

    runner: ToolRunner
    approvals: Approvals = field(default_factory=Approvals)
    max_calls: int = DEFAULT_MAX_TOOL_CALLS
    timeout: float = DEFAULT_TOOL_TIMEOUT
    choice: str | None = None  # "auto", "any", "none", "required" (the spec's ToolChoiceEnum)
    parallel: bool | None = None

    def request_options(self, *, last_round: bool = False) -> dict[str, Any]:
        """The request fields that offer the tools (`tool_choice` "none" once the budget of
        calls is spent, so the model answers with what it has)."""
        specs = self.runner.specs()
        if not specs:
            return {}
        options: dict[str, Any] = {"tools": specs}
        choice = "none" if last_round else self.choice
        if choice is not None:
            options["tool_choice"] = choice
        if self.parallel is not None:
            options["parallel_tool_calls"] = self.parallel
        return options

    def run(self, call: ToolCall) -> ToolOutcome:
        """Run an approved call; any failure is an outcome the model can read."""
        result = self.runner.call(call.name, call.arguments, timeout=self.timeout)
        return ToolOutcome(
            str(getattr(result, "text", result)),
            bool(getattr(result, "is_error", False)),
            bool(getattr(result, "truncated", False)),
        )


def refused(call: ToolCall) -> ToolOutcome:
    return ToolOutcome(
        f"The user did not allow running {call.name}; it was not run. Answer without it, or "
        "say what you would need.",
        is_error=True,
    )


def not_run(call: ToolCall, why: str) -> ToolOutcome:
    return ToolOutcome(f"{call.name} was not run: {why}.", is_error=True)


# -- how calls and results are kept and sent ---------------------------------------------------


def assistant_message(text: str, calls: Sequence[ToolCall]) -> dict[str, Any]:
    """The API's assistant message for an answer that called tools."""
    return {"role": "assistant", "content": text, "tool_calls": [c.api() for c in calls]}


def tool_message(call: ToolCall, outcome: ToolOutcome) -> dict[str, Any]:
    """The API's tool message carrying a call's result back to the model."""
    return {"role": "tool", "content": outcome.text, "tool_call_id": call.id, "name": call.name}


def stored_call_chunks(calls: Sequence[ToolCall]) -> list[dict[str, Any]]:
    """The history's record of the calls an answer made (after its text chunk)."""
    return [
        {"type": "tool_call", "id": c.id, "name": c.name, "arguments": c.arguments} for c in calls
    ]


def tool_result_chunks(call: ToolCall, outcome: ToolOutcome) -> list[dict[str, Any]]:
    """The history's record of a tool message: its text (searchable, shown) and which call."""
    meta: dict[str, Any] = {"type": "tool_result", "tool_call_id": call.id, "name": call.name}
    if outcome.is_error:
        meta["is_error"] = True
    if outcome.truncated:
        meta["truncated"] = True
    return [{"type": "text", "text": outcome.text}, meta]


def calls_from_content(content: Sequence[Mapping[str, Any]]) -> list[ToolCall]:
    """The calls recorded in a stored assistant message (none for a plain answer)."""
    return [
        ToolCall(str(c.get("id", "")), str(c.get("name", "")), str(c.get("arguments", "")))
        for c in content
        if c.get("type") == "tool_call"
    ]
