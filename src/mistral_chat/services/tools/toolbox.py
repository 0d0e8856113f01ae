"""The tools offered to a model, gathered from sources (MCP servers, a functions file).

    >>> from mistral_chat.services.tools import Toolbox, load_functions
    >>> with Toolbox([load_functions(Path("tools.py"))]) as toolbox:   # doctest: +SKIP
    ...     body["tools"] = toolbox.specs()
    ...     result = toolbox.call("add", '{"a": 1, "b": 2}', timeout=30)
    ...     result.text, result.is_error
    ('3', False)

A source knows its tools and runs them; the toolbox names them for the API and keeps every
failure of a tool inside a :class:`ToolResult` the model can read: a tool that was not offered,
arguments that are not a JSON object, a tool that raises or outlives its timeout. A result
longer than ``max_result_chars`` is cut, with a note saying so. Only a source that stops
working altogether (an MCP server that crashed) raises, :class:`.errors.McpServerError`.

Names: a tool keeps its own name when it is valid for the API (``^[a-zA-Z0-9_-]{1,64}$``; other
characters become ``_``, long names are cut) and unique. Names found in two sources are prefixed
with the source's name, ``time__get_current_time``; a name still taken gets ``_2``, ``_3``...
Names are worked out again whenever a source is added or dropped.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "DEFAULT_MAX_RESULT_CHARS",
    "OfferedTool",
    "ToolDefinition",
    "ToolResult",
    "ToolSource",
    "Toolbox",
    "api_name",
]

#: about 12k tokens: room for several results in a small model's context
DEFAULT_MAX_RESULT_CHARS = 50_000
_INVALID = re.compile(r"[^a-zA-Z0-9_-]")
_MAX_NAME = 64
_MAX_PREFIX = 20


@dataclass(frozen=True)
class ToolDefinition:
    """A tool as its source describes it: ``parameters`` is a JSON Schema object."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """What a call gave: the text for the model, whether it is an error, whether it was cut."""

    text: str
    is_error: bool = False
    truncated: bool = False


class ToolSource(Protocol):
    """Something that offers tools: an MCP server, a functions file."""

    @property
    def name(self) -> str:
        """A short name, used to prefix its tools' names when they clash with another's."""
        ...

    def tools(self) -> Sequence[ToolDefinition]: ...

    def call(self, name: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        """Run a tool (by its own name); a failure of the tool is a result with is_error."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class OfferedTool:
    """A tool as offered to the model: its API name, its source, and its own definition."""

    name: str
    source: ToolSource = field(repr=False)
    definition: ToolDefinition

    @property
    def source_name(self) -> str:
        return self.source.name

    def spec(self) -> dict[str, Any]:
        """The API's ``FunctionTool``."""
        function = {
            "name": self.name,
            "description": self.definition.description,
            "parameters": self.definition.parameters,
        }
        return {"type": "function", "function": function}


def api_name(name: str, limit: int = _MAX_NAME) -> str:
    """``name`` made valid for the API: other characters become ``_``, cut to ``limit``."""
    return _INVALID.sub("_", name)[:limit] or "tool"


class Toolbox:
    """Tools from several sources, named for the API; a context manager that closes them."""

    def __init__(
        self,
        sources: Iterable[ToolSource] = (),
        *,
        max_result_chars: int = DEFAULT_MAX_RESULT_CHARS,
    ) -> None:
        self.max_result_chars = max_result_chars
        self._sources: list[ToolSource] = []
        self._offered: dict[str, OfferedTool] = {}
        for source in sources:
            self.add(source)

    @property
    def sources(self) -> list[ToolSource]:
        return list(self._sources)

    def add(self, source: ToolSource) -> None:
        """Offer a source's tools too (names of all tools are worked out again)."""
        self._sources.append(source)
        self._rename()

    def drop(self, source_name: str) -> ToolSource | None:
        """Stop offering a source's tools and close it; the source, or None if unknown."""
        source = next((s for s in self._sources if s.name == source_name), None)
        if source is not None:
            self._sources.remove(source)
            self._rename()
            source.close()
        return source

    def _rename(self) -> None:
        listed = [(source, list(source.tools())) for source in self._sources]
        sources_per_name: Counter[str] = Counter()
        for _, definitions in listed:
            sources_per_name.update({api_name(d.name) for d in definitions})
        pairs = [(source, d) for source, definitions in listed for d in definitions]
        offered: dict[str, OfferedTool] = {}
        for source, definition in pairs:
            name = api_name(definition.name)
            if sources_per_name[name] > 1:
                prefix = api_name(source.name, _MAX_PREFIX)
                name = f"{prefix}__{api_name(definition.name, _MAX_NAME - len(prefix) - 2)}"
            name = _unique(name, offered)
            offered[name] = OfferedTool(name, source, definition)
        self._offered = offered

    def offered(self) -> list[OfferedTool]:
        """Every tool offered, in the order of their sources."""
        return list(self._offered.values())

    def names(self) -> list[str]:
        return list(self._offered)

    def specs(self) -> list[dict[str, Any]]:
        """The request's ``tools`` list (function tools)."""
        return [tool.spec() for tool in self._offered.values()]

    def call(self, name: str, arguments_json: str | dict[str, Any], timeout: float) -> ToolResult:
        """Run the tool the model called ``name`` with the arguments it sent (JSON text, or
        an object as some servers send them). Never raises for a tool's own failure."""
        tool = self._offered.get(name)
        if tool is None:
            offered = ", ".join(self._offered) or "none"
            return ToolResult(
                f"error: no tool named {name!r} was offered (offered: {offered})", is_error=True
            )
        arguments = _arguments(arguments_json)
        if isinstance(arguments, str):
            return ToolResult(f"error: {arguments}", is_error=True)
        result = tool.source.call(tool.definition.name, arguments, timeout)
        return self._capped(result)

    def _capped(self, result: ToolResult) -> ToolResult:
        text, limit = result.text, self.max_result_chars
        if len(text) <= limit:
            return result
        note = (
            f"\n\n[truncated: the tool returned {len(text):,} characters; "
            f"only the first {limit:,} are kept]"
        )
        return ToolResult(text[:limit] + note, result.is_error, truncated=True)

    def close(self) -> None:
        """Close every source (stops MCP servers); the toolbox is empty afterwards."""
        sources, self._sources, self._offered = self._sources, [], {}
        for source in reversed(sources):
            source.close()

    def __enter__(self) -> Toolbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _unique(name: str, taken: dict[str, OfferedTool]) -> str:
    if name not in taken:
        return name
    n = 2
    while (candidate := f"{name[: _MAX_NAME - len(str(n)) - 1]}_{n}") in taken:
        n += 1
    return candidate


def _arguments(given: str | dict[str, Any]) -> dict[str, Any] | str:
    """The arguments as an object, or why they cannot be used."""
    if isinstance(given, dict):
        return given
    if not given.strip():
        return {}  # some models send "" for a tool without parameters
    try:
        parsed = json.loads(given)
    except json.JSONDecodeError as exc:
        return f"the arguments are not valid JSON ({exc.msg} at character {exc.pos})"
    if not isinstance(parsed, dict):
        return f"the arguments must be a JSON object, not {type(parsed).__name__}"
    return parsed
