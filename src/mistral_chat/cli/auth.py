"""`mistral-chat auth login|status|logout`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .context import AppContext
from .exit import ExitCode, UsageError

_SOURCES = {
    "env": "the {env} environment variable",
    "keyring": "the OS keyring",
    "config": "the config file {config}",
    "emulator": "--emulator (the built-in emulator's key)",
}


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "auth",
        help="store, check or remove the API key",
        description=(
            "Store the API key (the OS keyring when available, else the config file at mode "
            "0600), see where the key in use comes from, or remove it. MISTRAL_API_KEY, when set, "
            "wins over a stored key."
        ),
    )
    sub = p.add_subparsers(dest="auth_command", metavar="SUBCOMMAND", title="subcommands")
    login = sub.add_parser(
        "login",
        help="check a key with the API and store it",
        description=(
            "Read the key (a hidden prompt on a terminal, else one line from stdin), check it with "
            "one API call (GET /v1/models), and store it. Use --profile to store a profile's key."
        ),
    )
    login.set_defaults(handler=login_)
    status = sub.add_parser(
        "status",
        help="which key is used and where it comes from",
        description="Show the key in use (its last 4 characters), its "
        "source, the base URL and the profile. Exit 3 if none.",
    )
    status.set_defaults(handler=status_)
    logout = sub.add_parser(
        "logout",
        help="remove the stored key",
        description="Remove the stored key from the keyring and the config.",
    )
    logout.set_defaults(handler=logout_)


def _read_key(ctx: AppContext) -> str:
    if sys.stdin.isatty():
        import getpass

        try:
            key = getpass.getpass("Mistral API key (input hidden): ", stream=ctx.terminal.stderr)
        except EOFError:
            key = ""
    else:
        try:
            key = sys.stdin.readline()
        except UnicodeDecodeError:  # not text: refused below as no key can be
            key = "\ufffd"
    key = key.strip()
    if not key:
        raise UsageError("no key given; paste the key from https://console.mistral.ai/api-keys")
    if any(ch.isspace() for ch in key):
        raise UsageError("that key contains spaces; paste only the key itself")
    from ..services.credentials import BAD_KEY_CHARACTERS, plausible_key

    if not plausible_key(key):
        raise UsageError(f"that key {BAD_KEY_CHARACTERS}; paste only the key itself")
    return key


def login_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..api import AuthenticationError, PermissionDeniedError
    from ..services.credentials import describe_key, store_key

    s = ctx.settings
    key = _read_key(ctx)
    with ctx.client_with(key) as client:
        try:
            client.models.list()
        except (AuthenticationError, PermissionDeniedError) as exc:
            ctx.terminal.error(
                f"the API at {ctx.host} rejected this key ({exc.status_code}): {exc.message}; "
                "it was not stored. Check the key at https://console.mistral.ai/api-keys"
            )
            return ExitCode.AUTH
    where = store_key(key, s.profile, s.config_path)
    place = "the OS keyring" if where == "keyring" else f"{s.config_path} (mode 0600)"
    who = f" for profile {s.profile}" if s.profile else ""
    ctx.terminal.err_line(f"key {describe_key(key)} works with {ctx.host}; stored{who} in {place}")
    if s.api_key_source == "env":
        ctx.terminal.warning(
            f"{s.api_key_env} is set in the environment and is used before the stored key"
        )
    return ExitCode.OK


def status_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.credentials import describe_key

    s = ctx.settings
    url_from = {
        "default": "default",
        "option": "--base-url",
        "env": "MISTRAL_BASE_URL",
        "profile": f"profile {s.profile}",
        "config": "config file",
        "emulator": "--emulator",
    }.get(s.base_url_source, s.base_url_source)
    ctx.terminal.out(f"base URL: {s.base_url} ({url_from})")
    ctx.terminal.out(f"profile:  {s.profile or '(none)'}")
    if not s.api_key:
        ctx.terminal.out("key:      (none)")
        from ..services.credentials import NoAPIKey

        raise NoAPIKey()
    source = _SOURCES.get(s.api_key_source or "", "unknown").format(
        env=s.api_key_env, config=s.config_path
    )
    ctx.terminal.out(f"key:      {describe_key(s.api_key)} from {source}")
    return ExitCode.OK


def logout_(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.credentials import delete_key

    s = ctx.settings
    removed = delete_key(s.profile, s.config_path)
    who = f" for profile {s.profile}" if s.profile else ""
    if removed:
        places = " and ".join(
            "the OS keyring" if r == "keyring" else str(s.config_path) for r in removed
        )
        ctx.terminal.err_line(f"removed the stored key{who} from {places}")
    else:
        ctx.terminal.err_line(f"no stored key{who} to remove")
    if s.api_key_source == "env":
        ctx.terminal.warning(f"{s.api_key_env} is still set in the environment")
    return ExitCode.OK
