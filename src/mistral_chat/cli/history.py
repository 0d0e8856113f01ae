"""`mistral-chat history list|show|search|export|import|repair|delete`: the saved conversations.

Each subcommand calls one `HistoryStore` method; ids may be given as a unique prefix.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..render.formats import answer_stats, local_time, money
from ._argtypes import non_empty, positive_int
from .context import AppContext
from .exit import UsageError

if TYPE_CHECKING:
    from ..storage import Conversation, Message

__all__ = ["register"]

_SEARCH_FIELDS = ("conversation_id", "title", "message_id", "role", "created_at", "snippet")

_LIST_FIELDS = ("id", "title", "model", "created_at", "updated_at", "message_count", "cost_usd")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "history",
        help="browse, search and export past conversations",
        description=(
            "Conversations saved by `ask` and `chat` (history.db). An ID may be shortened to "
            "any unique prefix."
        ),
    )
    sub = p.add_subparsers(dest="history_command", metavar="SUBCOMMAND", title="subcommands")

    ls = sub.add_parser("list", help="the latest conversations, newest first")
    ls.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help="how many (default 20)"
    )
    ls.add_argument(
        "--json",
        action="store_true",
        help='one JSON array of {"id", "title", "model", "created_at", "updated_at", '
        '"message_count", "cost_usd"} (cost_usd: estimated, null when unknown)',
    )
    ls.set_defaults(handler=list_conversations)

    show = sub.add_parser("show", help="a conversation with its messages")
    show.add_argument(
        "id", nargs="?", metavar="ID", help="conversation id or unique prefix (default: the latest)"
    )
    show.add_argument("--json", action="store_true", help="one JSON object with its messages")
    show.set_defaults(handler=show_conversation)

    search = sub.add_parser(
        "search",
        help="full-text search over every message",
        description="Find messages containing every word of TEXT "
        "(case- and accent-insensitive), newest first.",
    )
    search.add_argument("text", nargs="+", metavar="TEXT", help="words to find")
    search.add_argument(
        "--limit", type=positive_int, default=20, metavar="N", help="most results (default 20)"
    )
    search.add_argument(
        "--json",
        action="store_true",
        help='one JSON array of {"conversation_id", "title", "message_id", "role", '
        '"created_at", "snippet"} (matches in the snippet between **)',
    )
    search.add_argument(
        "--semantic",
        action="store_true",
        help="find messages by meaning (embeds new messages first; calls the API)",
    )
    search.set_defaults(handler=search_messages)

    export = sub.add_parser("export", help="a conversation as Markdown or JSON")
    export.add_argument(
        "id", nargs="?", metavar="ID", help="conversation id or unique prefix (default: the latest)"
    )
    export.add_argument(
        "--format",
        choices=("md", "json"),
        default=None,
        help="md (default; json when -o ends in .json) or json (lossless)",
    )
    export.add_argument(
        "-o",
        "--output",
        type=non_empty,
        metavar="PATH",
        help="write to PATH instead of stdout (- for stdout)",
    )
    export.add_argument("--force", action="store_true", help="replace an existing file")
    export.set_defaults(handler=export_conversation)

    imp = sub.add_parser(
        "import",
        help="read a conversation back from a JSON export",
        description="Store a conversation exported with `history export --format json`, with "
        "its ids, timestamps, usage and attachments, e.g. to move history between machines.",
    )
    imp.add_argument("file", metavar="FILE", help="the JSON export (- for stdin)")
    imp.add_argument(
        "--replace",
        action="store_true",
        help="replace a conversation that has the same id (default: refuse)",
    )
    imp.set_defaults(handler=import_conversation)

    repair = sub.add_parser(
        "repair",
        help="check history.db and mend a damaged one",
        description="Check the history database. A damaged search index is rebuilt in place; "
        "damaged pages are mended by copying every row that can still be read into a fresh "
        "file, keeping the damaged one beside it (history.db.damaged-DATE). Close other "
        "mistral-chat sessions first.",
    )
    repair.set_defaults(handler=repair_history)

    delete = sub.add_parser("delete", help="delete conversations and their messages")
    delete.add_argument("ids", nargs="+", metavar="ID", help="conversation ids or unique prefixes")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(handler=delete_conversation)


def list_conversations(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.history()
    conversations = store.list_conversations(limit=args.limit)
    if args.json:
        ctx.terminal.json([{f: getattr(c, f) for f in _LIST_FIELDS} for c in conversations])
        return 0
    if not conversations:
        ctx.terminal.err_line("no conversations yet; `mistral-chat ask` and `chat` save them")
        return 0
    from ..render.tables import table

    rows = [
        [
            c.id,
            local_time(c.updated_at),
            str(c.message_count),
            "-" if c.cost_usd is None else f"~{money(c.cost_usd)}",
            c.model,
            c.title or "(untitled)",
        ]
        for c in conversations
    ]
    columns = ["id", "updated", "messages", "cost", "model", "title"]
    table(ctx.terminal, columns, rows, no_wrap=("id", "updated", "cost"))
    total = store.count_conversations() if len(conversations) == args.limit else 0
    if total > len(conversations):  # on stderr: stdout stays the table alone
        ctx.terminal.err_line(
            f"the {len(conversations)} most recent of {total} conversations; "
            f"`mistral-chat history list --limit {total}` shows them all"
        )
    return 0


def show_conversation(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.history()
    args.id = args.id or _latest_id(ctx)
    if args.json:
        doc = store.export_json(args.id)
        out = dict(doc["conversation"])
        out["estimated_cost_usd"] = _total_cost_of(doc["messages"])
        out["messages"] = doc["messages"]
        ctx.terminal.json(out)
        return 0
    conv = store.get_conversation(args.id)
    from ..render.markdown import render_markdown
    from ..render.tables import key_value

    pairs = [("id", conv.id), ("title", conv.title or "(untitled)"), ("model", conv.model)]
    pairs += [("created", local_time(conv.created_at)), ("updated", local_time(conv.updated_at))]
    if conv.options:
        pairs.append(("options", ", ".join(f"{k}={v}" for k, v in sorted(conv.options.items()))))
    cost = _total_cost(conv)
    if cost is not None:
        pairs.append(("estimated cost", f"~{money(cost)}"))
    if conv.system:
        pairs.append(("system", conv.system))
    key_value(ctx.terminal, pairs)
    for m in conv.messages:
        ctx.terminal.out("")
        ctx.terminal.out(_heading(m))
        if m.thinking:
            from ..render.answer import show_thinking

            show_thinking(ctx.terminal, m.thinking)
        if m.text:
            render_markdown(ctx.terminal, m.text)
        for a in m.attachments:
            ctx.terminal.out(f"  [{a.kind}] {a.name or a.url or a.file_id or ''}".rstrip())
        footer = _footer(m)
        if footer:
            ctx.terminal.out(f"  ({footer})")
    return 0


def search_messages(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..render.search import HIT_MARKS, hits_table, plain_marks

    if args.semantic:
        from ._semantic import semantic_search

        return semantic_search(args, ctx)
    hits = ctx.history().search(" ".join(args.text), limit=args.limit, marks=HIT_MARKS)
    if args.json:
        rows = [{f: getattr(h, f) for f in _SEARCH_FIELDS} for h in hits]
        ctx.terminal.json([{**row, "snippet": plain_marks(row["snippet"])} for row in rows])
        return 0
    if not hits:
        ctx.terminal.err_line(f"no message matches {' '.join(args.text)!r}")
        return 0
    hits_table(ctx.terminal, hits)
    return 0


def export_conversation(args: argparse.Namespace, ctx: AppContext) -> int:
    output = None if args.output in (None, "-") else Path(args.output)
    if output is not None and output.is_file() and not args.force:
        raise UsageError(
            f"{output} already exists; add --force to replace it, or choose another path"
        )
    fmt = args.format or ("json" if output and output.suffix.lower() == ".json" else "md")
    store = ctx.history()
    args.id = args.id or _latest_id(ctx)
    if fmt == "json":
        import json

        doc = store.export_json(args.id)
        if output is None:
            ctx.terminal.json(doc)  # the same text; on a terminal, valid JSON that is shown
            return 0
        text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    else:
        text = store.export_markdown(args.id)
    if output is None:
        ctx.terminal.out(text, end="")
        return 0
    from ..services.transfers import write_text_atomic

    write_text_atomic(output, text)
    ctx.terminal.err_line(f"exported to {output}")
    return 0


def import_conversation(args: argparse.Namespace, ctx: AppContext) -> int:
    import json
    import sys

    source = "stdin" if args.file == "-" else args.file
    try:
        raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{source} is not a text file ({exc.reason}); give a JSON export") from exc
    try:
        doc = json.loads(raw)
    except RecursionError:
        raise UsageError(
            f"{source} is nested too deeply to be an export; "
            "`history export --format json` makes one"
        ) from None
    except ValueError as exc:
        raise UsageError(
            f"{source} is not JSON ({exc}); `history export --format json` makes one"
        ) from exc
    store = ctx.history()
    from ..storage.errors import ConversationExists, ExportFormatError

    try:
        conv = store.import_json(doc, replace=args.replace)
    except ConversationExists as exc:
        raise UsageError(
            f"conversation {exc.conversation_id} is already in the history; "
            "add --replace to overwrite it"
        ) from exc
    except ExportFormatError as exc:
        hint = "" if "upgrade" in str(exc) else "; `history export --format json` makes one"
        raise UsageError(f"cannot import {source}: {exc}{hint}") from exc
    ctx.terminal.out(conv.id)
    ctx.terminal.err_line(
        f"imported {conv.title or '(untitled)'} with {len(conv.messages)} messages"
    )
    return 0


def repair_history(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..storage.repair import repair_history as repair

    path = ctx.settings.history_path
    report = repair(path)  # not ctx.history(): a damaged file may not even open
    say = ctx.terminal.err_line
    if report.outcome == "missing":
        say(f"no history database at {path}; nothing to repair")
    elif report.outcome == "healthy":
        say(f"history database {path} is healthy; nothing to repair")
    elif report.outcome == "reindexed":
        say(f"rebuilt the search index of {path} ({report.problem}); nothing was lost")
    elif report.outcome == "unreadable":
        say(
            f"nothing could be read from {path} ({report.problem}); it is kept as "
            f"{report.set_aside} and a new, empty history starts"
        )
    else:
        skipped = f"; {report.skipped} broken rows left out" if report.skipped else ""
        say(
            f"recovered {report.conversations} conversations and {report.messages} messages "
            f"from {path} ({report.problem}){skipped}; the damaged file is kept as "
            f"{report.set_aside}"
        )
    return 0


def _latest_id(ctx: AppContext) -> str:
    latest = ctx.history().latest_conversation()
    if latest is None:
        raise UsageError("no conversations yet; `mistral-chat ask` and `chat` save them")
    return latest.id


def delete_conversation(args: argparse.Namespace, ctx: AppContext) -> int:
    store = ctx.history()
    # every id resolved first: a typo deletes nothing
    ids = list(dict.fromkeys(store.resolve_id(ref) for ref in args.ids))

    def question() -> str:
        if len(ids) > 1:
            return f"Delete {len(ids)} conversations ({', '.join(ids)})?"
        title = store.get_conversation(ids[0]).title or "(untitled)"
        return f"Delete conversation {ids[0]} ({title})?"

    what = f"conversation {ids[0]}" if len(ids) == 1 else f"{len(ids)} conversations"
    if not args.yes and not ctx.confirm(f"deleting {what}", question):
        ctx.terminal.err_line("not deleted")
        return 0
    for conv_id in ids:
        store.delete_conversation(conv_id)
        ctx.terminal.err_line(f"deleted conversation {conv_id}")
    return 0


# -- helpers -----------------------------------------------------------------------------------


def _heading(m: Message) -> str:
    who = m.role
    if m.role == "assistant" and m.model:
        who += f" ({m.model})"
    status = "" if m.status == "complete" else f" [{m.status}]"
    return f"── {who} · {local_time(m.created_at)}{status}"


def _footer(m: Message) -> str:
    return answer_stats(m.usage, m.ttft_ms, m.duration_ms, m.cost_usd)


def _total_cost(conv: Conversation) -> float | None:
    costs = [m.cost_usd for m in conv.messages if m.cost_usd is not None]
    return sum(costs) if costs else None


def _total_cost_of(messages: list[dict[str, Any]]) -> float | None:
    costs = [m["cost_usd"] for m in messages if m.get("cost_usd") is not None]
    return sum(costs) if costs else None
