"""The `theme` setting: code blocks and markdown coloured for a dark or a light background."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from mistral_chat.render.console import background

SOURCE = "Text with `code` and a list:\n\n- one\n\n```python\ndef f(x):\n    return x\n```\n"
MONOKAI_BACKGROUND = "48;2;39;40;34"  # #272822
FRIENDLY_BACKGROUND = "48;2;240;240;240"  # #f0f0f0


_PAINT = """
import io, sys
from mistral_chat.render.console import Terminal
from mistral_chat.render.markdown import StreamingMarkdown, render_markdown
theme, streamed, source = sys.argv[1], sys.argv[2] == "1", sys.stdin.read()
term = Terminal(io.StringIO(), io.StringIO(), stdout_isatty=True, color=True, width=60, theme=theme)
if streamed:
    with StreamingMarkdown(term, refresh_per_second=None) as md:
        for line in source.splitlines(keepends=True):
            md.feed(line)
else:
    render_markdown(term, source)
sys.stdout.write(term.stdout.getvalue())
"""


def painted(theme: str, *, streamed: bool = False) -> str:
    """What a terminal gets, drawn in a fresh process: rich keeps the colours a style was
    first drawn with, so a test process that drew for a 16-colour terminal would blur it."""
    done = subprocess.run(
        [sys.executable, "-c", _PAINT, theme, "1" if streamed else "0"],
        input=SOURCE, capture_output=True, text=True, check=True, timeout=60,
        env={**os.environ, "COLORTERM": "truecolor"},
    )  # fmt: skip
    return done.stdout


@pytest.fixture(autouse=True)
def truecolor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("COLORFGBG", raising=False)


@pytest.mark.parametrize("streamed", [False, True])
def test_code_blocks_paint_a_background_for_the_theme(streamed: bool) -> None:
    dark, light = painted("dark", streamed=streamed), painted("light", streamed=streamed)
    assert MONOKAI_BACKGROUND in dark and FRIENDLY_BACKGROUND not in dark
    assert FRIENDLY_BACKGROUND in light and MONOKAI_BACKGROUND not in light
    # inline code and list markers: cyan (readable on black only) on dark, blue on light
    assert "\x1b[1;36;40mcode" in dark and "\x1b[1;36;40mcode" not in light


def test_auto_follows_the_terminal_background(monkeypatch: pytest.MonkeyPatch) -> None:
    assert background("auto", {"COLORFGBG": "0;15"}) == "light"
    assert background("auto", {"COLORFGBG": "15;default;0"}) == "dark"
    assert background("auto", {}) == "dark"  # monokai paints its own dark background
    assert background("light", {"COLORFGBG": "15;0"}) == "light"  # asked for: kept
    monkeypatch.setenv("COLORFGBG", "0;15")
    assert FRIENDLY_BACKGROUND in painted("auto")
