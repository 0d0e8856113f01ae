"""Putting text on the clipboard for /copy: through the terminal (OSC 52) or the system's tool.

OSC 52 (``ESC ] 52 ; c ; BASE64 BEL``) asks the terminal itself to set the clipboard, so it
works over SSH and in containers, where the machine's own clipboard is not the user's. The
terminal cannot be asked whether it obeys, so ``auto`` decides from what is known:

1. over SSH, or in a terminal known to allow it (kitty, WezTerm, iTerm2, Alacritty, foot,
   Ghostty, Windows Terminal): OSC 52;
2. else the first system tool found: pbcopy (macOS), wl-copy (Wayland), xclip or xsel (X11),
   clip.exe (Windows, WSL);
3. else OSC 52 on a terminal anyway, saying it may have been ignored.

``osc52`` and ``system`` (config ``clipboard``) force one way.

    >>> osc52("hi")
    '\\x1b]52;c;aGk=\\x07'
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from mistral_chat.errors import UsageError

__all__ = ["ClipboardError", "Copied", "choose", "copy", "osc52", "system_tool"]

#: TERM_PROGRAM values of terminals that honour OSC 52 writes
_OSC52_PROGRAMS = ("iTerm.app", "WezTerm", "ghostty")
#: TERM prefixes of terminals that honour OSC 52 writes
_OSC52_TERMS = ("xterm-kitty", "alacritty", "foot", "wezterm", "xterm-ghostty")
#: variables only those terminals set
_OSC52_VARIABLES = ("KITTY_WINDOW_ID", "WEZTERM_PANE", "ALACRITTY_WINDOW_ID", "WT_SESSION")


class ClipboardError(UsageError):
    """No way to reach the clipboard, or the system's tool failed."""


@dataclass(frozen=True)
class Copied:
    """How the text was copied: ``via`` names the way ("OSC 52", "wl-copy"...); ``sure`` is
    False when the terminal may have ignored it (OSC 52 to a terminal not known to allow it)."""

    via: str
    sure: bool = True


def osc52(text: str) -> str:
    """The escape sequence that asks the terminal to put `text` on the clipboard."""
    return "\x1b]52;c;" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\x07"


def system_tool(
    environ: Mapping[str, str], which: Callable[[str], str | None] = shutil.which
) -> list[str] | None:
    """The command that copies its stdin to this machine's clipboard, if one is installed
    (its program as found on PATH)."""
    candidates: list[list[str]] = [["pbcopy"]]
    if environ.get("WAYLAND_DISPLAY"):
        candidates.append(["wl-copy"])
    if environ.get("DISPLAY"):
        candidates += [
            ["xclip", "-selection", "clipboard", "-in"],
            ["xsel", "--clipboard", "--input"],
        ]
    candidates += [["clip.exe"], ["clip"]] if sys.platform == "win32" else [["clip.exe"]]
    for command in candidates:
        found = which(command[0])
        if found:
            return [found, *command[1:]]
    return None


def osc52_allowed(environ: Mapping[str, str]) -> bool:
    """Whether OSC 52 is the right way: over SSH, or a terminal known to obey it."""
    if environ.get("SSH_TTY") or environ.get("SSH_CONNECTION"):
        return True
    if environ.get("TERM_PROGRAM") in _OSC52_PROGRAMS:
        return True
    if environ.get("TERM", "").startswith(_OSC52_TERMS):
        return True
    return any(environ.get(name) for name in _OSC52_VARIABLES)


def choose(
    mode: str,
    *,
    terminal: bool,
    environ: Mapping[str, str],
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[list[str] | None, bool]:
    """(the system tool to run, or None for OSC 52; whether it is sure to work)."""
    dumb = environ.get("TERM") == "dumb"
    if mode == "osc52" or (mode == "auto" and terminal and not dumb and osc52_allowed(environ)):
        if not terminal or dumb:
            raise ClipboardError("clipboard = osc52 needs a terminal; `config set clipboard auto`")
        return None, True
    tool = system_tool(environ, which)
    if tool is not None:
        return tool, True
    if mode == "auto" and terminal and not dumb:
        return None, False
    raise ClipboardError(
        "no clipboard tool found (pbcopy, wl-copy, xclip, xsel or clip.exe); install one, "
        "or `config set clipboard osc52` if your terminal allows OSC 52"
    )


def copy(
    text: str,
    mode: str,
    *,
    write: Callable[[str], None],
    terminal: bool,
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> Copied:
    """Put `text` on the clipboard; `write` sends an escape sequence to the terminal."""
    env = os.environ if environ is None else environ
    tool, sure = choose(mode, terminal=terminal, environ=env, which=which)
    if tool is None:
        write(osc52(text))
        return Copied("OSC 52", sure)
    name = PurePath(tool[0]).name
    try:
        # the tool may leave a process behind that serves the selection (xclip, wl-copy):
        # no pipes to wait on, only its status
        done = subprocess.run(
            tool,
            input=text.encode("utf-8"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ClipboardError(f"{name} could not copy ({exc})") from None
    if done.returncode != 0:
        raise ClipboardError(
            f"{name} failed (status {done.returncode}); "
            "`config set clipboard osc52` copies through the terminal instead"
        )
    return Copied(name)
