"""`mistral-chat` in a pseudo-terminal, driven as a person would, against the emulator.

Assertions are on what the screen shows: escape sequences are stripped and runs of whitespace
collapsed (so a line wrapped by the terminal still matches).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pexpect
import pytest

from mistral_chat.emulator import Emulator

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

_ESCAPES = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase, modes
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: hyperlinks, titles
    r"|\x1b[()][0-9A-B]|\x1b[=>78]"
)
UP = "\x1b[A"


def clean(raw: str) -> str:
    text = _ESCAPES.sub("", raw).replace("\r", "")
    return re.sub(r"\s+", " ", text)


class Screen:
    """What a person sees, read from the child as it comes."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.raw = ""
        self.pos = 0

    @property
    def text(self) -> str:
        return clean(self.raw)

    def expect(self, needle: str, timeout: float = 15) -> None:
        """Wait until `needle` shows after what was already matched."""
        needle = re.sub(r"\s+", " ", needle)
        deadline = time.monotonic() + timeout
        while True:
            text = self.text
            found = text.find(needle, self.pos)
            if found >= 0:
                self.pos = found + len(needle)
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not on screen; it ends with:\n{text[-1500:]}")
            self.read(0.05)

    def read(self, timeout: float) -> None:
        try:
            self.raw += self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF as exc:
            raise AssertionError(f"the program ended; screen:\n{self.text[-1500:]}") from exc

    def send(self, text: str) -> None:
        self.child.send(text)

    def line(self, text: str) -> None:
        self.child.send(text + "\r")

    def finish(self, timeout: float = 15) -> int:
        """Wait for the program to end; its exit status."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.raw += self.child.before or ""
        self.child.close()
        assert "Traceback" not in self.raw
        return int(self.child.exitstatus)


Spawn = Callable[..., "Screen"]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def spawn(emu: Emulator, tmp_path: Path) -> Iterator[Spawn]:
    children: list[pexpect.spawn] = []

    def start(*args: str, key: str | None = "test") -> Screen:
        env = {k: v for k, v in os.environ.items() if not k.startswith("MISTRAL_")}
        env.update(
            MISTRAL_CHAT_HOME=str(tmp_path / "home"),
            MISTRAL_BASE_URL=emu.base_url,
            TERM="xterm",
            PROMPT_TOOLKIT_NO_CPR="1",  # pexpect does not answer cursor position requests
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        if key is not None:
            env["MISTRAL_API_KEY"] = key
        child = pexpect.spawn(
            sys.executable,
            ["-m", "mistral_chat", *args],
            env=env,
            cwd=str(tmp_path),
            dimensions=(40, 120),
            encoding="utf-8",
            codec_errors="replace",
        )
        children.append(child)
        return Screen(child)

    yield start
    for child in children:
        if child.isalive():
            child.terminate(force=True)
        child.close()
    emu.faults.clear()


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
    lines = [_ESCAPES.sub("", line).rstrip() for line in raw.split("\r\n")]
    table = [line for line in lines if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 64
    ft = "ft:mistral-small-latest:abc123:20250101:a1b2c3d4"
    assert any(f"│ {ft} │" in line for line in table)  # ids are not cut
    screen.line("q")
    screen.send("\x04")
    assert screen.finish() == 0
