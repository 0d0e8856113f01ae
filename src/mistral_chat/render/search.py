"""Search hits on screen: one table for `history search` and the REPL's `/search`.

The store marks each match with control characters no message holds (`HIT_MARKS`), so a
message's own markdown (`**bold**`) is never taken for a mark: on a colour terminal the match is
bold, anywhere else (a pipe, `--json`) it reads `**match**`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from mistral_chat.render.console import Terminal
from mistral_chat.render.formats import local_time

__all__ = ["HIT_MARKS", "Hit", "hits_table", "plain_marks"]

HIT_MARKS = ("\x02", "\x03")


class Hit(Protocol):
    """What a search hit needs to be shown (storage's SearchHit has it)."""

    @property
    def conversation_id(self) -> str: ...
    @property
    def created_at(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def snippet(self) -> str: ...


_ALREADY_BOLD = re.compile(r"\*\*\x02([^\x03]*)\x03\*\*")


def plain_marks(snippet: str) -> str:
    r"""The snippet with its matches between `**`, for text that cannot be bold; a match the
    message already had in bold keeps its own `**` (never `****match****`).

    >>> plain_marks("the \x02rice\x03 and **\x02stock\x03**")
    'the **rice** and **stock**'
    """
    snippet = _ALREADY_BOLD.sub(lambda m: f"**{m[1]}**", snippet)
    return snippet.replace(HIT_MARKS[0], "**").replace(HIT_MARKS[1], "**")


def hits_table(terminal: Terminal, hits: Sequence[Hit]) -> None:
    """id, when, role and the snippet on one line, the matches bold (or between `**`)."""
    from mistral_chat.render.tables import table

    bold = terminal.color
    rows = [
        [
            h.conversation_id,
            local_time(h.created_at),
            h.role,
            " ".join((h.snippet if bold else plain_marks(h.snippet)).split()),
        ]
        for h in hits
    ]
    marks = HIT_MARKS if bold else None
    table(terminal, ["id", "when", "role", "match"], rows, marks=marks, no_wrap=("id", "when"))
