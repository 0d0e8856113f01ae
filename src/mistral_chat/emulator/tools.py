"""Function calling: which calls the emulator's "model" makes, and the API's checks on tools.

The model calls a tool only when the request offers tools and the last user text asks for it:

- ``emulator:call NAME {JSON arguments}``, once per call; several markers make parallel calls
  (only the first with ``parallel_tool_calls: false``). NAME need not be offered, so that a
  client's refusal of an unknown tool can be tested. Arguments that are not valid JSON are sent
  as written (up to the next marker), as a model's broken output would be.
- ``emulator:rounds N`` with those markers: the same calls are made again after each round of
  results, N rounds in all, then the model answers (to test a client's bound on tool calls).
- ``emulator:tool [JSON]`` (older): calls the first function tool.
- ``tool_choice`` ``any``/``required`` (or a named function) forces a call to the first (or
  the named) function on a user turn, with sample arguments built from its parameters.

After tool results the model answers with text quoting each result. Checks made as the API
makes them (400): function names (``^[a-zA-Z0-9_-]{1,64}$``), tool call ids (9 letters or
digits), a tool message's ``tool_call_id`` (defined, one of the calls of the assistant message
before it), and as many tool messages as there were calls.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from .request_bodies import (
    AssistantMessage,
    FunctionTool,
    Message,
    ToolChoice,
    ToolMessage,
    UserMessage,
)
from .validate import ApiError, invalid_request

__all__ = [
    "ToolCallReply",
    "check_tools",
    "function_name_error",
    "plan_calls",
    "strip_markers",
    "tool_name_for",
]

_MARKER = re.compile(r"emulator:(call|rounds)\b")
_CALL = re.compile(r"emulator:call\s+([^\s{]+)[ \t]*")
_ROUNDS = re.compile(r"emulator:rounds\s+(\d+)")
_ANY_MARKER = re.compile(r"emulator:(?:call\s+[^\s{]+[ \t]*|rounds\s+\d+|tool\b)")
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
CALL_ID = re.compile(r"[a-zA-Z0-9]{9}")
_SAMPLES: dict[str, Any] = {"integer": 1, "number": 1.5, "boolean": True, "array": [], "object": {}}


@dataclass(frozen=True)
class ToolCallReply:
    id: str
    name: str
    arguments: str


def _call_error(message: str) -> ApiError:
    # The API's current wording and codes for tool call problems.
    return ApiError(400, message, "invalid_function_call", "3280")


def function_name_error(name: str) -> ApiError | None:
    """The API's 400 for a function name it does not accept, or None."""
    if FUNCTION_NAME.fullmatch(name):
        return None
    return invalid_request(
        f"Function name was {name} but must be a-z, A-Z, 0-9, or contain underscores and "
        "dashes, with a maximum length of 64."
    )


def _id_error(call_id: str | None) -> ApiError | None:
    if call_id is not None and CALL_ID.fullmatch(call_id):
        return None
    shown = "null" if call_id is None else call_id
    return _call_error(f"Tool call id was {shown} but must be a-z, A-Z, 0-9, with a length of 9.")


def check_tools(tools: list[Any] | None, messages: list[Message]) -> None:
    """The API's checks on function names, tool calls and tool messages (400 when broken)."""
    for tool in tools or []:
        if isinstance(tool, FunctionTool) and (error := function_name_error(tool.function.name)):
            raise error
    calls: dict[str, str] | None = None  # id -> name, of the assistant message being answered
    answered = 0
    for message in [*messages, None]:
        if isinstance(message, ToolMessage):
            _check_result(message, calls)
            answered += 1
            continue
        if calls is not None and answered != len(calls):
            raise invalid_request("Not the same number of function calls and responses")
        if answered and message is not None and not isinstance(message, AssistantMessage):
            raise _order_error(message)
        calls, answered = None, 0
        if isinstance(message, AssistantMessage) and message.tool_calls:
            calls = {}
            for call in message.tool_calls:
                if error := _id_error(call.id):
                    raise error
                calls[call.id] = call.function.name


def _order_error(message: Message) -> ApiError:
    """The API's 400 for a tool result followed by anything but the assistant's answer
    (a user message after a turn stopped between its tool calls and the answer)."""
    role = type(message).__name__.removesuffix("Message").lower()
    return ApiError(
        400, f"Unexpected role '{role}' after role 'tool'", "invalid_request_message_order", "3230"
    )


def _check_result(message: ToolMessage, calls: dict[str, str] | None) -> None:
    if message.tool_call_id is None:
        raise invalid_request("Tool call id has to be defined.")
    if error := _id_error(message.tool_call_id):
        raise error
    if calls is None or message.tool_call_id not in calls:
        raise _call_error(
            f"Tool call id {message.tool_call_id} does not match any tool call of the "
            "assistant message before it."
        )


def tool_name_for(message: ToolMessage, messages: list[Message]) -> str:
    """The function a tool message answers: its ``name``, else the call its id names."""
    if message.name:
        return message.name
    for earlier in messages:
        if isinstance(earlier, AssistantMessage):
            for call in earlier.tool_calls or []:
                if call.id == message.tool_call_id:
                    return call.function.name
    return message.tool_call_id or "tool"


def strip_markers(text: str) -> str:
    """The user's text without the emulator's markers and their arguments."""
    out, pos = [], 0
    for match in _ANY_MARKER.finditer(text):
        if match.start() < pos:
            continue
        out.append(text[pos : match.start()])
        pos = match.end()
        if match.group(0).startswith(("emulator:call", "emulator:tool")):
            pos = _arguments_end(text, pos)
    out.append(text[pos:])
    return " ".join("".join(out).split())


def _arguments_end(text: str, pos: int) -> int:
    if pos < len(text) and text[pos] == "{":
        try:
            _, end = json.JSONDecoder().raw_decode(text, pos)
            return end
        except json.JSONDecodeError:
            nxt = _MARKER.search(text, pos)
            return nxt.start() if nxt else len(text)
    return pos


def _markers(text: str) -> list[tuple[str, str]]:
    """``(name, arguments)`` for each ``emulator:call`` in the text, in order."""
    found = []
    for match in _CALL.finditer(text):
        start = match.end()
        end = _arguments_end(text, start)
        raw = text[start:end].strip()
        if not raw:
            arguments = "{}"
        else:
            try:
                arguments = json.dumps(json.loads(raw))
            except json.JSONDecodeError:
                arguments = raw  # sent as written: a model's broken JSON
        found.append((match.group(1), arguments))
    return found


def _sample_arguments(function: FunctionTool, given: str) -> str:
    try:
        parsed = json.loads(given) if given else None
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict):
        return json.dumps(parsed)
    properties = function.function.parameters.get("properties", {})
    arguments = {
        key: _SAMPLES.get(
            str(spec.get("type")) if isinstance(spec, dict) else "", given or "emulator"
        )
        for key, spec in properties.items()
    }
    return json.dumps(arguments)


def _call_id(turn: int, index: int, name: str, arguments: str) -> str:
    digest = hashlib.sha256(f"{turn}:{index}:{name}:{arguments}".encode()).hexdigest()
    return digest[:9]


def _rounds_done(messages: list[Message]) -> int:
    """Assistant tool-call messages since the last user message."""
    done = 0
    for message in reversed(messages):
        if isinstance(message, UserMessage):
            break
        if isinstance(message, AssistantMessage) and message.tool_calls:
            done += 1
    return done


def plan_calls(
    tools: list[Any] | None,
    tool_choice: Any,
    parallel: bool,
    messages: list[Message],
    said: str,
) -> list[ToolCallReply]:
    """The tool calls the model answers with (none: it answers with text)."""
    functions = [t for t in tools or [] if isinstance(t, FunctionTool)]
    if not tools or tool_choice == "none" or not messages:
        return []
    user_turn = isinstance(messages[-1], UserMessage)
    done = _rounds_done(messages)
    wanted: list[tuple[str, str]] = _markers(said)
    rounds = int(m.group(1)) if (m := _ROUNDS.search(said)) else 1
    if wanted and not user_turn and done >= rounds:
        wanted = []
    if not wanted and user_turn and functions:
        forced = _forced(functions, tool_choice)
        if said.startswith("emulator:tool"):
            first = functions[0]
            rest = said.removeprefix("emulator:tool").strip()
            wanted = [(first.function.name, _sample_arguments(first, rest))]
        elif forced is not None:
            wanted = [(forced.function.name, _sample_arguments(forced, ""))]
    if not parallel:
        wanted = wanted[:1]
    return [
        ToolCallReply(_call_id(done, i, name, args), name, args)
        for i, (name, args) in enumerate(wanted)
    ]


def _forced(functions: list[FunctionTool], tool_choice: Any) -> FunctionTool | None:
    if isinstance(tool_choice, ToolChoice):
        named = tool_choice.function.name
        match = next((f for f in functions if f.function.name == named), None)
        if match is None:
            raise invalid_request(f"Tool choice names {named}, which is not among the tools.")
        return match
    return functions[0] if tool_choice in ("any", "required") else None
