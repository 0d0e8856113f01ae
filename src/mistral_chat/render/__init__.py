"""Terminal drawing for the interfaces: one ``Terminal`` owns stdout/stderr, and helpers draw
markdown (streaming or once), tables, a spinner and transfer progress. Rich is imported only
when something is drawn, and each name below loads its own submodule on first use (PEP 562),
so ``from mistral_chat.render.tables import table`` does not import the markdown renderer.

    from mistral_chat.render import StreamingMarkdown, Terminal

    terminal = Terminal.from_process(no_color=False)
    with StreamingMarkdown(terminal) as md:
        for chunk in chunks:
            md.feed(chunk)
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mistral_chat.render.console import Terminal
    from mistral_chat.render.markdown import StreamingMarkdown, render_markdown
    from mistral_chat.render.progress import TransferProgress
    from mistral_chat.render.spinner import Spinner
    from mistral_chat.render.tables import key_value, table

__all__ = [
    "Spinner",
    "StreamingMarkdown",
    "Terminal",
    "TransferProgress",
    "key_value",
    "render_markdown",
    "table",
]

#: each public name and the submodule that defines it
_SOURCES = {
    "Spinner": "spinner",
    "StreamingMarkdown": "markdown",
    "Terminal": "console",
    "TransferProgress": "progress",
    "key_value": "tables",
    "render_markdown": "markdown",
    "table": "tables",
}


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
