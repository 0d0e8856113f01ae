"""What a person sees in a real terminal (tmux) of a given width: prompts, tables, wrapping."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from cli_support import RunCLI
from mistral_chat.emulator import Emulator
from tmux_terminal import TmuxTerminal

Open = Callable[..., TmuxTerminal]


@pytest.fixture
def open_terminal(emulator: Emulator, mistral_home: Path, tmp_path: Path) -> Open:
    emulator.clear_faults()
    opened: list[TmuxTerminal] = []

    def start(*args: str, width: int = 80, env: dict[str, str] | None = None) -> TmuxTerminal:
        base = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp_path),
            "LANG": "C.UTF-8",
            "TERM": "xterm-256color",
            "MISTRAL_CHAT_HOME": str(mistral_home),
            "MISTRAL_BASE_URL": emulator.base_url,
            "MISTRAL_API_KEY": "test",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            **(env or {}),
        }
        term = TmuxTerminal(tmp_path, base, width=width).__enter__()
        opened.append(term)
        term.run(*args)
        return term

    yield start  # type: ignore[misc]
    for term in opened:
        term.__exit__(None, None, None)


def test_browser_questions_leave_room_to_type(open_terminal: Open) -> None:
    term = open_terminal(width=80)  # no command: the model browser, then the chat
    term.wait_for("models>")
    term.send("f", enter=True)
    term.wait_for("family>")
    typed = "a-family-name-long-enough-to-cross-a-third-of-the-window-x"
    term.send(typed)
    screen = term.wait_for(typed)
    # the question's choices are on lines of their own; what is typed stays on the prompt line
    assert f"family> {typed}" in screen.splitlines()
    assert any(line.startswith("families: ") for line in screen.splitlines())
    term.send("", enter=True)
    term.wait_for("error: no chat models in family")
    term.send("q", enter=True)
    lines = term.wait_for("[exit 0]").splitlines()
    # the error is wider than the window: broken between words, never inside one
    start = next(i for i, line in enumerate(lines) if line.startswith("error: "))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("models>"))
    error = lines[start:end]
    assert len(error) > 1 and all(len(line) < 80 for line in error)
    assert " ".join(error) == (
        f"error: no chat models in family '{typed}'; families: codestral, fine-tuned, "
        "magistral, ministral, mistral-large, mistral-medium, mistral-small, voxtral"
    )


def test_the_line_after_an_answer_breaks_between_words(open_terminal: Open) -> None:
    model = "ft:mistral-small-latest:abc123:20250101:a1b2c3d4"  # a long id: a long line
    term = open_terminal("chat", "-m", model, width=80)
    term.wait_for(f"{model}>")
    term.send("hi", enter=True)
    term.wait_for("first token")
    term.send("/quit", enter=True)
    lines = term.wait_for("[exit 0]").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{model} · "))
    summary = lines[start : start + 2]
    # two lines that read as one once joined at a space: no word was cut
    joined = " ".join(summary)
    assert re.fullmatch(
        rf"{model} · \d+ in, \d+ out · first token \d+\.\d\d s( · \d+ tokens/s)?", joined
    )
    assert all(len(line) < 80 for line in summary)


def test_theme_light_paints_code_blocks_for_a_light_terminal(
    open_terminal: Open, run_cli: RunCLI
) -> None:
    code, _, err = run_cli("config", "set", "theme", "blue")
    assert code == 2 and "invalid value 'blue' for theme: must be one of auto, dark, light" in err
    backgrounds = {}
    for theme in ("dark", "light"):
        assert run_cli("config", "set", "theme", theme)[0] == 0
        term = open_terminal("ask", "emulator:markdown 60", env={"COLORTERM": "truecolor"})
        term.wait_for("[exit 0]")
        backgrounds[theme] = set(re.findall(r"48;2;\d+;\d+;\d+", term.screen(colours=True)))
    assert backgrounds == {"dark": {"48;2;39;40;34"}, "light": {"48;2;240;240;240"}}


@pytest.mark.parametrize("width", [100, 60])
def test_file_ids_never_break_across_lines(
    open_terminal: Open, run_cli: RunCLI, tmp_path: Path, width: int
) -> None:
    name = f"a-rather-long-file-name-for-the-quarterly-report-w{width}.txt"
    (tmp_path / name).write_text("numbers\n")
    code, file_id, _ = run_cli("files", "upload", name)
    file_id = file_id.strip()
    assert code == 0
    term = open_terminal("files", "list", "--search", f"report-w{width}", width=width)
    lines = term.wait_for("[exit 0]").splitlines()
    assert any(file_id in line for line in lines), "\n".join(lines)  # whole, on one line
    assert all(len(line) <= width for line in lines)
    assert "page 1 of 1, 1 file" in lines
    if width == 60:  # too narrow for a table with a whole id: one "column  value" per line
        assert f"id        {file_id}" in lines
    run_cli("files", "delete", file_id, "--yes")


def test_usage_draws_a_bar_per_group_on_a_terminal(open_terminal: Open, run_cli: RunCLI) -> None:
    for question in ("short", "a somewhat longer question, for more tokens"):
        assert run_cli("ask", question)[0] == 0
    term = open_terminal("usage", "--by", "conversation", width=100)
    lines = term.wait_for("[exit 0]").splitlines()
    bars = [line.count("█") for line in lines if "│" in line and "█" in line]
    assert len(bars) == 2 and bars[0] == 20 and 0 < bars[1] < 20  # the biggest: the full bar
    assert any(line.startswith("total: 2 answers, ") for line in lines)
