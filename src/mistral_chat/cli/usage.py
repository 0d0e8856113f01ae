"""`mistral-chat usage [--since DATE] [--by model|day|conversation] [--json]`.

Tokens and estimated cost of the answers kept in the history, summed by model, local day or
conversation, with a bar per group on a terminal. Offline: it reads history.db only.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..render.formats import money
from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode

if TYPE_CHECKING:
    from ..services.usage import UsageReport
    from ..storage import UsageRow

__all__ = ["register"]

_BAR_WIDTH = 20
_MIN_BAR = 6


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "usage",
        help="tokens and estimated cost from the history",
        description="Tokens and estimated cost (at list prices) of the answers kept in the "
        "history, summed by model, day or conversation; a bar per group on a terminal.",
        epilog="examples:\n"
        "  mistral-chat usage\n"
        "  mistral-chat usage --since 7d --by day\n"
        "  mistral-chat usage --since 2026-11-01 --by conversation --json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--since",
        type=non_empty,
        metavar="DATE",
        help="from this day on (local time): 2026-11-01, 7d (the last 7 days), today",
    )
    p.add_argument(
        "--by",
        choices=("model", "day", "conversation"),
        default="model",
        help="what to sum by (default: model)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object: groups and total")
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.usage import since_moment, usage_report

    since = since_moment(args.since) if args.since else None
    report = usage_report(ctx.history(), args.by, since)
    if args.json:
        ctx.terminal.json(_json(report))
        return ExitCode.OK
    if not report.rows:
        when = f" since {since.date_text}" if since else ""
        ctx.terminal.err_line(f"no answers in the history{when}")
        return ExitCode.OK
    _table(ctx, report)
    ctx.terminal.out(_total_line(report))
    if report.unpriced:
        ctx.terminal.err_line(_unpriced_note(report.unpriced))
    return ExitCode.OK


def _table(ctx: AppContext, report: UsageReport) -> None:
    from ..render.charts import bar
    from ..render.tables import table

    by = report.by
    columns = [by, *(["title"] if by == "conversation" else []), "answers", "input", "output"]
    columns.append("cost")
    rows = []
    for r in report.rows:
        cells = [r.key, *([r.label] if by == "conversation" else [])]
        cells += [f"{r.answers:,}", f"{r.prompt_tokens:,}", f"{r.completion_tokens:,}", _cost(r)]
        rows.append(cells)
    width = _bar_width(ctx, columns, rows) if ctx.terminal.color else 0
    if width:  # a chart is for a person on a terminal: piped, the numbers alone
        largest = max(r.total_tokens for r in report.rows)
        columns.append("tokens")
        for cells, r in zip(rows, report.rows, strict=True):
            cells.append(bar(r.total_tokens, largest, width=width))
    since = f" since {report.since.date_text}" if report.since else ""
    title = f"Usage by {by}{since} (cost estimated at list prices)"
    whole = ("day", "model", "conversation", "answers", "input", "output", "cost", "tokens")
    table(ctx.terminal, columns, rows, title=title, no_wrap=whole)


def _bar_width(ctx: AppContext, columns: list[str], rows: list[list[str]]) -> int:
    """The bars' length: what the window leaves beside the numbers (titles may wrap), up to
    `_BAR_WIDTH`; 0 when too little is left for a bar to mean anything."""
    ctx.terminal.refresh_size()
    used = 1 + 3  # the table's left border, and the bar column's borders and padding
    for i, name in enumerate(columns):
        longest = max(len(name), *(len(row[i]) for row in rows))
        used += 3 + (min(longest, 12) if name == "title" else longest)
    left = ctx.terminal.width - used
    return min(_BAR_WIDTH, left) if left >= _MIN_BAR else 0


def _unpriced_note(count: int) -> str:
    if count == 1:
        return "1 answer, of a model without a known list price, is not in the cost"
    return f"{count} answers, of models without a known list price, are not in the cost"


def _cost(row: UsageRow) -> str:
    if row.cost_usd is None:
        return "-"
    return f"~{money(row.cost_usd)}" + ("+" if row.priced < row.answers else "")


def _total_line(report: UsageReport) -> str:
    cost = "" if report.cost_usd is None else f", ~{money(report.cost_usd)}"
    s = "s" if report.answers != 1 else ""
    return (
        f"total: {report.answers:,} answer{s}, {report.prompt_tokens:,} tokens in, "
        f"{report.completion_tokens:,} out{cost}"
    )


def _json(report: UsageReport) -> dict[str, Any]:
    def group(r: UsageRow) -> dict[str, Any]:
        return {
            "key": r.key,
            "label": r.label,
            "answers": r.answers,
            "prompt_tokens": r.prompt_tokens,
            "completion_tokens": r.completion_tokens,
            "total_tokens": r.total_tokens,
            "cost_usd": r.cost_usd,
            "priced_answers": r.priced,
        }

    return {
        "by": report.by,
        "since": report.since.date_text if report.since else None,
        "groups": [group(r) for r in report.rows],
        "total": {
            "answers": report.answers,
            "prompt_tokens": report.prompt_tokens,
            "completion_tokens": report.completion_tokens,
            "total_tokens": report.prompt_tokens + report.completion_tokens,
            "cost_usd": report.cost_usd,
            "unpriced_answers": report.unpriced,
        },
    }
