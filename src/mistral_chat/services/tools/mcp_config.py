"""`mcp add` and `mcp remove`: the ``[mcp.NAME]`` tables of the config file, written.

An entry is checked the way reading it will check it (`configured_servers`) before the file
is written, atomically and with mode 0600 (headers and env may hold tokens).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..settings import load_config, save_config
from .errors import ToolSetupError
from .mcp import McpServerSpec, configured_servers

__all__ = ["add_server", "pairs", "remove_server"]

_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def add_server(
    config_path: Path,
    name: str,
    words: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    replace: bool = False,
) -> McpServerSpec:
    """Write ``[mcp.NAME]`` for a command line (``words``) or one URL; the server it names."""
    if not _NAME.fullmatch(name):
        raise ToolSetupError(
            f"MCP server name {name!r} must be 1 to 64 letters, digits, '-' or '_'"
        )
    if not words:
        raise ToolSetupError(f"mcp add {name}: give a command line or an http(s) URL after it")
    data = load_config(config_path)
    servers = configured_servers(data, config_path)  # a broken table is named, not replaced
    if name in servers and not replace:
        raise ToolSetupError(
            f"an MCP server named {name!r} is already in {config_path}; pass --force to "
            "replace it, or choose another name"
        )
    entry: dict[str, Any]
    if len(words) == 1 and _URL.match(words[0]):
        if env:
            raise ToolSetupError("--env is for a server started by a command; a URL takes --header")
        entry = {"url": words[0], **({"headers": dict(headers)} if headers else {})}
    else:
        if headers:
            raise ToolSetupError("--header is for a server reached by URL; a command takes --env")
        entry = {"command": words[0], "args": list(words[1:])}
        if env:
            entry["env"] = dict(env)
    spec = configured_servers({"mcp": {name: entry}}, config_path)[name]
    data.setdefault("mcp", {})[name] = entry
    save_config(config_path, data)
    return spec


def remove_server(config_path: Path, name: str) -> None:
    """Remove ``[mcp.NAME]``; ToolSetupError when there is none."""
    data = load_config(config_path)
    servers = data.get("mcp")
    if not isinstance(servers, dict) or name not in servers:
        names = ", ".join(sorted(servers)) if isinstance(servers, dict) and servers else "none"
        raise ToolSetupError(
            f"no MCP server named {name!r} in {config_path} (servers: {names}); nothing changed"
        )
    del servers[name]
    if not servers:
        del data["mcp"]
    save_config(config_path, data)


def pairs(values: Sequence[str], flag: str, sep: str) -> dict[str, str]:
    """``KEY=VALUE`` (``sep`` "=") or ``Name: value`` (``sep`` ":") options as a mapping."""
    out: dict[str, str] = {}
    for value in values:
        key, found, rest = value.partition(sep)
        if not found or not key.strip():
            example = "KEY=VALUE" if sep == "=" else "'Name: value'"
            # not the value itself: a header's value is often a token
            raise ToolSetupError(f"each {flag} is written {example}; one of them is not")
        out[key.strip()] = rest.strip() if sep == ":" else rest
    return out
