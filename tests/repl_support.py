"""The chat REPL in-process: an application context on the test emulator, with a screen in
memory (`Terminal` over StringIO), for the tests that drive `ChatRepl` with scripted lines."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from mistral_chat.cli.context import AppContext
from mistral_chat.emulator import Emulator
from mistral_chat.render.console import Terminal
from mistral_chat.services.settings import resolve_settings

__all__ = ["repl_app"]


def repl_app(emulator: Emulator, home: Path, width: int = 120) -> Iterator[AppContext]:
    """A fixture's body: the context, closed (and the emulator's faults cleared) after."""
    emulator.faults.clear()
    settings = resolve_settings(
        base_url=emulator.base_url,
        max_retries=0,
        environ={"MISTRAL_CHAT_HOME": str(home), "MISTRAL_API_KEY": "test"},
        keyring_get=lambda profile: None,
    )
    ctx = AppContext(Terminal(stdout=io.StringIO(), stderr=io.StringIO(), width=width), settings)
    yield ctx
    ctx.close()
    emulator.faults.clear()
