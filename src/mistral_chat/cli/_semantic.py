"""`history search --semantic TEXT`: the CLI side (progress while indexing, the results)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from .context import AppContext
from .exit import ExitCode

__all__ = ["semantic_search"]


def semantic_search(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services import semantic
    from ..storage.semantic import SemanticIndex

    text = " ".join(args.text)
    history = ctx.history()
    client = ctx.client()
    index = SemanticIndex(semantic.index_path(ctx.settings.history_path))
    try:
        embedded = semantic.update_index(client, history, index, on_progress=_progress(ctx))
        if embedded:
            ctx.terminal.err_line(f"indexed {embedded} new message{'s' * (embedded != 1)}")
        hits = semantic.semantic_search(client, history, index, text, limit=args.limit)
    finally:
        index.close()
    if args.json:
        fields = (
            "conversation_id",
            "title",
            "message_id",
            "role",
            "created_at",
            "snippet",
            "score",
        )
        ctx.terminal.json([{f: getattr(h, f) for f in fields} for h in hits])
        return ExitCode.OK
    if not hits:
        ctx.terminal.err_line("the history has no messages to search yet")
        return ExitCode.OK
    from ..render.formats import local_time
    from ..render.tables import table

    rows = [
        [h.conversation_id, local_time(h.created_at), h.role, f"{h.score:.2f}", h.snippet]
        for h in hits
    ]
    table(ctx.terminal, ["id", "when", "role", "score", "message"], rows, no_wrap=("id",))
    return ExitCode.OK


def _progress(ctx: AppContext) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if ctx.terminal.stderr_isatty:
            ctx.terminal.stderr.write(f"\rindexing {done}/{total} messages")
            ctx.terminal.stderr.flush()
            if done >= total:
                ctx.terminal.stderr.write("\n")

    return report
