"""Editing in a real terminal: Ctrl-X Ctrl-E and /edit open $EDITOR (a script standing in for
one), /edit N starts a branch that `history show` then shows, and /copy's OSC 52 sequence is
checked on the pseudo-terminal, byte for byte."""

from __future__ import annotations

import base64
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.emulator import Emulator
from pty_support import Spawn, spawner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

CTRL_X_CTRL_E = "\x18\x05"
ALT_ENTER = "\x1b\r"

# appends " (edited)" to whatever it is given, as a person would type it
EDITOR = """\
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read().rstrip("\\n")
open(path, "w", encoding="utf-8").write(text + " (edited)\\n")
"""


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def env(emu: Emulator, tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "editor.py"
    script.write_text(EDITOR, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MISTRAL_", "SSH_"))}
    env.update(
        MISTRAL_CHAT_HOME=str(tmp_path / "home"),
        MISTRAL_BASE_URL=emu.base_url,
        MISTRAL_API_KEY="test",
        TERM="xterm",
        PROMPT_TOOLKIT_NO_CPR="1",
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        EDITOR=f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}",
    )
    env.pop("VISUAL", None)
    return env


@pytest.fixture
def spawn(emu: Emulator, env: dict[str, str], tmp_path: Path) -> Iterator[Spawn]:
    yield from spawner(emu, tmp_path, env)


def test_ctrl_x_ctrl_e_and_edit_open_the_editor(spawn: Spawn) -> None:
    screen = spawn("chat")
    screen.expect("mistral-small-latest>")
    screen.send("a draft")
    screen.send(CTRL_X_CTRL_E)
    screen.expect("(edited)")  # back in the prompt (redrawn in place), not sent yet:
    screen.send(" and more\r")  # typing goes on after it
    screen.expect("You said: a draft (edited) and more")
    screen.expect("Messages: 1 (user 1)")
    screen.expect("mistral-small-latest>")
    screen.line("/edit")  # starts from the last message typed
    screen.expect("You said: a draft (edited) and more (edited)")
    screen.expect("Messages: 3 (user 2, assistant 1)")
    screen.expect("mistral-small-latest>")
    screen.line("/quit")
    assert screen.finish() == 0


def test_edit_n_branches_and_history_shows_the_branches(
    spawn: Spawn, env: dict[str, str], tmp_path: Path
) -> None:
    screen = spawn("chat")
    screen.expect("mistral-small-latest>")
    for text in ("one", "two"):
        screen.line(text)
        screen.expect(f"You said: {text}")
        screen.expect("mistral-small-latest>")
    screen.line("/edit 3")
    screen.expect("You said: two (edited)")
    screen.expect("Messages: 3 (user 2, assistant 1)")
    screen.expect("branch 2 of 2; /branch lists them, /branch N goes back")
    screen.expect("mistral-small-latest>")
    screen.line("/quit")
    assert screen.finish() == 0

    shown = subprocess.run(
        [sys.executable, "-m", "mistral_chat", "history", "show"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "── 3 user" in shown.stdout and "two (edited)" in shown.stdout
    assert "You said: two\n" not in shown.stdout
    assert "branch 2 of 2 (the latest); the others: 1 (the original); " in shown.stderr


def test_copy_sends_osc_52_to_the_terminal(spawn: Spawn) -> None:
    # over SSH the machine's own clipboard is not the user's: `auto` goes through the terminal
    screen = spawn("chat", SSH_TTY="/dev/pts/9", DISPLAY="")
    screen.expect("mistral-small-latest>")
    for part in ("run:", "```sh", "echo hi", "```"):
        screen.send(part + ALT_ENTER)
    screen.send("\r")
    screen.expect("Messages: 1 (user 1)")
    screen.expect("mistral-small-latest>")
    screen.line("/copy 1")
    screen.expect("copied code block 1 (sh, 1 line) to the clipboard through the terminal (OSC 52)")
    assert "\x1b]52;c;" + base64.b64encode(b"echo hi\n").decode() + "\x07" in screen.raw
    screen.line("/copy")
    screen.expect("copied the last answer (")
    sent = screen.raw.rsplit("\x1b]52;c;", 1)[1].split("\x07", 1)[0]
    # the whole answer, markdown as it came (not as it was drawn)
    assert base64.b64decode(sent).decode().startswith("You said: run:\n```sh\necho hi\n```")
    screen.line("/quit")
    assert screen.finish() == 0
