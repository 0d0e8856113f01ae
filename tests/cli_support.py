"""Helpers for CLI tests (importable by name: `conftest` is ambiguous across test dirs)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = ["RunCLI", "cli_env", "reaped", "serve_emulator"]

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


@contextlib.contextmanager
def reaped(proc: subprocess.Popen[Any]) -> Iterator[subprocess.Popen[Any]]:
    """Yield `proc`; if it is still running when the block ends (a failed assertion, a
    timeout), kill it and collect it, so no child outlives its test or leaks into the next."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def serve_emulator(*args: str) -> tuple[subprocess.Popen[str], str]:
    """`mistral-chat emulator ARGS` as a real process, and the base URL it printed first."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat", "emulator", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()
