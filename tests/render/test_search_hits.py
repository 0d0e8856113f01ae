"""Search hits: bold matches on a terminal, `**` elsewhere, never doubled."""

from __future__ import annotations

import doctest
import io
from dataclasses import dataclass

from mistral_chat.render import search
from mistral_chat.render.console import Terminal
from mistral_chat.render.search import hits_table


@dataclass
class _Hit:
    conversation_id: str
    created_at: str
    role: str
    snippet: str


HITS = [_Hit("c1", "2026-11-28T10:00:00.000Z", "user", "cook **\x02okra\x03** and \x02okra\x03")]


def test_doctests() -> None:
    assert doctest.testmod(search).failed == 0


def test_terminal_shows_matches_bold() -> None:
    out = io.StringIO()
    hits_table(Terminal(out, io.StringIO(), stdout_isatty=True, color=True, width=100), HITS)
    text = out.getvalue()
    assert text.count("\x1b[1mokra\x1b[0m") == 2 and "\x02" not in text


def test_piped_matches_read_between_stars_once() -> None:
    out = io.StringIO()
    hits_table(Terminal(out, io.StringIO()), HITS)
    assert "cook **okra** and **okra**" in out.getvalue() and "****" not in out.getvalue()
