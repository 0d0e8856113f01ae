"""``--functions FILE.py``: schemas from type hints, loading errors, calls that go wrong."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest

from mistral_chat.services.tools import Toolbox, ToolSetupError, load_functions

TOOLS = '''
from typing import Any, Literal, Optional
import json as _json
from os.path import join  # imported: not a tool

__doc__ = "Tools for the tests."


def add(a: int, b: int = 0) -> int:
    """Add two numbers.

    More words that are not the description.

    Args:
        a: the first number
        b: the second number,
            on two lines
    """
    return a + b


def describe(
    name: str,
    ratio: float,
    flags: list[bool],
    tags: dict[str, int],
    mode: Literal["fast", "slow"] = "fast",
    level: Optional[int] = None,
    note: str | None = None,
    maybe: int | None = 3,
    anything: Any = None,
    raw=None,
    pair: tuple[int, ...] = (),
) -> dict:
    """Describe things.

    :param name: who
    """
    return {"name": name, "ratio": ratio, "flags": flags, "tags": tags, "mode": mode}


async def later(text: str) -> str:
    """An async tool."""
    return text.upper()


def boom(reason: str = "it broke") -> None:
    """Raise."""
    raise ValueError(reason)


def sleepy(seconds: float = 3600) -> str:
    """Sleep."""
    import time

    time.sleep(seconds)
    return "awake"


def flood(megabytes: int = 10) -> str:
    """A lot of text."""
    return "z" * (megabytes * 1024 * 1024)


def quitter() -> None:
    """Calls sys.exit."""
    raise SystemExit(3)


def _private() -> None:
    """Not a tool."""
'''


@pytest.fixture
def tools_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_tools.py"
    path.write_text(TOOLS)
    return path


def test_public_functions_become_tools_in_file_order(tools_file: Path) -> None:
    source = load_functions(tools_file)
    assert source.name == "my_tools"
    assert [t.name for t in source.tools()] == [
        "add",
        "describe",
        "later",
        "boom",
        "sleepy",
        "flood",
        "quitter",
    ]


def test_parameters_become_json_schema(tools_file: Path) -> None:
    add, describe = load_functions(tools_file).tools()[:2]
    assert add.description == "Add two numbers."
    assert add.parameters == {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "description": "the first number"},
            "b": {
                "type": "integer",
                "description": "the second number, on two lines",
                "default": 0,
            },
        },
        "required": ["a"],
    }
    properties = describe.parameters["properties"]
    assert properties == {
        "name": {"type": "string", "description": "who"},
        "ratio": {"type": "number"},
        "flags": {"type": "array", "items": {"type": "boolean"}},
        "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
        "mode": {"type": "string", "enum": ["fast", "slow"], "default": "fast"},
        "level": {"type": "integer"},
        "note": {"type": "string"},
        "maybe": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": 3},
        "anything": {},
        "raw": {},
        "pair": {"type": "array", "items": {"type": "integer"}, "default": []},
    }
    assert describe.parameters["required"] == ["name", "ratio", "flags", "tags"]
    for tool in load_functions(tools_file).tools():
        jsonschema.Draft202012Validator.check_schema(tool.parameters)


def test_calls_run_with_the_models_arguments(tools_file: Path) -> None:
    toolbox = Toolbox([load_functions(tools_file)])
    assert toolbox.call("add", '{"a": 2, "b": 40}', 5).text == "42"
    described = toolbox.call(
        "describe", json.dumps({"name": "n", "ratio": 1, "flags": [], "tags": {}}), 5
    )
    assert json.loads(described.text)["mode"] == "fast"
    assert toolbox.call("later", '{"text": "quiet"}', 5).text == "QUIET"


def test_bad_arguments_are_the_models_error(tools_file: Path) -> None:
    toolbox = Toolbox([load_functions(tools_file)])
    missing = toolbox.call("add", "{}", 5)
    assert missing.is_error and missing.text == "error: add() missing a required argument: 'a'"
    extra = toolbox.call("add", '{"a": 1, "c": 2}', 5)
    assert extra.is_error and "unexpected keyword argument 'c'" in extra.text


def test_a_tool_that_raises_is_reported(tools_file: Path) -> None:
    toolbox = Toolbox([load_functions(tools_file)])
    result = toolbox.call("boom", '{"reason": "no disk"}', 5)
    assert result.is_error and result.text == "error: boom() raised ValueError: no disk"
    quit_result = toolbox.call("quitter", "{}", 5)
    assert quit_result.is_error and "SystemExit" in quit_result.text


def test_a_tool_that_hangs_past_its_timeout_is_reported(tools_file: Path) -> None:
    result = Toolbox([load_functions(tools_file)]).call("sleepy", "{}", 0.2)
    assert result.is_error
    assert result.text.startswith("error: sleepy() did not finish within 0.2 s")


def test_ten_megabytes_are_cut(tools_file: Path) -> None:
    result = Toolbox([load_functions(tools_file)]).call("flood", '{"megabytes": 10}', 30)
    assert result.truncated and not result.is_error
    assert len(result.text) < 50_200 and "the tool returned 10,485,760 characters" in result.text


def write(tmp_path: Path, text: str, name: str = "t.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(x: complex) -> None: ...\n", "parameter 'x' of f() has the type complex"),
        ("def f(*args: int) -> None: ...\n", "f() takes *args; a tool needs named parameters"),
        ("def f(**kw: int) -> None: ...\n", "f() takes **kw"),
        ("def f(x: int, /) -> None: ...\n", "f() has positional-only parameters"),
        ("def f(x: 'Nope') -> None: ...\n", "the annotations of f() cannot be read"),
        ("import json\n_x = 1\n", "defines no public function"),
        ("def f(:\n", "failed to load (line 1): SyntaxError"),
        ("raise RuntimeError('no config')\n", "failed to load: RuntimeError: no config"),
        ("__all__ = ['f', 'x']\nx = 1\ndef f() -> None: ...\n", "__all__ names x, not functions"),
    ],
)
def test_files_that_cannot_be_tools_are_refused(tmp_path: Path, source: str, message: str) -> None:
    with pytest.raises(ToolSetupError, match=None) as caught:
        load_functions(write(tmp_path, source))
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_all_picks_the_tools(tmp_path: Path) -> None:
    path = write(tmp_path, "__all__ = ['b']\ndef a() -> None: ...\ndef b() -> int:\n    return 1\n")
    assert [t.name for t in load_functions(path).tools()] == ["b"]


def test_missing_or_not_python(tmp_path: Path) -> None:
    with pytest.raises(ToolSetupError, match="not found"):
        load_functions(tmp_path / "nope.py")
    with pytest.raises(ToolSetupError, match=r"not a \.py file"):
        load_functions(write(tmp_path, "x", name="t.txt"))


def test_results_that_are_not_text_are_json(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        import datetime
        def when() -> dict:
            return {"at": datetime.date(2026, 1, 2), "n": None}
        def nothing() -> None:
            return None
        """,
    )
    toolbox = Toolbox([load_functions(path)])
    assert toolbox.call("when", "{}", 5).text == '{"at": "2026-01-02", "n": null}'
    assert toolbox.call("nothing", "{}", 5).text == "null"
