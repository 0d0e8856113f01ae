"""Editing text in the user's own editor ($VISUAL, else $EDITOR), for Ctrl-X Ctrl-E and /edit.

The text goes into a private temporary ``.md`` file (editors colour it as Markdown), the editor
runs in the terminal until it exits, and what was saved comes back, without the newline editors
add at the end. An editor that exits with a failure status (``:cq`` in Vim) means "cancel".

    text = edit_text("Draft of the question")   # doctest: +SKIP
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from mistral_chat.errors import UsageError

__all__ = ["EditorError", "edit_text", "editor_command"]

#: tried in order when neither VISUAL nor EDITOR is set (`editor` is Debian's chosen one)
_FALLBACKS = ("editor", "nano", "vi") if sys.platform != "win32" else ("notepad",)


class EditorError(UsageError):
    """No editor could be started, or it failed (the text is then left as it was)."""


def editor_command(
    environ: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> list[str]:
    """The editor's command line: $VISUAL, else $EDITOR (either may hold arguments, such as
    ``code --wait``), else the first of editor, nano, vi found on PATH."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value, posix=sys.platform != "win32")
            except ValueError as exc:
                raise EditorError(f"cannot read ${name} ({exc}); fix it") from None
            if words:
                return words
    for fallback in _FALLBACKS:
        if which(fallback):
            return [fallback]
    raise EditorError("no editor found; set EDITOR, e.g. `export EDITOR=nano`")


def edit_text(text: str, *, environ: Mapping[str, str] | None = None) -> str:
    """Open `text` in the editor and return what was saved (trailing whitespace removed)."""
    command = editor_command(environ)
    with tempfile.TemporaryDirectory(prefix="mistral-chat-edit-") as folder:
        path = Path(folder) / "message.md"
        path.write_text(text + "\n" if text else "", encoding="utf-8")
        try:
            done = subprocess.run([*command, str(path)], check=False)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise EditorError(
                f"cannot start the editor {command[0]!r} ({reason}); set EDITOR to one you have"
            ) from None
        if done.returncode != 0:
            raise EditorError(
                f"the editor {command[0]!r} exited with status {done.returncode}; "
                "the message was left as it was"
            )
        try:
            saved = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise EditorError("the editor saved text that is not UTF-8; nothing was used") from None
        except FileNotFoundError:
            saved = ""  # the editor removed the file: an empty message
    return saved.rstrip()
