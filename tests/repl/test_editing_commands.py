"""/edit, /edit N, /messages, /branch and /copy in the REPL, with a fake $EDITOR (a script that
records the text it was given and saves the text it is told to) and a fake clipboard tool."""

from __future__ import annotations

import io
import shlex
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_session import Run, chat_requests, run

from mistral_chat.cli.context import AppContext
from mistral_chat.emulator import Emulator
from mistral_chat.render.console import Terminal
from mistral_chat.services.settings import resolve_settings
from mistral_chat.storage.branches import branches
from repl_support import repl_app

EDITOR = """\
import os, sys
path, log = sys.argv[1], os.environ["FAKE_EDITOR_SEEN"]
with open(log, "a", encoding="utf-8") as seen:  # what it was given, one record per opening
    seen.write(open(path, encoding="utf-8").read() + "\\x00")
opened = open(log, encoding="utf-8").read().count("\\x00")
reply = os.environ["FAKE_EDITOR_TEXT"].split("|")[opened - 1]
if reply == "FAIL":
    sys.exit(1)
open(path, "w", encoding="utf-8").write(reply + "\\n")
"""


@pytest.fixture
def app(emulator: Emulator, mistral_home: Path) -> Iterator[AppContext]:
    yield from repl_app(emulator, mistral_home, width=100)


class FakeEditor:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        script = tmp_path / "fake_editor.py"
        script.write_text(EDITOR, encoding="utf-8")
        self.seen_file = tmp_path / "seen.txt"
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("EDITOR", f"{shlex.quote(sys.executable)} {shlex.quote(str(script))}")
        monkeypatch.delenv("VISUAL", raising=False)
        monkeypatch.setenv("FAKE_EDITOR_SEEN", str(self.seen_file))

    def saves(self, *texts: str) -> None:
        """What the editor saves, one text per time it is opened ("FAIL": it exits 1)."""
        self.monkeypatch.setenv("FAKE_EDITOR_TEXT", "|".join(texts))

    @property
    def seen(self) -> list[str]:
        """What the editor was given each time it was opened."""
        if not self.seen_file.exists():
            return []
        return self.seen_file.read_text(encoding="utf-8").split("\x00")[:-1]


@pytest.fixture
def editor(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeEditor:
    return FakeEditor(tmp_path, monkeypatch)


def _branch_users(app: AppContext) -> list[list[str]]:
    conv = app.history().latest_conversation()
    assert conv is not None
    return [[m.text for m in b.messages if m.role == "user"] for b in branches(conv.messages)]


def test_edit_writes_the_next_message_in_the_editor(
    app: AppContext, editor: FakeEditor, emulator: Emulator
) -> None:
    editor.saves("hello from the editor", "one, better", "one, better")
    result = run(app, ["/edit", "one", "/edit", "/edit"])
    # empty buffer first, then the last message typed
    assert editor.seen == ["", "one\n", "one, better\n"]
    assert "You said: hello from the editor" in result.out
    assert "You said: one, better" in result.out
    assert "unchanged; nothing sent" in result.out
    assert [r.json["messages"][-1]["content"] for r in chat_requests(emulator)[-3:]] == [
        "hello from the editor",
        "one",
        "one, better",
    ]


def test_an_empty_or_failed_edit_sends_nothing(
    app: AppContext, editor: FakeEditor, emulator: Emulator
) -> None:
    editor.saves("", "FAIL")
    start = len(chat_requests(emulator))
    result = run(app, ["/edit", "/edit"])
    assert "empty message; nothing sent" in result.out
    assert "error: the editor " in result.err and "exited with status 1" in result.err
    assert len(chat_requests(emulator)) == start


def test_edit_n_resends_a_question_as_a_branch_and_branch_moves_between_them(
    app: AppContext, editor: FakeEditor, emulator: Emulator
) -> None:
    editor.saves("TWO")
    result = run(
        app,
        ["one", "two", "three", "/messages", "/edit 3", "/branch", "/branch 1", "four"],
    )
    out = result.out
    assert "  3  you       two\n" in out  # before the edit: one version
    assert "  1  you       one\n  2  answer    You said: one…\n" in out
    assert editor.seen == ["two\n"]
    assert "You said: TWO\n\nMessages: 3 (user 2, assistant 1)" in out  # "three" is not sent
    assert "branch 2 of 2; /branch lists them, /branch N goes back" in out
    assert "   1    6 messages  the original: one\n" in out
    assert "*  2    4 messages  from message 3, latest: TWO" in out
    assert "on branch 1 (6 messages); your next message goes on from its last one" in out
    assert "Messages: 7 (user 4, assistant 3)" in out  # one two three four
    assert _branch_users(app) == [["one", "two", "three", "four"], ["one", "TWO"]]
    assert chat_requests(emulator)[-1].json["messages"][4]["content"] == "three"


def test_edit_n_refuses_what_is_not_a_question(app: AppContext, editor: FakeEditor) -> None:
    editor.saves("x")
    err = run(app, ["/edit 1", "one", "/edit 2", "/edit 9", "/edit two", "/branch 3"]).err
    assert "error: there is no question to edit yet" in err
    assert "error: message 2 is not a question; questions are 1 (/messages)" in err
    assert "error: no message 9 in this branch; questions are 1 (/messages)" in err
    assert "error: usage: /edit N (N a number from 1), got 'two'" in err
    assert "error: no branch 3; this conversation has only branch 1" in err
    assert editor.seen == []


def test_messages_marks_an_edited_question(app: AppContext, editor: FakeEditor) -> None:
    editor.saves("uno")
    out = run(app, ["one", "/edit 1", "/messages"]).out
    assert "branch 2 of 2" in out
    assert "  1  you       uno  (2 versions: /branch)\n" in out


def _fake_xclip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `xclip` on PATH that writes what it is given to a file."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    target = tmp_path / "clipboard.txt"
    tool = bin_dir / "xclip"
    tool.write_text(f"#!/bin/sh\ncat > {shlex.quote(str(target))}\n")
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    return target


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for xclip")
def test_copy_puts_the_answer_or_a_code_block_on_the_system_clipboard(
    app: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clipboard = _fake_xclip(tmp_path, monkeypatch)
    result: Run = run(app, ["/copy", "see:\n```py\nprint(1)\n```\n~~~\nls\n~~~", "/copy 1"])
    assert "error: nothing to copy: there is no answer yet" in result.err
    assert "copied code block 1 (py, 1 line) to the clipboard with xclip" in result.out
    assert clipboard.read_text() == "print(1)\n"
    result = run(app, ["/resume " + _latest_id(app), "/copy", "/copy 3", "/copy x"])
    assert clipboard.read_text().startswith("You said: see:\n```py\nprint(1)\n```")
    assert "copied the last answer (" in result.out and "characters) to the clipboard" in result.out
    assert "error: the last answer has 2 code blocks; /copy 1 to /copy 2" in result.err
    assert "error: usage: /copy [N] (N a number from 1), got 'x'" in result.err


def test_copy_without_any_clipboard_says_what_to_do(
    app: AppContext, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no tool; and the test's terminal is a pipe
    err = run(app, ["hello", "/copy"]).err
    assert "error: no clipboard tool found (pbcopy, wl-copy, xclip, xsel or clip.exe)" in err


def _latest_id(app: AppContext) -> str:
    conv = app.history().latest_conversation()
    assert conv is not None
    return conv.id


def test_a_failed_edit_is_kept_and_retry_answers_it(
    app: AppContext, editor: FakeEditor, emulator: Emulator
) -> None:
    from mistral_chat.emulator.faults import Fault

    editor.saves("TWO")
    run(app, ["one", "two"])
    emulator.faults.add(Fault("status", status=503, path="/v1/chat/completions"))
    result = run(app, ["/resume " + _latest_id(app), "/edit 3", "/retry"])
    assert "the edited question is kept: /retry asks again" in result.err
    assert "You said: TWO" in result.out
    assert _branch_users(app) == [["one", "two"], ["one", "TWO"]]


def test_export_saves_the_branch_the_session_is_on(
    app: AppContext, editor: FakeEditor, tmp_path: Path
) -> None:
    editor.saves("TWO")
    run(app, ["one", "two", "/edit 3", "/branch 1", "/export first.md", "/branch 2",
              "/export second.md"], cwd=tmp_path)  # fmt: skip
    first, second = (tmp_path / "first.md").read_text(), (tmp_path / "second.md").read_text()
    assert "You said: two" in first and "TWO" not in first
    assert "You said: TWO" in second and "- branch 2 of 2, from message 3, the latest" in second


def test_with_history_off_an_edit_replaces_what_followed(
    emulator: Emulator, mistral_home: Path, editor: FakeEditor
) -> None:
    mistral_home.mkdir(parents=True, exist_ok=True)
    (mistral_home / "config.toml").write_text("log = false\n")
    settings = resolve_settings(
        base_url=emulator.base_url,
        environ={"MISTRAL_CHAT_HOME": str(mistral_home), "MISTRAL_API_KEY": "test"},
        keyring_get=lambda profile: None,
    )
    ctx = AppContext(Terminal(stdout=io.StringIO(), stderr=io.StringIO(), width=100), settings)
    try:
        editor.saves("uno")
        result = run(ctx, ["one", "two", "/edit 1", "/messages", "/branch"])
    finally:
        ctx.close()
    assert "You said: uno\n\nMessages: 1 (user 1)" in result.out
    assert "history is off: what followed the edited question is not kept" in result.out
    assert "  1  you       uno\n  2  answer    You said: uno…\n/edit N" in result.out
    assert "error: branches are kept in the history, and this conversation is not" in result.err
