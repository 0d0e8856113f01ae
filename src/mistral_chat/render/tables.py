"""Tables and key/value views: rich on a colour terminal, plain aligned columns otherwise.

table(terminal, ["ID", "CONTEXT"], [["mistral-small-latest", "128k"]], title="Models")
key_value(terminal, [("id", "mistral-small-latest"), ("context", "128k")])
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from mistral_chat.render.console import Terminal, shown_controls

__all__ = ["key_value", "table"]


def _cells(text: str) -> int:
    if text.isascii():
        return len(text)
    from rich.cells import cell_len

    return cell_len(text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _cells(text))


def table(
    terminal: Terminal,
    columns: list[str],
    rows: list[list[str]],
    title: str | None = None,
    *,
    no_wrap: Collection[str] = (),
    marks: tuple[str, str] | None = None,
) -> None:
    """Draw rows under column headers. Cells of the ``no_wrap`` columns (ids a user types)
    stay on one line on a terminal; the other columns wrap to make room for them, and a
    window too narrow even for that shows each row as a block of ``column  value`` lines.
    With ``marks`` (the pair of strings around search matches), marked text is bold on a
    terminal.

    A cell is a server's or the history's words (a file name, a title): its control
    characters, line breaks and bidi overrides are shown, never obeyed, on a terminal and in
    a pipe alike (a table is for reading; ``--json`` is the exact form for scripts)."""
    if terminal.color:
        from rich.table import Table

        terminal.refresh_size()
        if _too_narrow(columns, rows, no_wrap, terminal.width):
            _records(terminal, columns, rows, title, marks)
            return
        grid = Table(title=_cell(title), header_style="bold", title_justify="left")
        for column in columns:
            grid.add_column(column, overflow="fold", no_wrap=column in no_wrap)
        for row in rows:
            # Text, not str: a file named "[draft].pdf" is data, never rich markup
            grid.add_row(*(_styled(cell, marks) for cell in row))
        terminal.rich_out().print(grid)
        return
    # piped: one line per row, columns separated by two spaces, easy to cut/awk
    rows = [[_cell(cell) for cell in row] for row in rows]
    widths = [_cells(c) for c in columns]
    for row in rows:
        for i, cell in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _cells(cell))
    lines = [] if title is None else [_cell(title)]
    for row in [columns, *rows]:
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[: len(widths)])]
        lines.append("  ".join(cells).rstrip())
    terminal.out("\n".join(lines))


def _cell(text: str | None) -> str:
    return "" if text is None else shown_controls(text, one_line=True)


#: the fewest cells a wrapping column may be squeezed to before the table is given up
_MIN_WRAPPED = 6


def _too_narrow(
    columns: list[str], rows: list[list[str]], no_wrap: Collection[str], width: int
) -> bool:
    """Whether a boxed table cannot keep the ``no_wrap`` cells whole and still give every
    other column a few cells (3 cells per column go to borders and padding)."""
    need = 1
    for i, name in enumerate(columns):
        longest = max((_cells(row[i]) for row in rows if i < len(row)), default=0)
        longest = max(longest, _cells(name))
        need += 3 + (longest if name in no_wrap else min(longest, _MIN_WRAPPED))
    return need > width


def _records(
    terminal: Terminal,
    columns: list[str],
    rows: list[list[str]],
    title: str | None,
    marks: tuple[str, str] | None,
) -> None:
    """Each row as ``column  value`` lines, rows apart: what fits a narrow window."""
    from rich.table import Table
    from rich.text import Text

    console = terminal.rich_out()
    if title:
        console.print(Text(_cell(title), style="italic"))
    for n, row in enumerate(rows):
        if n:
            console.print()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for name, cell in zip(columns, row, strict=False):
            grid.add_row(Text(name), _styled(cell, marks))
        console.print(grid)


def _styled(cell: str, marks: tuple[str, str] | None) -> Any:
    """The cell as rich Text: literal (never markup), marked spans in bold, control
    characters shown."""
    from rich.text import Text

    if not marks or marks[0] not in cell:
        return Text(_cell(cell))
    start, end = marks
    text = Text()
    rest = cell
    while start in rest:
        before, _, tail = rest.partition(start)
        marked, found, after = tail.partition(end)
        text.append(_cell(before))
        if not found:  # an unclosed mark is just text
            text.append(_cell(start + marked))
            return text
        text.append(_cell(marked), style="bold")
        rest = after
    text.append(_cell(rest))
    return text


def key_value(terminal: Terminal, pairs: list[tuple[str, str]]) -> None:
    """Draw ``key  value`` lines, keys aligned (a "show" view). Values are shown like table
    cells, except that a value's own line breaks stay (a description)."""
    pairs = [(_cell(key), shown_controls(value)) for key, value in pairs]
    if terminal.color:
        from rich.table import Table
        from rich.text import Text

        terminal.refresh_size()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for key, value in pairs:
            grid.add_row(Text(key), Text(value))
        terminal.rich_out().print(grid)
        return
    width = max((_cells(key) + 1 for key, _ in pairs), default=0)
    lines = []
    for key, value in pairs:
        first, *rest = value.split("\n") or [""]
        lines.append(f"{_pad(key + ':', width)}  {first}".rstrip())
        lines.extend(f"{'':{width}}  {more}".rstrip() for more in rest)
    if lines:
        terminal.out("\n".join(lines))
