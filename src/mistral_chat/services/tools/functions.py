"""``--functions FILE.py``: each top-level public function of a Python file is a tool.

    # tools.py
    def add(a: int, b: int = 0) -> int:
        \"\"\"Add two numbers.

        Args:
            a: the first number
            b: the second number
        \"\"\"
        return a + b

becomes ``add`` with the description ``Add two numbers.`` and the parameters
``{"type": "object", "properties": {"a": {"type": "integer", "description": "the first
number"}, "b": {"type": "integer", "description": "the second number", "default": 0}},
"required": ["a"]}``.

A public function is one defined in the file (not imported) whose name does not start with
``_``; ``__all__``, when the file has one, names them instead. Annotations map to JSON Schema:
``str``, ``int``, ``float``, ``bool``, ``list[X]`` (and ``tuple``, ``set``), ``dict[str, X]``,
``Literal[...]``, ``X | None`` / ``Optional[X]`` (not required when its default is ``None``,
nullable otherwise), ``Any`` or no annotation (any JSON value). Another type is refused when
the file is loaded, naming the function and the parameter. ``async def`` functions are run in
an event loop of their own.

The file is run as Python when loaded: load only files you trust, as you would run them. Each
call runs in a thread of its own; one still running at its timeout is reported to the model
as an error and left to finish in the background (Python cannot stop a thread).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import sys
import threading
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from .errors import ToolSetupError
from .toolbox import ToolDefinition, ToolResult

__all__ = ["FunctionSource", "load_functions", "parameters_schema"]

_SIMPLE: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}
_ARRAYS = (list, tuple, set, frozenset)
_ARGS_SECTION = re.compile(r"^\s*(Args|Arguments|Parameters)\s*:\s*$")
_ARG_LINE = re.compile(r"^\s*\*{0,2}(\w+)\s*(\([^)]*\))?\s*:\s*(.*)$")


class _Unsupported(Exception):
    """An annotation that cannot be described as JSON Schema."""


def _schema(annotation: Any) -> dict[str, Any]:
    if annotation is inspect.Parameter.empty or annotation is Any:
        return {}
    if annotation in _SIMPLE:
        return {"type": _SIMPLE[annotation]}
    if annotation is type(None):
        return {"type": "null"}
    origin, args = get_origin(annotation), get_args(annotation)
    if annotation in _ARRAYS or origin in _ARRAYS:
        schema: dict[str, Any] = {"type": "array"}
        items = [a for a in args if a is not Ellipsis]
        if len(set(items)) == 1:  # list[X], tuple[X, ...]: one kind of item
            schema["items"] = _schema(items[0])
        return schema
    if annotation is dict or origin is dict:
        schema = {"type": "object"}
        if len(args) == 2 and args[1] is not Any:
            schema["additionalProperties"] = _schema(args[1])
        return schema
    if origin is Literal:
        kinds = {_SIMPLE.get(type(a)) for a in args}
        schema = {"enum": list(args)}
        if len(kinds) == 1 and None not in kinds:
            schema = {"type": kinds.pop(), **schema}
        return schema
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        described = [_schema(a) for a in members]
        if len(members) < len(args):
            described.append({"type": "null"})
        return described[0] if len(described) == 1 else {"anyOf": described}
    raise _Unsupported(getattr(annotation, "__name__", None) or str(annotation))


def _without_none(annotation: Any) -> Any:
    """``X`` for ``X | None`` (and ``Optional[X]``), else the annotation itself."""
    if get_origin(annotation) in (Union, types.UnionType):
        members = [a for a in get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
        if len(members) < len(get_args(annotation)):
            return Union[tuple(members)]  # noqa: UP007 - built at run time from a tuple
    return annotation


def _argument_notes(doc: str) -> dict[str, str]:
    """``name: text`` lines of a docstring's ``Args:`` section (Google style) or ``:param``."""
    notes: dict[str, str] = {}
    in_args = False
    for line in doc.splitlines():
        if _ARGS_SECTION.match(line):
            in_args = True
            continue
        if m := re.match(r"^\s*:param\s+(?:\w+\s+)?(\w+)\s*:\s*(.*)$", line):
            notes[m.group(1)] = m.group(2).strip()
            continue
        if in_args:
            if not line.strip():
                continue
            if m := _ARG_LINE.match(line):
                notes[m.group(1)] = m.group(3).strip()
            elif line.startswith((" ", "\t")) and notes:
                last = list(notes)[-1]
                notes[last] = f"{notes[last]} {line.strip()}".strip()
            else:
                in_args = False
    return notes


def _description(doc: str) -> str:
    """The docstring's first paragraph, on one line."""
    paragraph = doc.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())


def parameters_schema(function: Callable[..., Any]) -> dict[str, Any]:
    """The JSON Schema of a function's parameters; ValueError names one it cannot describe."""
    name = function.__name__
    try:
        hints = typing.get_type_hints(function)
    except (NameError, TypeError) as exc:
        raise ValueError(f"the annotations of {name}() cannot be read ({exc})") from None
    notes = _argument_notes(inspect.getdoc(function) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in inspect.signature(function).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            star = "*" if param.kind is param.VAR_POSITIONAL else "**"
            raise ValueError(f"{name}() takes {star}{param.name}; a tool needs named parameters")
        if param.kind is param.POSITIONAL_ONLY:
            raise ValueError(f"{name}() has positional-only parameters; a tool passes them by name")
        annotation = hints.get(param.name, inspect.Parameter.empty)
        if param.default is None:
            annotation = _without_none(annotation)  # optional: left out rather than null
        try:
            schema = _schema(annotation)
        except _Unsupported as exc:
            raise ValueError(
                f"parameter {param.name!r} of {name}() has the type {exc}, which a model cannot "
                "send; use str, int, float, bool, list, dict, Literal or Optional"
            ) from None
        if param.name in notes:
            schema["description"] = notes[param.name]
        if param.default is param.empty:
            required.append(param.name)
        elif _is_json(param.default):
            schema["default"] = json.loads(json.dumps(param.default))  # a tuple becomes a list
        properties[param.name] = schema
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = required
    return out


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return value is not None


class FunctionSource:
    """The public functions of one Python file, as tools (see the module docstring)."""

    def __init__(self, name: str, functions: dict[str, Callable[..., Any]]) -> None:
        self._name = name
        self._functions = functions
        self._definitions = [
            ToolDefinition(fn_name, _description(inspect.getdoc(fn) or ""), parameters_schema(fn))
            for fn_name, fn in functions.items()
        ]

    @property
    def name(self) -> str:
        return self._name

    def tools(self) -> list[ToolDefinition]:
        return list(self._definitions)

    def call(self, name: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        function = self._functions.get(name)
        if function is None:
            return ToolResult(f"error: {self._name} has no function {name!r}", is_error=True)
        try:
            inspect.signature(function).bind(**arguments)
        except TypeError as exc:
            return ToolResult(f"error: {name}() {_bind_problem(exc)}", is_error=True)
        outcome: list[tuple[bool, Any]] = []

        def run() -> None:
            try:
                value = function(**arguments)
                if inspect.isawaitable(value):
                    import asyncio

                    value = asyncio.run(_awaited(value))
                outcome.append((True, value))
            except BaseException as exc:  # noqa: BLE001 - the user's code may raise anything; the model is told
                outcome.append((False, exc))

        # a daemon: a function that never returns must not keep the process alive
        worker = threading.Thread(target=run, name=f"tool-{name}", daemon=True)
        worker.start()
        worker.join(timeout)
        if not outcome:
            return ToolResult(
                f"error: {name}() did not finish within {timeout:g} s "
                "(it goes on in the background; its result will be ignored)",
                is_error=True,
            )
        ok, value = outcome[0]
        if not ok:
            return ToolResult(
                f"error: {name}() raised {type(value).__name__}: {value}", is_error=True
            )
        return ToolResult(value if isinstance(value, str) else _json(value))

    def close(self) -> None:
        """Nothing to stop: the file's module stays loaded."""


async def _awaited(value: Any) -> Any:
    return await value


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def _bind_problem(exc: TypeError) -> str:
    """Python's binding message without its own name for the function."""
    text = str(exc)
    return text.split("() ", 1)[1] if "() " in text else text


def load_functions(path: Path) -> FunctionSource:
    """Load a Python file's public functions as tools; ToolSetupError says what is wrong."""
    if not path.is_file():
        raise ToolSetupError(f"functions file {path} not found; give the path of a .py file")
    if path.suffix != ".py":
        raise ToolSetupError(f"functions file {path} is not a .py file")
    module_name = f"mistral_chat_functions_{re.sub(r'[^a-zA-Z0-9_]', '_', path.stem)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ToolSetupError(f"functions file {path} cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and typing look their module up here
    try:
        spec.loader.exec_module(module)
    except BaseException as exc:
        sys.modules.pop(module_name, None)
        if isinstance(exc, KeyboardInterrupt):
            raise
        where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) else ""
        raise ToolSetupError(
            f"functions file {path} failed to load{where}: {type(exc).__name__}: {exc}"
        ) from None
    functions = _public_functions(module, path)
    try:
        return FunctionSource(path.stem, functions)
    except ValueError as exc:
        raise ToolSetupError(f"functions file {path}: {exc}") from None


def _public_functions(module: types.ModuleType, path: Path) -> dict[str, Callable[..., Any]]:
    exported = getattr(module, "__all__", None)
    if exported is not None:
        found = {n: getattr(module, n, None) for n in exported}
        bad = [n for n, f in found.items() if not inspect.isfunction(f)]
        if bad:
            raise ToolSetupError(
                f"functions file {path}: __all__ names {', '.join(bad)}, not functions"
            )
        return {n: f for n, f in found.items() if f is not None}
    functions = [
        f
        for n, f in vars(module).items()
        if inspect.isfunction(f) and not n.startswith("_") and f.__module__ == module.__name__
    ]
    if not functions:
        raise ToolSetupError(
            f"functions file {path} defines no public function "
            "(a def whose name does not start with _)"
        )
    functions.sort(key=lambda f: f.__code__.co_firstlineno)
    return {f.__name__: f for f in functions}
