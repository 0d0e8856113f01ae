"""Terminal drawing for the interfaces: one ``Terminal`` owns stdout/stderr, and helpers draw
markdown (streaming or once), tables, a spinner and transfer progress. Rich is imported only
when something is drawn, so importing this package stays cheap.

    from mistral_chat.render import StreamingMarkdown, Terminal

    terminal = Terminal.from_process(no_color=False)
    with StreamingMarkdown(terminal) as md:
        for chunk in chunks:
            md.feed(chunk)
"""

from __future__ import annotations

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
