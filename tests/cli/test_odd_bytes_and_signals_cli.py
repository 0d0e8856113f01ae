"""Real processes at the edges (issue 10, #10 and #11): arguments that are not UTF-8, SIGTERM
and SIGHUP mid-answer, and server file names too long for a temporary name beside them."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from cli_support import RunCLI, cli_env, reaped
from mistral_chat.api import Client
from mistral_chat.emulator import Emulator

# the program itself, as a process: its exit codes, streams and messages end to end
pytestmark = pytest.mark.processes


def run_bytes(emulator: Emulator, *argv: bytes | str, cwd: Path) -> tuple[int, str, str]:
    """The CLI with arguments given as raw bytes (as a shell passes them)."""
    env = cli_env(env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"})
    proc = subprocess.run(
        [sys.executable, "-m", "mistral_chat", *argv],
        env=env,
        capture_output=True,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        ([b"ask", b"caf\xe9"], "argument 'caf\\xe9'"),
        ([b"ask", b"-s", b"caf\xe9", b"hi"], "-s 'caf\\xe9'"),
        ([b"ask", b"-m", b"caf\xe9", b"hi"], "-m 'caf\\xe9'"),
        ([b"ask", b"--model=caf\xe9", b"hi"], "--model 'caf\\xe9'"),
        ([b"chat", b"-s", b"caf\xe9"], "-s 'caf\\xe9'"),
        ([b"ask", b"-a", b"caf\xe9.txt", b"hi"], "-a 'caf\\xe9.txt'"),
        ([b"files", b"upload", b"caf\xe9.txt"], "argument 'caf\\xe9.txt'"),
    ],
    ids=lambda v: v.decode("latin-1") if isinstance(v, bytes) else str(v),
)
def test_arguments_that_are_not_utf8_are_refused_in_one_line(
    emulator: Emulator, tmp_path: Path, argv: list[bytes], named: str
) -> None:
    (tmp_path / os.fsdecode(b"caf\xe9.txt")).write_text("hello\n")
    code, out, err = run_bytes(emulator, *argv, cwd=tmp_path)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"error: {named} is not UTF-8 text; mistral-chat reads arguments as UTF-8: use a UTF-8 "
        "terminal (e.g. LANG=C.UTF-8), convert the text (`iconv -f latin1 -t utf-8`), or "
        "rename a file whose name is not UTF-8"
    ]


def test_a_local_file_name_that_is_not_utf8_still_names_its_file(
    emulator: Emulator, run_cli: RunCLI, tmp_path: Path
) -> None:
    assert run_cli("ask", "keep me")[0] == 0
    code, _out, err = run_bytes(emulator, b"history", b"export", b"-o", b"caf\xe9.md", cwd=tmp_path)
    assert code == 0, err
    assert "keep me" in (tmp_path / os.fsdecode(b"caf\xe9.md")).read_text()


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_a_signal_mid_answer_keeps_what_was_printed(
    emulator: Emulator, run_cli: RunCLI, name: str, code: int
) -> None:
    env = cli_env(env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat", "ask", "emulator:markdown 2000 delay=5"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    with proc, reaped(proc):
        assert proc.stdout is not None and proc.stderr is not None
        printed = b""
        while len(printed) < 200:  # the answer is streaming (it takes ~10 s in all)
            printed += proc.stdout.read1(4096)
        proc.send_signal(getattr(signal, name))
        printed += proc.stdout.read()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=30) == code
    assert err.strip().splitlines()[-1].startswith("error: ")
    shown = json.loads(run_cli("history", "show", "--json")[1])
    answer = shown["messages"][-1]
    assert answer["status"] == "interrupted"
    saved = "".join(c["text"] for c in answer["content"] if c["type"] == "text")
    assert len(saved) >= 200  # all of it, nothing more (and the line ended)
    assert printed.decode() in (saved, saved + "\n")


def test_a_server_file_name_of_250_bytes_downloads(
    emulator: Emulator, run_cli: RunCLI, tmp_path: Path
) -> None:
    name = "é" * 123 + ".txt"  # 250 bytes of UTF-8
    with Client("test", base_url=emulator.base_url) as client:
        file_id = client.files.upload(io.BytesIO(b"payload"), filename=name).id
    work = tmp_path / "work"
    work.mkdir()
    code, _, err = run_cli("files", "download", file_id, cwd=work)
    assert code == 0, err
    (saved,) = work.iterdir()
    assert len(saved.name.encode()) <= 240 and saved.name.endswith(".txt")
    assert saved.name.startswith("é" * 100) and saved.read_bytes() == b"payload"
    code, _out, err = run_cli("files", "download", file_id, "-o", "x" * 250, cwd=work)
    assert code == 2 and "is 250 bytes long; a download's name may have at most 240" in err


def test_an_export_to_a_long_file_name_is_written(run_cli: RunCLI, tmp_path: Path) -> None:
    # its temporary name holds only the first 200 bytes of the name: ".NAME.xxxxxxxx" fits
    assert run_cli("ask", "keep me")[0] == 0
    name, work = "n" * 250 + ".md", tmp_path / "work"
    work.mkdir()
    code, _out, err = run_cli("history", "export", "-o", name, cwd=work)
    assert code == 0, err
    assert "keep me" in (work / name).read_text()
    assert [p.name for p in work.iterdir()] == [name]
