"""On a terminal (a pseudo-terminal): rich tables, prompts, progress; NO_COLOR turns escapes off."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pexpect
import pytest

from cli_support import cli_env
from mistral_chat.api import Client
from mistral_chat.emulator import Emulator


def _spawn(
    emulator: Emulator,
    *args: str,
    env: dict[str, str | None] | None = None,
    cwd: Path | None = None,
) -> pexpect.spawn:
    merged = cli_env(
        env={
            "MISTRAL_BASE_URL": emulator.base_url,
            "MISTRAL_API_KEY": "test",
            "TERM": "xterm-256color",
            "COLUMNS": "160",
            "LINES": "40",
            **(env or {}),
        }
    )
    return pexpect.spawn(
        sys.executable,
        ["-m", "mistral_chat", *args],
        env=merged,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 160),
        cwd=cwd,
    )


def _run(child: pexpect.spawn) -> tuple[int, str]:
    out = child.read()
    child.close()
    return child.exitstatus, out


@pytest.mark.parametrize(
    ("env", "flags", "escapes"),
    [({}, [], True), ({"NO_COLOR": "1"}, [], False), ({}, ["--no-color"], False)],
)
def test_models_table_colour_follows_no_color(
    emulator: Emulator, env: dict[str, str], flags: list[str], escapes: bool
) -> None:
    code, out = _run(_spawn(emulator, *flags, "models", "list", env=env))
    assert code == 0 and "mistral-large-2512" in out and "page 1 of 1, 16 models" in out
    assert ("\x1b[" in out) is escapes


def test_delete_asks_on_a_terminal(emulator: Emulator) -> None:
    with Client("k", base_url=emulator.base_url) as client:
        fid = client.files.upload(io.BytesIO(b"data"), filename="keep.txt").id
    child = _spawn(emulator, "files", "delete", fid)
    child.expect(r"Delete file .*keep\.txt.*\[y/N\]")
    child.sendline("n")
    code, out = _run(child)
    assert code == 0 and "not deleted" in out
    child = _spawn(emulator, "files", "delete", fid)
    child.expect(r"\[y/N\]")
    child.sendline("y")
    code, out = _run(child)
    assert code == 0 and f"deleted {fid}" in out


def test_login_prompt_is_hidden_and_upload_shows_progress(
    emulator: Emulator, tmp_path: Path, mistral_home: Path
) -> None:
    child = _spawn(emulator, "auth", "login", env={"MISTRAL_API_KEY": None})
    child.expect("Mistral API key \\(input hidden\\): ")
    child.sendline("sk-typed-secret-5678")
    code, out = _run(child)
    assert code == 0 and "sk-typed-secret" not in out and "...5678" in out
    big = tmp_path / "big.bin"
    big.write_bytes(b"\0" * 3_000_000)
    code, out = _run(_spawn(emulator, "files", "upload", str(big)))
    assert code == 0 and "big.bin" in out and "filename" in out


def test_search_matches_are_bold_even_inside_the_messages_own_markdown(emulator: Emulator) -> None:
    code, _ = _run(_spawn(emulator, "ask", "--no-stream", "Cook the **aubergine** slowly"))
    assert code == 0
    code, out = _run(_spawn(emulator, "history", "search", "aubergine"))
    assert code == 0 and "aubergine" in out
    # the message's own `**` is text; the match is bold, never `****aubergine****`
    assert "\x1b[1maubergine\x1b[0m" in out and "****" not in out
