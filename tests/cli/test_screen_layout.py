"""What a person sees in a real terminal (tmux) of a given width: prompts, tables, wrapping."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

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
