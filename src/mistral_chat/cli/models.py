"""`mistral-chat models list|show`."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..render.formats import context_size, deprecation, list_price, price_lines, retirement
from ._argtypes import model_id, non_empty, positive_int
from .context import AppContext
from .exit import ExitCode, UsageError

if TYPE_CHECKING:
    from ..services.catalog import ModelInfo

DEFAULT_PAGE_SIZE = 20
_CAP_HELP = (
    "completion_chat, function_calling, reasoning, completion_fim, fine_tuning, vision, ocr, "
    "classification, moderation, audio, audio_transcription, audio_transcription_realtime, "
    "audio_speech, unified_resources; or chat, function(s), vision, fim"
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "models",
        help="list and inspect models",
        description=(
            "List the models your key can use, or show one. When the API cannot be reached the "
            "cached (or bundled) list is shown, with a warning on stderr."
        ),
    )
    sub = p.add_subparsers(dest="models_command", metavar="SUBCOMMAND", title="subcommands")

    ls = sub.add_parser(
        "list",
        help="list models (a table; --json for scripts)",
        description=(
            "List models, newest first by default. --json prints every match as one JSON array "
            "(paginated only when --page or --page-size is given)."
        ),
    )
    ls.add_argument(
        "--sort",
        choices=("created", "context_length", "id", "name", "price"),
        default="created",
        help="sort key (default: created; price: list price of input tokens)",
    )
    order = ls.add_mutually_exclusive_group()
    order.add_argument(
        "--asc",
        dest="order",
        action="store_const",
        const="asc",
        help="ascending (default for id, name and price)",
    )
    order.add_argument(
        "--desc",
        dest="order",
        action="store_const",
        const="desc",
        help="descending (default for created and context_length)",
    )
    ls.add_argument(
        "--family",
        type=non_empty,
        metavar="NAME",
        help="e.g. mistral-large, ministral, codestral, pixtral, mixtral, or "
        "mistral (all general Mistral models)",
    )
    ls.add_argument(
        "--capability", type=non_empty, metavar="NAME", help=f"only models with it: {_CAP_HELP}"
    )
    ls.add_argument("--page", type=positive_int, metavar="N", help="page number (default 1)")
    ls.add_argument(
        "--page-size",
        type=positive_int,
        metavar="N",
        help=f"models per page (default {DEFAULT_PAGE_SIZE})",
    )
    ls.add_argument("--all", action="store_true", help="every model on one page")
    ls.add_argument("--json", action="store_true", help="one JSON array on stdout")
    ls.set_defaults(handler=list_models)

    show = sub.add_parser(
        "show",
        help="details of one model",
        description=(
            "Show one model's card: capabilities, context, dates, deprecation, list prices."
        ),
    )
    show.add_argument("model", type=model_id, metavar="MODEL", help="model id or alias")
    show.add_argument("--json", action="store_true", help="the card as one JSON object")
    show.set_defaults(handler=show_model)


def list_models(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services import catalog as cat

    if args.all and (args.page or args.page_size):
        raise UsageError("--all cannot be combined with --page or --page-size")
    if args.capability:
        try:
            cat.resolve_capability(args.capability)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    result = ctx.catalog().models()
    if result.warning:
        ctx.terminal.warning(result.warning)
    models = cat.filter_models(result.models, family=args.family, capability=args.capability)
    if args.family and not models:
        _check_family(args.family, result.models)
    descending = args.order == "desc" if args.order else args.sort in cat.DESCENDING_FIRST
    models = cat.sort_models(models, args.sort, descending)
    paged = not args.all and (not args.json or args.page or args.page_size)
    size = (args.page_size or DEFAULT_PAGE_SIZE) if paged else 0
    try:
        page = cat.paginate(models, args.page or 1, size)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        ctx.terminal.json([m.to_json() for m in page.items])
        return ExitCode.OK
    if not models:
        hint = f" in family {args.family!r}" if args.family else ""
        hint += f" with {args.capability}" if args.capability else ""
        ctx.terminal.err_line(f"no models{hint}")
        return ExitCode.OK
    _print_table(ctx, page, models.index(page.items[0]) if page.items else 0)
    return ExitCode.OK


def _check_family(family: str, models: list[ModelInfo]) -> None:
    """A family nobody knows is a typo: say which families there are (exit 2)."""
    from ..services.catalog import FAMILIES, FAMILY_GROUPS

    here = sorted({m.family for m in models})
    known = {*FAMILIES, *FAMILY_GROUPS, "fine-tuned", *here}
    if family.strip().lower() not in known:
        raise UsageError(
            f"unknown family {family!r}; families: {', '.join(here)} "
            f"(or {', '.join(sorted(FAMILY_GROUPS))} for all of Mistral's general models)"
        )


def _print_table(ctx: AppContext, page: Any, offset: int) -> None:
    from ..render.tables import table
    from ..services.catalog import SHORT_CAPABILITY

    columns = ["#", "id", "name", "family", "context", "price", "created", "capabilities"]
    columns.append("deprecation")
    rows = [
        [
            str(offset + i + 1),
            m.id,
            m.name,
            m.family,
            context_size(m.context_length),
            list_price(m),
            str(m.created or "-"),
            ", ".join(SHORT_CAPABILITY.get(c, c) for c in m.capabilities) or "-",
            deprecation(m.deprecated, m.replacement) or "-",
        ]
        for i, m in enumerate(page.items)
    ]
    table(ctx.terminal, columns, rows, no_wrap=("#", "id", "context", "price", "created"))
    s = "" if page.total == 1 else "s"
    ctx.terminal.out(f"page {page.page} of {page.pages}, {page.total} model{s}")


def show_model(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..api.errors import APIConnectionError, ServerError
    from ..services.catalog import find_model, model_from_card

    try:
        info = model_from_card(ctx.client().models.retrieve(args.model))
    except (APIConnectionError, ServerError):
        result = ctx.catalog().models()
        found = find_model(result.models, args.model)
        if result.source == "api" or found is None:
            raise
        if result.warning:
            ctx.terminal.warning(result.warning)
        info = found
    if args.json:
        ctx.terminal.json(info.to_json())
        return ExitCode.OK
    _print_details(ctx, info)
    return ExitCode.OK


def _print_details(ctx: AppContext, m: ModelInfo) -> None:
    from ..render.tables import key_value

    card = m.card
    pairs: list[tuple[str, str]] = [
        ("id", m.id),
        ("name", m.name),
        ("family", m.family),
        ("aliases", ", ".join(m.aliases) or "-"),
        ("type", str(card.get("type") or "base")),
        ("owned by", str(card.get("owned_by") or "-")),
        ("created", str(m.created or "-")),
        ("context", f"{context_size(m.context_length)} tokens" if m.context_length else "-"),
        ("capabilities", ", ".join(m.capabilities) or "-"),
        *price_lines(m),
    ]
    if card.get("default_model_temperature") is not None:
        pairs.append(("default temperature", str(card["default_model_temperature"])))
    if card.get("root"):
        pairs.append(("fine-tuned from", str(card["root"])))
    if m.deprecated is not None:
        repl = f"; use {m.replacement} instead" if m.replacement else ""
        pairs.append(("deprecated", f"{retirement(m.deprecated)}{repl}"))
    if m.description:
        pairs.append(("description", m.description))
    key_value(ctx.terminal, pairs)
