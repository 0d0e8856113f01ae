"""Shared fixtures: a session emulator, a temporary MISTRAL_CHAT_HOME, and `run_cli`.

Every test gets MISTRAL_CHAT_HOME in its own temporary directory, no MISTRAL_API_KEY or
MISTRAL_BASE_URL from the developer's shell, and keyring disabled, so no test reads or writes
the real home. `run_cli` runs `python -m mistral_chat` as a real subprocess against the
emulator (MISTRAL_BASE_URL=emulator, MISTRAL_API_KEY=test unless `env` says otherwise).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from cli_support import RunCLI, cli_env, run_in_process
from mistral_chat.emulator import Emulator

# A shell without job control starts background jobs with SIGINT ignored, and Python keeps an
# ignored SIGINT ignored: the children that tests interrupt (Ctrl-C in a pty, SIGINT) would not
# notice. Children inherit an ignored signal, never a handler, so restoring ours is enough.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# Some machines (this project's CI among them) set PYTHONDONTWRITEBYTECODE: then every one of the
# hundreds of `mistral-chat` processes the tests start compiles each module it imports again,
# about twice the CPU of a start that reads cached bytecode. Tests may cache it (in the venv
# and in src/, both ignored by git); what users run is not affected.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

# Under `nohup` SIGHUP is ignored, and children inherit that (the program keeps an ignored SIGHUP
# ignored, as it should): the tests that hang up on a child would see it go on. A handler that
# does nothing keeps this run immune to a hangup while exec resets it to the default in children.
if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) is signal.SIG_IGN:
    signal.signal(signal.SIGHUP, lambda _signum, _frame: None)

# A terminal's size comes from the terminal: COLUMNS and LINES (pytest-xdist's workers have
# COLUMNS=80) would override a pty's size in every child.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)
sys.dont_write_bytecode = False


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """One emulator on loopback for the whole session (clear faults you inject)."""
    with Emulator() as emu:
        yield emu


@pytest.fixture(autouse=True)
def mistral_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh MISTRAL_CHAT_HOME per test; the developer's key and base URL are removed."""
    home = tmp_path / "mistral-home"
    monkeypatch.setenv("MISTRAL_CHAT_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("MISTRAL_API_KEY", "MISTRAL_BASE_URL", "FORCE_COLOR", "CLICOLOR_FORCE"):
        monkeypatch.delenv(name, raising=False)
    # a CI machine's proxy (set for the package registries) must not sit between a test and
    # the emulator on loopback
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    return home


#: MISTRAL_CHAT_TEST_PROCESSES=1 runs every `run_cli` as a real process (slower; a check that
#: running in-process hides nothing)
ALWAYS_PROCESSES = os.environ.get("MISTRAL_CHAT_TEST_PROCESSES") == "1"


@pytest.fixture
def run_cli(emulator: Emulator, tmp_path: Path, request: pytest.FixtureRequest) -> RunCLI:
    """`run_cli(*args, input=None, env=None, cwd=None, timeout=60, process=False)` ->
    `(code, stdout, stderr)`: `mistral-chat ARGS` with MISTRAL_BASE_URL pointing at the session
    emulator and MISTRAL_API_KEY=test; `env` entries override (None removes).

    It runs in this process, with stdin, stdout and stderr as pipes (`run_in_process`), unless
    `process=True` asks for `[sys.executable, "-m", "mistral_chat", *args]` as a real process
    (where the process itself is what is tested: signals, the interpreter's exit, stdin a tty);
    a module or test marked `processes` runs every call as a process.
    """
    emulator.clear_faults()
    processes = ALWAYS_PROCESSES or request.node.get_closest_marker("processes") is not None

    def run(
        *args: str,
        input: str | bytes | None = None,
        env: Mapping[str, str | None] | None = None,
        cwd: str | Path | None = None,
        timeout: float = 60,
        process: bool = False,
    ) -> tuple[int, str, str]:
        merged = cli_env(
            env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test", **(env or {})}
        )
        data = input.encode("utf-8") if isinstance(input, str) else input
        if not (process or processes):
            return run_in_process(args, data=data or b"", env=merged, cwd=cwd or tmp_path)
        proc = subprocess.run(
            [sys.executable, "-m", "mistral_chat", *args],
            input=data,
            capture_output=True,
            env=merged,
            cwd=cwd or tmp_path,
            timeout=timeout,
            check=False,
        )
        out = proc.stdout.decode("utf-8", errors="replace")
        err = proc.stderr.decode("utf-8", errors="replace")
        return proc.returncode, out, err

    return run
