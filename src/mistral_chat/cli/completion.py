"""`mistral-chat completion bash|zsh|fish|tcsh|powershell`: a shell completion script.

The script is generated from the full argparse parser by shtab (static: completing costs the
shell nothing and never starts Python). Arguments that name local files complete as paths.

    mistral-chat completion bash > ~/.local/share/bash-completion/completions/mistral-chat
    mistral-chat completion zsh > "${fpath[1]}/_mistral-chat"
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from .context import AppContext
from .exit import ExitCode

__all__ = ["register"]

SHELLS = ("bash", "zsh", "fish", "tcsh", "powershell")

# destinations that name a local path (files download's -o also takes "-" for stdout)
_PATH_DESTS = frozenset({"attach", "schema", "path", "paths", "file", "output", "source"})
_DIR_DESTS = frozenset({"state_dir"})


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "completion",
        help="print a shell completion script",
        description="Print a tab-completion script for SHELL: commands, options, their "
        "choices, and file paths where a command takes one.",
        epilog="examples:\n"
        "  mistral-chat completion bash > ~/.local/share/bash-completion/completions/mistral-chat\n"
        '  mistral-chat completion zsh > "${fpath[1]}/_mistral-chat"\n'
        "  mistral-chat completion fish > ~/.config/fish/completions/mistral-chat.fish",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help=", ".join(SHELLS))
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    import shtab

    from . import build_parser

    parser = build_parser()  # every command's real sub-parser, built for this script only
    words = _offline_words()
    for action in _actions(parser):
        if action.dest in _PATH_DESTS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.dest in _DIR_DESTS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]
        elif action.dest in words and action.option_strings:
            # choices on this throwaway parser only become completions; parsing is unaffected
            action.choices = words[action.dest]
    ctx.terminal.out(shtab.complete(parser, shell=args.shell), end="")
    return ExitCode.OK


def _offline_words() -> dict[str, list[str]]:
    """Values known without the network: bundled model ids (not those retired), capabilities,
    families, reasoning efforts."""
    from ..services import model_info
    from ..services.chat_options import REASONING_EFFORTS
    from ..services.model_prices import bundled_facts, is_retired

    capabilities = [*model_info.CAPABILITY_NAMES, *model_info.CAPABILITY_ALIASES]
    today = date.today()
    usable = {
        name
        for fact in bundled_facts()
        if not is_retired(fact, today)
        for name in fact.get("api_names") or []
    }
    return {
        "model": sorted(usable),
        "capability": sorted(set(capabilities)),
        "family": sorted({*model_info.FAMILIES, "fine-tuned"}),
        "reasoning_effort": list(REASONING_EFFORTS),
    }


def _actions(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    found: list[argparse.Action] = []
    for action in parser._actions:
        found.append(action)
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_actions(sub))
    return found
