"""`mistral-chat config path|show|get|set|unset`."""

from __future__ import annotations

import argparse
from typing import Any

from .context import AppContext
from .exit import ExitCode


def register(subparsers: Any) -> None:
    from ..services.settings import valid_key_names

    keys = ", ".join(valid_key_names())
    p = subparsers.add_parser(
        "config",
        help="show and change settings",
        description=(
            f"Read and change config.toml. Keys: {keys}. Profiles hold a base URL and the name of "
            "the environment variable with their key; select one with --profile NAME."
        ),
    )
    sub = p.add_subparsers(dest="config_command", metavar="SUBCOMMAND", title="subcommands")
    # path, set and unset work even when the file holds bad values: they are how one fixes it
    lenient = {"repairs_config": True}
    sub.add_parser("path", help="print the config file's path").set_defaults(
        handler=path, **lenient
    )
    show = sub.add_parser("show", help="every setting in effect, with where it comes from")
    show.add_argument("--json", action="store_true", help="as one JSON object")
    show.set_defaults(handler=show_)
    get = sub.add_parser("get", help="print one setting's value in effect")
    get.add_argument("key", metavar="KEY")
    get.set_defaults(handler=get_)
    set_ = sub.add_parser("set", help="set a key in the config file (validated)")
    set_.add_argument("key", metavar="KEY")
    set_.add_argument("value", metavar="VALUE")
    set_.set_defaults(handler=set_value, **lenient)
    unset = sub.add_parser("unset", help="remove a key from the config file")
    unset.add_argument("key", metavar="KEY")
    unset.set_defaults(handler=unset_value, **lenient)


def path(args: argparse.Namespace, ctx: AppContext) -> int:
    ctx.terminal.out(str(ctx.settings.config_path))
    return ExitCode.OK


def _effective(ctx: AppContext) -> dict[str, Any]:
    from ..services.settings import load_config

    s = ctx.settings
    values: dict[str, Any] = {
        "model": s.default_model,
        "log": s.log_history,
        "image_max_side": s.image_max_side,
        "show_thinking": s.show_thinking,
        "base_url": s.base_url,
        "timeout": s.timeout,
        "max_retries": s.max_retries,
        "theme": s.theme,
    }
    profiles = load_config(s.config_path).get("profiles", {})
    for name, table in sorted(profiles.items()) if isinstance(profiles, dict) else []:
        for key in ("base_url", "api_key_env"):
            if isinstance(table, dict) and key in table:
                values[f"profiles.{name}.{key}"] = table[key]
    return values


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def show_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.credentials import describe_key

    values = _effective(ctx)
    s = ctx.settings
    if args.json:
        ctx.terminal.json(
            {
                **values,
                "api_key": describe_key(s.api_key) if s.api_key else None,
                "config_path": str(s.config_path),
                "history_path": str(s.history_path),
                "cache_dir": str(s.cache_dir),
            }
        )
        return ExitCode.OK
    for key, value in values.items():
        ctx.terminal.out(f"{key} = {_text(value)}")
    key = describe_key(s.api_key) if s.api_key else "(none)"
    ctx.terminal.out(f"# api key: {key} ({s.api_key_source or 'not set'})")
    ctx.terminal.out(f"# config:  {s.config_path}")
    ctx.terminal.out(f"# history: {s.history_path}")
    ctx.terminal.out(f"# cache:   {s.cache_dir}")
    return ExitCode.OK


def get_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.settings import split_key

    split_key(args.key)  # unknown keys: exit 2 listing the valid ones
    value = _effective(ctx).get(args.key)
    if value is None:
        ctx.terminal.err_line(f"{args.key} is not set")
        return ExitCode.USAGE
    ctx.terminal.out(_text(value))
    return ExitCode.OK


def set_value(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.settings import parse_config_value, set_config_value

    value = parse_config_value(args.key, args.value)
    set_config_value(ctx.settings.config_path, args.key, value)
    ctx.terminal.err_line(f"set {args.key} = {_text(value)} in {ctx.settings.config_path}")
    return ExitCode.OK


def unset_value(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.settings import unset_config_value

    if unset_config_value(ctx.settings.config_path, args.key):
        ctx.terminal.err_line(f"removed {args.key} from {ctx.settings.config_path}")
    else:
        ctx.terminal.err_line(f"{args.key} was not set in {ctx.settings.config_path}")
    return ExitCode.OK
