"""Helpers for CLI tests (importable by name: `conftest` is ambiguous across test dirs)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

__all__ = ["RunCLI", "cli_env"]

#: run_cli(*args, input=None, env=None, cwd=None, timeout=60) -> (exit code, stdout, stderr)
RunCLI = Callable[..., tuple[int, str, str]]


def cli_env(
    base: Mapping[str, str] | None = None, env: Mapping[str, str | None] | None = None
) -> dict[str, str]:
    """os.environ (or `base`) updated with `env`; a None value removes the variable."""
    out = dict(os.environ if base is None else base)
    out.setdefault("PYTHONIOENCODING", "utf-8")
    for key, value in (env or {}).items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out
