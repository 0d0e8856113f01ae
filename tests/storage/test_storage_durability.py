"""What survives other processes and kill -9: WAL, busy timeout, commits, file modes."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest
from _storage_helpers import run_python

from mistral_chat.storage.history import HistoryStore


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def test_files_are_private(db_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with HistoryStore(db_path) as store:
            conv = store.create_conversation("m")
            store.add_message(conv.id, "user", "hello")
            names = sorted(p.name for p in db_path.parent.iterdir())
            assert names == ["history.db", "history.db-shm", "history.db-wal"]
            for path in db_path.parent.iterdir():
                assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    finally:
        os.umask(old)
    assert stat.S_IMODE(db_path.parent.stat().st_mode) == 0o700


def test_a_message_is_visible_to_others_as_soon_as_added(db_path: Path) -> None:
    with HistoryStore(db_path) as writer:
        conv = writer.create_conversation("m")
        writer.add_message(conv.id, "user", "sent before the request")
        raw = sqlite3.connect(db_path)
        try:
            rows = raw.execute("SELECT text FROM messages").fetchall()
        finally:
            raw.close()
        assert rows == [("sent before the request",)]


WRITER = """
import sys
from mistral_chat.storage.history import HistoryStore
path, conv_id, tag = sys.argv[1:4]
with HistoryStore(path) as store:
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(150):
        store.add_message(conv_id, "user", f"{tag} message {i}")
        m = store.start_message(conv_id)
        store.update_message_text(m.id, f"{tag} partial {i}")
        store.finish_message(m.id, content=f"{tag} answer {i}")
print("done", flush=True)
"""


def test_two_processes_writing_at_once_both_succeed(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        conv = store.create_conversation("m")
    procs = [
        run_python(
            WRITER, str(db_path), conv.id, tag, stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        for tag in ("alpha", "beta")
    ]
    try:
        for p in procs:
            assert p.stdout is not None and p.stdout.readline() == "ready\n"
        for p in procs:  # release both at once
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=60)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    assert [p.returncode for p in procs] == [0, 0]
    assert all(out.strip().endswith("done") for out in outs)
    with HistoryStore(db_path) as store:
        got = store.get_conversation(conv.id)
    assert got.message_count == len(got.messages) == 600
    assert [m.seq for m in got.messages] == list(range(1, 601))
    assert sum(m.text.startswith("alpha answer") for m in got.messages) == 150
    assert _integrity(db_path) == "ok"


OPENER = """
import sys
from mistral_chat.storage.history import HistoryStore
with HistoryStore(sys.argv[1]) as store:
    store.create_conversation("m")
"""


def test_processes_creating_the_same_new_database_both_succeed(tmp_path: Path) -> None:
    for attempt in range(3):
        path = tmp_path / f"try{attempt}" / "history.db"
        procs = [run_python(OPENER, str(path), stderr=subprocess.PIPE) for _ in range(4)]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
        with HistoryStore(path) as store:
            assert store.count_conversations() == 4


STREAMER = """
import sys
from mistral_chat.storage.history import HistoryStore
store = HistoryStore(sys.argv[1])
conv = store.create_conversation("m")
store.add_message(conv.id, "user", "tell me a long story")
msg = store.start_message(conv.id, model="m")
print(msg.id, flush=True)
text = ""
i = 0
while True:
    i += 1
    text += f"word{i} "
    store.update_message_text(msg.id, text)
    print(i, flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_kill_9_mid_answer_keeps_the_last_saved_text(db_path: Path) -> None:
    proc = run_python(STREAMER, str(db_path), stdout=subprocess.PIPE)
    assert proc.stdout is not None
    try:
        message_id = proc.stdout.readline().strip()
        last = 0
        deadline = time.monotonic() + 30
        while last < 300 and time.monotonic() < deadline:
            last = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert last >= 300
    assert _integrity(db_path) == "ok"
    with HistoryStore(db_path) as store:
        msg = store.get_message(message_id)
        conv = store.get_conversation(msg.conversation_id)
    assert msg.status == "interrupted"
    saved = msg.text.split()
    assert len(saved) >= last  # every update reported as done was committed
    assert saved[:last] == [f"word{i}" for i in range(1, last + 1)]
    assert conv.messages[0].text == "tell me a long story"
    assert conv.message_count == 2
