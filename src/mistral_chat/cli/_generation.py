"""The generation-option flags, shared by `ask`, `chat`-side templates and `template save`.

`add_flags(parser)` adds `--temperature ... --schema`; `given(args)` returns the options typed,
named as `config set` and templates name them and checked (exit 2 names the flag);
`request_options(args)` returns them in the request's form, `--format`/`--schema` included.
`add_vision_flag(parser)` adds `--vision`, which `ask` and `chat` share.
"""

from __future__ import annotations

import argparse
from typing import Any

from .exit import UsageError

__all__ = ["add_flags", "add_vision_flag", "given", "request_options"]

#: (argparse attribute, the option's name as `config set` and templates spell it)
FLAGS = (
    ("temperature", "temperature"),
    ("top_p", "top_p"),
    ("max_tokens", "max_tokens"),
    ("seed", "seed"),
    ("safe_prompt", "safe_prompt"),
    ("reasoning_effort", "reasoning_effort"),
    ("stop", "stop"),
)


def add_vision_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--vision",
        action="store_true",
        default=None,
        help="send images even if the model list does not say the model reads them "
        "(self-hosted servers; default: config `vision`)",
    )


def add_flags(parser: argparse.ArgumentParser, title: str) -> None:
    g = parser.add_argument_group(title)
    g.add_argument("--temperature", metavar="T", help="sampling temperature, 0 to 1.5")
    g.add_argument("--top-p", metavar="P", help="nucleus sampling mass, over 0 up to 1")
    g.add_argument("--max-tokens", metavar="N", help="most tokens to generate (0 or more)")
    g.add_argument("--seed", metavar="N", help="random seed for reproducible answers (0 or more)")
    g.add_argument(
        "--safe-prompt",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="prepend Mistral's safety prompt",
    )
    g.add_argument(
        "--reasoning-effort",
        metavar="LEVEL",
        help="how hard a reasoning model thinks: none, minimal, low, medium, high, xhigh",
    )
    g.add_argument(
        "--stop",
        action="append",
        metavar="SEQ",
        help="stop the answer where SEQ would appear; repeatable",
    )
    g.add_argument(
        "--format",
        choices=("text", "json"),
        help="json: the answer is one JSON object (say what it should hold in the prompt)",
    )
    g.add_argument(
        "--schema",
        metavar="SCHEMA",
        help="the answer is JSON valid against this JSON Schema (a file, or inline JSON)",
    )


def given(args: argparse.Namespace) -> dict[str, Any]:
    """The options given on the command line (not --format/--schema), checked and typed,
    named as `config set` names them (`seed`, not `random_seed`)."""
    from ..services.chat_options import InvalidOption, validate_option

    options: dict[str, Any] = {}
    for attr, name in FLAGS:
        value = getattr(args, attr)
        if value is None:
            continue
        if attr == "stop" and len(value) == 1:
            value = value[0]
        try:
            _, checked = validate_option(name, value)
        except InvalidOption as exc:
            # "random_seed must be ..." -> "--seed must be ...": name the flag the user typed
            flag, text = f"--{attr.replace('_', '-')}", str(exc)
            spelled = next((w for w in (name, "random_seed") if text.startswith(w)), None)
            text = flag + text[len(spelled) :] if spelled else f"{text} ({flag})"
            raise UsageError(text) from None
        options[name] = checked
    return options


def request_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options given, in the request's form; `--format text` is kept as None (it takes
    a continued conversation back to text)."""
    from ..services.chat_options import InvalidOption, config_options, response_format

    options = config_options(given(args))
    try:
        fmt = response_format(args.format, args.schema)
    except InvalidOption as exc:
        raise UsageError(str(exc)) from None
    if fmt is not None or args.format == "text":
        options["response_format"] = fmt
    return options
