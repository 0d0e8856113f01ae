"""Helpers for CLI tests (importable by name: `conftest` is ambiguous across test dirs)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["RunCLI", "cli_env", "reaped", "run_in_process", "serve_emulator"]

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


@contextlib.contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _streams(data: bytes) -> Iterator[dict[str, bytes]]:
    """stdin from `data`, stdout and stderr into buffers: pipes, as a child process has; what
    was written is in the yielded dict (`out`, `err`) once the block ends."""
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdin, sys.stdout, sys.stderr
    wrappers = (
        io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"),
        io.TextIOWrapper(out, encoding="utf-8", write_through=True),
        io.TextIOWrapper(err, encoding="utf-8", write_through=True),
    )
    sys.stdin, sys.stdout, sys.stderr = wrappers
    written: dict[str, bytes] = {}
    try:
        yield written
    finally:
        for wrapper in wrappers:
            with contextlib.suppress(ValueError):
                wrapper.flush()
        written["out"], written["err"] = out.getvalue(), err.getvalue()
        sys.stdin, sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def _debug_logging_restored() -> Iterator[None]:
    import logging

    log = logging.getLogger("mistral_chat.api")
    handlers, level, propagate = list(log.handlers), log.level, log.propagate
    try:
        yield
    finally:
        log.handlers[:] = handlers
        log.setLevel(level)
        log.propagate = propagate


def run_in_process(
    args: Sequence[str], *, data: bytes, env: Mapping[str, str], cwd: str | os.PathLike[str]
) -> tuple[int, str, str]:
    """`mistral-chat ARGS` run by this process as the console script would run it, with
    stdin, stdout and stderr as pipes: the command's own code, without a process to start.
    For what a process boundary adds nothing to (most commands); signals, terminals and exit
    status of the interpreter itself are tested with real processes."""
    from mistral_chat.cli import run

    env = {"COLUMNS": "80", "LINES": "24", **env}  # as a child's pipes give it
    previous = Path.cwd()
    with _environment(env), _streams(data) as written, _debug_logging_restored():
        os.chdir(cwd)
        try:
            code = run(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.chdir(previous)
    return (
        int(code),
        written["out"].decode("utf-8", errors="replace"),
        written["err"].decode("utf-8", errors="replace"),
    )
