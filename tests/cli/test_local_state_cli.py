"""Broken local state from the command line: a full disk, a read-only database, another
process's lock and a damaged file are one `error:` line each with exit 6, and what was printed
stays printed (issue 10, #8 and #9)."""

from __future__ import annotations

import io
import resource
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from broken_state import damage_page_holding
from cli_support import RunCLI, cli_env, reaped
from mistral_chat.cli import run
from mistral_chat.emulator import Emulator
from mistral_chat.errors import ExitCode
from mistral_chat.render.console import Terminal

LOCAL_STORAGE = ExitCode.LOCAL_STORAGE  # 6


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def test_a_full_disk_mid_answer_keeps_the_printed_answer(
    emulator: Emulator, mistral_home: Path
) -> None:
    # a real write failure from the kernel: a file size limit (EFBIG) that lets the question
    # be saved but not the 135 KB answer (its text and its two search indexes), whatever the
    # machine's speed
    env = cli_env(env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"})
    # not measured: coverage's own data file could not be written under the limit either
    env = {k: v for k, v in env.items() if not k.startswith("COVERAGE_")}
    ask = [sys.executable, "-m", "mistral_chat", "ask", "emulator:markdown 20000"]
    whole = subprocess.run([*ask, "--no-log"], env=env, capture_output=True, check=True).stdout
    assert len(whole) > 130_000
    from mistral_chat.storage.history import HistoryStore

    HistoryStore(mistral_home / "history.db").close()  # made before the limit: 64 KB

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))

    proc = subprocess.run(
        ask, env=env, capture_output=True, preexec_fn=limit_file_size, timeout=120, check=False
    )
    err = proc.stderr.decode()
    assert proc.stdout == whole  # every word that arrived was printed
    line = one_error_line(err)
    assert "cannot write history database" in line and "`ulimit -f`" in line
    assert "move it aside" not in line and "internal error" not in line
    assert proc.returncode == LOCAL_STORAGE


def run_here(monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, str, str]:
    """The command in this process, piped (for what a monkeypatch must reach)."""
    term = Terminal(stdout=io.StringIO(), stderr=io.StringIO())
    monkeypatch.setattr(Terminal, "from_process", classmethod(lambda cls, no_color=False: term))
    code = run(list(argv))
    return code, term.stdout.getvalue(), term.stderr.getvalue()  # type: ignore[attr-defined]


def test_a_read_only_history_says_so(
    run_cli: RunCLI, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli("ask", "first")[0] == 0
    real = sqlite3.connect

    def read_only(target: str, **kwargs: Any) -> sqlite3.Connection:
        # as SQLite opens a file it may not write (tests run as root: chmod changes nothing)
        return real(f"file:{target}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)
    monkeypatch.setenv("MISTRAL_BASE_URL", emulator.base_url)
    monkeypatch.setenv("MISTRAL_API_KEY", "test")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # nothing piped
    code, out, err = run_here(monkeypatch, "history", "list")
    assert code == 0 and "first" in out  # reading still works
    code, out, err = run_here(monkeypatch, "ask", "second")
    line = one_error_line(err)
    assert "cannot write history database" in line and "read-only" in line
    assert code == LOCAL_STORAGE and out == ""  # nothing was asked: the question was not saved


def test_another_process_lock_is_waited_for_then_one_line(
    run_cli: RunCLI, mistral_home: Path
) -> None:
    assert run_cli("ask", "first")[0] == 0
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(mistral_home / "history.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    with holder, reaped(holder):
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        code, out, err = run_cli("history", "list")
        assert holder.stdin is not None
        holder.stdin.close()  # let go
        holder.wait(timeout=30)
    line = one_error_line(err)
    assert "is locked by another process (waited 5 s)" in line
    assert code == LOCAL_STORAGE and out == ""
    assert run_cli("history", "list")[0] == 0  # and once it is gone, all is well


_HOLD_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
conn.execute("UPDATE conversations SET title = title")
print("locked", flush=True)
sys.stdin.read()
"""


def test_a_damaged_history_names_repair_and_repair_mends_it(
    run_cli: RunCLI, mistral_home: Path
) -> None:
    from mistral_chat.storage.history import HistoryStore

    path = mistral_home / "history.db"
    with HistoryStore(path) as store:
        for i in range(30):
            conv = store.create_conversation("m", title=f"chat {i}")
            store.add_message(conv.id, "user", f"note-{i:02d} okra " + "words " * 60)
    damage_page_holding(path, b"note-15 ")
    code, out, err = run_cli("history", "search", "okra", "--limit", "100")
    line = one_error_line(err)
    assert "is damaged" in line and "run `mistral-chat history repair` to mend it" in line
    assert code == LOCAL_STORAGE
    code, out, err = run_cli("history", "repair")
    assert code == 0 and out == ""
    assert err.startswith("recovered 30 conversations and ") and ".damaged-" in err
    recovered = int(err.split(" and ")[1].split()[0])
    assert 20 <= recovered < 30  # one page of messages lost, not the table
    code, out, err = run_cli("history", "search", "okra", "--limit", "100")
    assert code == 0 and out.count("okra") == recovered
    assert run_cli("history", "repair")[2].endswith("is healthy; nothing to repair\n")
