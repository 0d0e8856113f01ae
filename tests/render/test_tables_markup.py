"""Cells are data: rich markup in a file name or title must come out literally."""

from __future__ import annotations

import io

from mistral_chat.render.console import Terminal
from mistral_chat.render.tables import key_value, table


def test_brackets_in_cells_are_not_markup() -> None:
    out = io.StringIO()
    terminal = Terminal(out, io.StringIO(), stdout_isatty=True, color=True, width=100)
    table(terminal, ["id", "filename"], [["1", "[bold]draft[/bold].pdf"]])
    key_value(terminal, [("name", "[red]x[/red]")])
    text = out.getvalue()
    assert "[bold]draft[/bold].pdf" in text and "[red]x[/red]" in text


def test_search_marks_become_bold_on_a_terminal_and_stay_when_piped() -> None:
    out = io.StringIO()
    terminal = Terminal(out, io.StringIO(), stdout_isatty=True, color=True, width=100)
    table(terminal, ["match"], [["a **hit** and **more"]], marks=("**", "**"))
    text = out.getvalue()
    assert "\x1b[1mhit\x1b[0m" in text and "**hit**" not in text and "**more" in text
    piped = io.StringIO()
    table(Terminal(piped, io.StringIO()), ["match"], [["a **hit**"]], marks=("**", "**"))
    assert "a **hit**" in piped.getvalue()
