"""`mistral-chat` in a pseudo-terminal, driven as a person would, against the emulator.

Assertions are on what the screen shows: escape sequences are stripped and runs of whitespace
collapsed (so a line wrapped by the terminal still matches).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_support import cli_env
from mistral_chat.emulator import Emulator
from pty_support import ESCAPES, UP, Spawn, spawner

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def spawn(emu: Emulator, tmp_path: Path) -> Iterator[Spawn]:
    yield from spawner(emu, tmp_path)


def test_browse_chat_image_interrupt_retry_files(spawn: Spawn, tmp_path: Path) -> None:
    screen = spawn()
    # the browser opens first on a bare start
    screen.expect("Chat models: page 1 of ")
    screen.expect("models>")
    screen.line("s")
    screen.expect("sort by: created context_length id name price")
    screen.expect("sort>")
    screen.line("id")
    screen.expect("sorted by id asc")
    screen.line("c vision")
    screen.expect("sorted by id asc, capability vision")
    screen.line("z 3")
    screen.expect("Chat models: page 1 of 3")
    screen.send("\x1b[6~")  # PageDown: the next page at once
    screen.expect("Chat models: page 2 of 3")
    screen.line("mistral-small-latest")
    screen.expect("chatting with mistral-small-2603")
    screen.expect("mistral-small-2603>")

    screen.line("Bonjour")
    screen.expect("You said: Bonjour")
    screen.expect("mistral-small-2603 · ")
    screen.expect(" in, ")
    screen.expect("mistral-small-2603>")

    screen.line("/image test red 64x48")
    screen.expect("attached test-red-64x48.png (image 64x48)")
    screen.expect("mistral-small-2603>")
    assert "attached: [1]" not in screen.text[screen.pos - 200 :]  # not said twice
    screen.line("What colour?")
    screen.expect("Image 1: PNG 64x48, dominant colour red (#ff0000)")
    screen.expect("mistral-small-2603>")

    screen.line("emulator:markdown 2000 delay=30")
    screen.expect("Section 1")
    screen.child.sendintr()
    screen.expect("[interrupted; the partial answer is kept]")
    screen.expect("mistral-small-2603>")

    screen.line("/retry")
    screen.expect("Section 1")
    screen.child.sendintr()
    screen.expect("[interrupted; the partial answer is kept]")
    screen.expect("mistral-small-2603>")

    (tmp_path / "notes.txt").write_text("notes for the file manager\n")
    screen.line("/files")
    screen.expect("files>")
    screen.line("upload notes.txt")
    screen.expect("uploaded notes.txt:")
    screen.line("list")
    screen.expect("notes.txt")
    screen.expect("files>")
    screen.line("back")
    screen.expect("mistral-small-2603>")
    screen.line("/quit")
    screen.expect("bye")
    assert screen.finish() == 0


def test_faults_print_one_line_and_the_session_goes_on(
    spawn: Spawn, emu: Emulator, tmp_path: Path
) -> None:
    screen = spawn("--max-retries", "0", "chat")
    screen.expect("mistral-small-latest>")
    faults = [
        ("status", {"status": 429, "retry_after": 1}, "error: the API rate-limited this key"),
        ("status", {"status": 503}, "failed (503"),
        ("html", {}, "failed (502"),
        ("cut", {"after_chunks": 2}, "partial answer was kept"),
    ]
    for kind, options, message in faults:
        emu.inject(kind, path="/v1/chat", **options)
        screen.line(f"try {kind} {options.get('status', '')}")
        screen.expect(message)
        screen.expect("mistral-small-latest>")
    # a failed turn's text is in the input history, ready to edit
    emu.inject("status", status=503, path="/v1/chat")
    screen.line("please keep me")
    screen.expect("failed (503")
    screen.expect("mistral-small-latest>")
    screen.send(UP)
    screen.expect("please keep me")
    screen.line(" again")
    screen.expect("You said: please keep me again")
    screen.expect("mistral-small-latest>")
    # Alt-Enter (Esc, Enter) starts a new line; Enter sends both
    screen.send("first line\x1b\rsecond line\r")
    screen.expect("You said: first line second line")
    screen.expect("mistral-small-latest>")
    # Ctrl-C on an empty prompt asks; "n" stays, Ctrl-D leaves
    screen.send("\x03")
    screen.expect("leave the chat? [y/N]")
    screen.line("n")
    screen.expect("mistral-small-latest>")
    screen.send("\x04")
    screen.expect("bye")
    assert screen.finish() == 0
    kept = (tmp_path / "home" / "input-history").read_text()
    assert "+please keep me again" in kept and "+first line\n+second line" in kept


def test_without_a_key_the_emulator_can_be_tried(spawn: Spawn) -> None:
    screen = spawn("chat", key=None)
    screen.expect("No API key found")
    screen.expect("choose [1-3]:")
    screen.line("2")
    screen.expect("using the offline emulator at http://127.0.0.1:")
    screen.expect("mistral-small-latest>")
    screen.line("hello")
    screen.expect("You said: hello")
    screen.line("/quit")
    assert screen.finish() == 0


def test_without_a_key_login_stores_one(spawn: Spawn, tmp_path: Path) -> None:
    screen = spawn("chat", key=None)
    screen.expect("choose [1-3]:")
    screen.line("1")
    screen.expect("Mistral API key (input hidden):")
    screen.line("sk-test-0123456789")
    screen.expect("key ...6789 works with")
    screen.expect("mistral-small-latest>")
    screen.line("hello")
    screen.expect("You said: hello")
    screen.send("\x04")
    assert screen.finish() == 0
    assert "sk-test-0123456789" in (tmp_path / "home" / "config.toml").read_text()


def test_without_a_key_quit_leaves(spawn: Spawn) -> None:
    screen = spawn("chat", key=None)
    screen.expect("choose [1-3]:")
    screen.line("3")
    assert screen.finish() == 0


def test_keys_typed_during_an_answer_wait_for_the_prompt(spawn: Spawn) -> None:
    screen = spawn("chat")
    screen.expect("mistral-small-latest>")
    screen.line("emulator:markdown 200 delay=10")
    screen.expect("Section 1")
    screen.send("typed ahead")  # not echoed into the answer, where it would break redrawing
    screen.expect(" out · first token ")
    start = screen.pos
    screen.expect("mistral-small-latest>")
    answer = screen.text[: screen.pos]
    assert "typed ahead" not in answer
    screen.expect("typed ahead")  # the prompt has it, ready to send
    assert screen.text.find("typed ahead", start) > start
    screen.line("")
    screen.expect("You said: typed ahead")
    screen.send("\x04")
    assert screen.finish() == 0


def test_a_resized_window_is_followed(spawn: Spawn) -> None:
    screen = spawn("chat")
    screen.expect("mistral-small-latest>")
    screen.child.setwinsize(30, 64)
    screen.line("/models")
    screen.expect("models>")
    raw = screen.raw[screen.raw.rfind("/models") :]
    lines = [ESCAPES.sub("", line).rstrip() for line in raw.split("\r\n")]
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 64
    ft = "ft:mistral-small-latest:abc123:20250101:a1b2c3d4"
    assert any(f"│ {ft} │" in line for line in table)  # ids are not cut
    screen.line("q")
    screen.send("\x04")
    assert screen.finish() == 0


def test_context_fill_template_and_compact_on_screen(spawn: Spawn, tmp_path: Path) -> None:
    templates = tmp_path / "home" / "templates"
    templates.mkdir(parents=True)
    (templates / "fr.toml").write_text('system = "Réponds en français."\nprompt = "FR: {input}"\n')
    screen = spawn("chat", "--max-cost", "0.05")
    screen.expect("mistral-small-latest>")
    screen.line("Bonjour")
    screen.expect("You said: Bonjour")
    screen.expect("· context <1% of 262,144")
    screen.line("/template fr")
    screen.expect("template fr: system message set, your messages go into its prompt")
    screen.line("merci")
    screen.expect("You said: FR: merci")
    screen.line("/compact")
    screen.expect("compacted 2 messages into this summary; kept the last 1 exchange.")
    screen.line("/context")
    screen.expect("context: ~")
    screen.expect("tokens of 262,144 (<1%) for mistral-small-latest")
    screen.send("\x04")
    assert screen.finish() == 0


def test_sigterm_mid_answer_ends_the_chat_and_keeps_the_answer(
    spawn: Spawn, emu: Emulator, tmp_path: Path
) -> None:
    screen = spawn("chat")
    screen.expect("mistral-small-latest>")
    screen.line("emulator:markdown 2000 delay=30")
    screen.expect("Section 1")
    screen.child.kill(signal.SIGTERM)
    screen.expect("[interrupted; the partial answer is kept]")
    assert screen.finish() == 143  # the chat ends (a Ctrl-C would have gone on)
    assert "mistral-small-latest>" not in screen.text[screen.text.rfind("kept]") :]
    env = cli_env(env={"MISTRAL_BASE_URL": emu.base_url, "MISTRAL_API_KEY": "test"})
    env["MISTRAL_CHAT_HOME"] = str(tmp_path / "home")
    shown = subprocess.run(
        [sys.executable, "-m", "mistral_chat", "history", "show", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    answer = json.loads(shown.stdout)["messages"][-1]
    assert answer["role"] == "assistant" and answer["status"] == "interrupted"
    assert "Section 1" in answer["content"][0]["text"]


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_at_the_prompt_ends_the_chat(spawn: Spawn, name: str, code: int) -> None:
    screen = spawn("chat")
    screen.expect("mistral-small-latest>")
    screen.child.kill(getattr(signal, name))
    assert screen.finish() == code
    assert "leave the chat?" not in screen.text
