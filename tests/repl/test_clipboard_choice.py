"""How /copy picks its way to the clipboard, and how the editor is found."""

from __future__ import annotations

import doctest
import sys

import pytest

from mistral_chat.repl import clipboard
from mistral_chat.repl.clipboard import ClipboardError, choose, copy, osc52
from mistral_chat.repl.editor import EditorError, editor_command

XCLIP = ["/usr/bin/xclip", "-selection", "clipboard", "-in"]


def tools(*names: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in names else None


def test_doctests() -> None:
    assert doctest.testmod(clipboard).failed == 0


def test_osc52_carries_the_text_in_base64() -> None:
    assert osc52("é\n") == "\x1b]52;c;w6kK\x07"


@pytest.mark.parametrize(
    ("env", "found", "expected"),
    [
        ({"SSH_TTY": "/dev/pts/1", "DISPLAY": ":0"}, ("xclip",), (None, True)),  # over SSH
        ({"TERM": "xterm-kitty", "DISPLAY": ":0"}, ("xclip",), (None, True)),
        ({"TERM_PROGRAM": "WezTerm"}, (), (None, True)),
        ({"WT_SESSION": "1"}, ("clip.exe",), (None, True)),
        ({"TERM": "xterm-256color", "DISPLAY": ":0"}, ("xclip", "xsel"), (XCLIP, True)),
        ({"TERM": "xterm", "WAYLAND_DISPLAY": "w"}, ("wl-copy",), (["/usr/bin/wl-copy"], True)),
        ({"TERM": "xterm"}, ("pbcopy",), (["/usr/bin/pbcopy"], True)),
        ({"TERM": "xterm"}, (), (None, False)),  # nothing known: try OSC 52 and say so
    ],
)
def test_auto(env: dict[str, str], found: tuple[str, ...], expected: tuple[object, bool]) -> None:
    assert choose("auto", terminal=True, environ=env, which=tools(*found)) == expected


def test_forced_ways_and_no_way() -> None:
    env = {"TERM": "xterm-kitty", "DISPLAY": ":0"}
    assert choose("system", terminal=True, environ=env, which=tools("xclip")) == (XCLIP, True)
    assert choose("osc52", terminal=True, environ={}, which=tools("xclip")) == (None, True)
    with pytest.raises(ClipboardError, match="needs a terminal"):
        choose("osc52", terminal=False, environ={}, which=tools())
    with pytest.raises(ClipboardError, match="no clipboard tool found"):
        choose("auto", terminal=False, environ=env, which=tools())
    with pytest.raises(ClipboardError, match="no clipboard tool found"):
        choose("auto", terminal=True, environ={"TERM": "dumb"}, which=tools())


def test_copy_through_the_terminal_writes_the_sequence() -> None:
    written: list[str] = []
    done = copy("hi", "osc52", write=written.append, terminal=True, environ={})
    assert written == ["\x1b]52;c;aGk=\x07"] and (done.via, done.sure) == ("OSC 52", True)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX tools")
def test_a_failing_tool_is_an_error() -> None:
    with pytest.raises(ClipboardError, match=r"false failed \(status 1\)"):
        copy(
            "x",
            "system",
            write=print,
            terminal=False,
            environ={},
            which=lambda name: "/bin/false" if name == "pbcopy" else None,  # a tool that fails
        )


def test_the_editor_is_visual_then_editor_then_a_fallback() -> None:
    assert editor_command({"VISUAL": "code --wait", "EDITOR": "vi"}) == ["code", "--wait"]
    assert editor_command({"EDITOR": "'my editor' -n"}) == ["my editor", "-n"]
    assert editor_command({}, which=tools("nano", "vi")) == ["nano"]
    with pytest.raises(EditorError, match="no editor found; set EDITOR"):
        editor_command({"EDITOR": "  "}, which=tools())
