"""The Toolbox without real servers: names, clashes, refusals, caps, closing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import pytest

from mistral_chat.services.tools import Toolbox, ToolDefinition, ToolResult

API_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


class FakeSource:
    def __init__(self, name: str, *tool_names: str, answer: str = "ok") -> None:
        self._name = name
        self.tool_names = tool_names
        self.answer = answer
        self.calls: list[tuple[str, dict[str, Any], float]] = []
        self.closed = False

    @property
    def name(self) -> str:
        return self._name

    def tools(self) -> Sequence[ToolDefinition]:
        return [ToolDefinition(n, f"the {n} tool", {"type": "object"}) for n in self.tool_names]

    def call(self, name: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        self.calls.append((name, arguments, timeout))
        return ToolResult(self.answer)

    def close(self) -> None:
        self.closed = True


def test_specs_are_the_apis_function_tools() -> None:
    toolbox = Toolbox([FakeSource("a", "search", "fetch")])
    assert toolbox.specs() == [
        {
            "type": "function",
            "function": {
                "name": "search",
                "description": "the search tool",
                "parameters": {"type": "object"},
            },
        },
        {
            "type": "function",
            "function": {
                "name": "fetch",
                "description": "the fetch tool",
                "parameters": {"type": "object"},
            },
        },
    ]


def test_clashing_names_are_prefixed_with_their_source() -> None:
    time_a, time_b = FakeSource("time", "now", "convert"), FakeSource("clock", "now")
    toolbox = Toolbox([time_a, time_b])
    assert toolbox.names() == ["time__now", "convert", "clock__now"]
    toolbox.call("clock__now", "{}", 5)
    assert time_b.calls == [("now", {}, 5)] and time_a.calls == []
    # dropping one source gives the other its plain name back
    toolbox.drop("clock")
    assert toolbox.names() == ["now", "convert"] and time_b.closed


def test_names_are_made_valid_for_the_api() -> None:
    long_source = FakeSource("a server with a very long name indeed", "x" * 80, "files.read", "ünï")
    toolbox = Toolbox([long_source, FakeSource("other", "x" * 80)])
    names = toolbox.names()
    assert all(API_NAME.fullmatch(n) for n in names), names
    assert names[1:3] == ["files_read", "_n_"]
    assert len(set(names)) == 4
    toolbox.call(names[1], "{}", 1)
    assert long_source.calls[0][0] == "files.read"  # called by its own name


def test_same_source_name_twice_still_gives_unique_names() -> None:
    toolbox = Toolbox([FakeSource("srv", "go"), FakeSource("srv", "go")])
    assert toolbox.names() == ["srv__go", "srv__go_2"]


def test_a_tool_that_was_not_offered_is_refused() -> None:
    source = FakeSource("a", "search")
    result = Toolbox([source]).call("rm_rf", "{}", 5)
    assert (
        result.is_error
        and result.text == "error: no tool named 'rm_rf' was offered (offered: search)"
    )
    assert source.calls == []


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ('{"q": ', "the arguments are not valid JSON (Expecting value at character 6)"),
        ("[1, 2]", "the arguments must be a JSON object, not list"),
        ('"text"', "the arguments must be a JSON object, not str"),
    ],
)
def test_arguments_that_are_not_an_object_are_refused(arguments: str, problem: str) -> None:
    source = FakeSource("a", "search")
    result = Toolbox([source]).call("search", arguments, 5)
    assert result == ToolResult(f"error: {problem}", is_error=True)
    assert source.calls == []


def test_empty_arguments_and_objects_are_accepted() -> None:
    source = FakeSource("a", "search")
    toolbox = Toolbox([source])
    toolbox.call("search", "", 5)
    toolbox.call("search", {"q": "x"}, 5)
    assert [c[1] for c in source.calls] == [{}, {"q": "x"}]


def test_a_long_result_is_cut_with_a_note() -> None:
    toolbox = Toolbox([FakeSource("a", "flood", answer="y" * 10_000_000)], max_result_chars=1000)
    result = toolbox.call("flood", "{}", 5)
    assert result.truncated and not result.is_error
    assert result.text.startswith(
        "y" * 1000 + "\n\n[truncated: the tool returned 10,000,000 characters"
    )
    assert result.text.endswith("only the first 1,000 are kept]")
    short = Toolbox([FakeSource("a", "t", answer="fine")], max_result_chars=4).call("t", "{}", 5)
    assert short == ToolResult("fine")


def test_closing_closes_every_source() -> None:
    sources = [FakeSource("a", "x"), FakeSource("b", "y")]
    with Toolbox(sources) as toolbox:
        assert toolbox.names() == ["x", "y"]
    assert all(s.closed for s in sources) and toolbox.names() == []
