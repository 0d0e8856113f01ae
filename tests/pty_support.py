"""Driving `mistral-chat` in a pseudo-terminal as a person would: what the screen shows.

Escape sequences are stripped and runs of whitespace collapsed (so a line wrapped by the
terminal still matches). `spawn_chat` starts the program against an emulator.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pexpect

from mistral_chat.emulator import Emulator

__all__ = ["ESCAPES", "UP", "Screen", "Spawn", "clean", "spawner"]

ESCAPES = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erase, modes
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: hyperlinks, titles
    r"|\x1b[()][0-9A-B]|\x1b[=>78]"
)
UP = "\x1b[A"


def clean(raw: str) -> str:
    text = ESCAPES.sub("", raw).replace("\r", "")
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

    def expect(self, needle: str, timeout: float = 30) -> None:
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

    def finish(self, timeout: float = 30) -> int:
        """Wait for the program to end; its exit status."""
        self.child.expect(pexpect.EOF, timeout=timeout)
        self.raw += self.child.before or ""
        self.child.close()
        assert "Traceback" not in self.raw
        return int(self.child.exitstatus)


Spawn = Callable[..., "Screen"]


def spawner(
    emu: Emulator, tmp_path: Path, base: Mapping[str, str] | None = None
) -> Iterator[Spawn]:
    """A fixture's body: `start(*args, key="test", **env)` spawns the program in a pty (on
    `base`, else this process's environment without MISTRAL_ and SSH_ variables); every child
    is ended when the test ends."""
    children: list[pexpect.spawn] = []

    def start(*args: str, key: str | None = "test", **extra: str) -> Screen:
        if base is not None:
            env = dict(base)
        else:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("MISTRAL_", "SSH_"))}
            env.update(
                MISTRAL_CHAT_HOME=str(tmp_path / "home"),
                MISTRAL_BASE_URL=emu.base_url,
                TERM="xterm",
                PROMPT_TOOLKIT_NO_CPR="1",  # pexpect does not answer cursor position requests
                PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
            )
            if key is not None:
                env["MISTRAL_API_KEY"] = key
        env.update(extra)
        # the window's size comes from the pty: COLUMNS and LINES (pytest-xdist's workers set
        # them) would override it and hide a resize
        env.pop("COLUMNS", None)
        env.pop("LINES", None)
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
