"""A real terminal for tests about what a person sees: `mistral-chat` run inside tmux.

tmux is a full terminal emulator: `capture-pane` returns the screen exactly as a person
would read it (lines wrapped where the window wraps them, colours dropped), which a pipe or a
pexpect transcript cannot show. Each `TmuxTerminal` has its own tmux server (its own socket in
the test's temporary directory), so tests never share or leak one.

    with TmuxTerminal(tmp_path, env, width=80) as term:
        term.run("files", "list")            # a command; its exit status is printed after it
        term.wait_for("[exit 0]")
        lines = term.lines()
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

__all__ = ["TmuxTerminal"]


class TmuxTerminal:
    """One tmux window of `width` x `height` cells running `python -m mistral_chat ARGS`."""

    def __init__(
        self, cwd: Path, env: Mapping[str, str], *, width: int = 80, height: int = 40
    ) -> None:
        tmux = shutil.which("tmux")
        assert tmux is not None, "these tests need tmux (apt-get install tmux)"
        self.tmux = tmux
        self.cwd = cwd
        self.env = dict(env)
        self.width, self.height = width, height
        # a socket path must stay under ~100 bytes: a short directory of its own, not tmp_path
        self.socket_dir = Path(tempfile.mkdtemp(prefix="mc-tmux-"))
        self.socket = self.socket_dir / "s"
        self.started = False

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-S", str(self.socket), "-f", os.devnull, *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return done.stdout

    def run(self, *args: str) -> None:
        """Start `mistral-chat ARGS`; when it ends, `[exit N]` is printed and the window stays."""
        assert not self.started
        env = " ".join(shlex.quote(f"{k}={v}") for k, v in self.env.items())
        program = shlex.join([sys.executable, "-m", "mistral_chat", *args])
        script = f'env -i {env} {program}; printf "\\n[exit %s]\\n" $?; exec sleep 600'
        self._tmux(
            "new-session", "-d", "-x", str(self.width), "-y", str(self.height),
            "-c", str(self.cwd), "sh", "-c", script,
        )  # fmt: skip
        self.started = True

    def send(self, text: str, *, enter: bool = False) -> None:
        """Type `text` (literally), then Enter if asked."""
        if text:
            self._tmux("send-keys", "-l", text)
        if enter:
            self._tmux("send-keys", "Enter")

    def screen(self, *, colours: bool = False) -> str:
        """The visible screen and its scrollback, one string, trailing blanks dropped; with
        ``colours``, the SGR escape sequences of the colours shown are kept in it."""
        out = self._tmux("capture-pane", "-p", "-S", "-2000", *(["-e"] if colours else []))
        return "\n".join(line.rstrip() for line in out.splitlines()).rstrip("\n")

    def lines(self) -> list[str]:
        return self.screen().splitlines()

    def wait_for(self, needle: str, timeout: float = 20) -> str:
        """The screen once `needle` shows on it."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if needle in text:
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} never showed; the screen:\n{text}")
            time.sleep(0.05)

    def __enter__(self) -> TmuxTerminal:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.started:
            subprocess.run(
                [self.tmux, "-S", str(self.socket), "kill-server"],
                capture_output=True,
                check=False,
                timeout=30,
            )
        shutil.rmtree(self.socket_dir, ignore_errors=True)
