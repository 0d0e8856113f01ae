"""The history store at the edges: odd text, odd ids, read-only files, several stores."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from _storage_helpers import StepClock

from mistral_chat.storage import (
    ConversationNotFound,
    HistoryCorruptError,
    HistoryError,
    HistoryStore,
)

# what a terminal with the wrong locale hands Python for the bytes b"caf\xe9" (surrogateescape)
BROKEN = "caf\udce9 au lait"


# -- text SQLite cannot hold ---------------------------------------------------------------------


def test_lone_surrogates_are_stored_as_replacement_characters(store: HistoryStore) -> None:
    # before: UnicodeEncodeError from sqlite3 in every one of these, losing the message
    conv = store.create_conversation("m", system=f"sys {BROKEN}", title=BROKEN)
    assert conv.title == "caf\ufffd au lait" and conv.system == "sys caf\ufffd au lait"
    added = store.add_message(conv.id, "user", BROKEN)
    chunks = store.add_message(conv.id, "user", [{"type": "text", "text": "x\ud800"}])
    reply = store.start_message(conv.id, model="m")
    store.update_message_text(reply.id, f"so far {BROKEN}")
    assert store.get_message(reply.id).content[0]["text"] == "so far caf\ufffd au lait"
    store.finish_message(reply.id, content=f"done {BROKEN}", usage={"note\udcff": "v\udcff"})
    store.set_title(conv.id, f"new {BROKEN}")
    store.set_options(conv.id, {"opt": BROKEN})
    loaded = store.get_conversation(conv.id)
    assert [m.content[0]["text"] for m in loaded.messages] == [
        "caf\ufffd au lait",
        "x\ufffd",
        "done caf\ufffd au lait",
    ]
    assert loaded.messages[2].usage == {"note\ufffd": "v\ufffd"}
    assert loaded.options == {"opt": "caf\ufffd au lait"}
    assert added.id and chunks.id
    hits = store.search(BROKEN)
    assert {h.message_id for h in hits} == {added.id, reply.id, None}  # None: the system prompt
    with pytest.raises(ConversationNotFound):
        store.resolve_id("\udce9")


def test_valid_surrogate_free_unusual_text_round_trips(store: HistoryStore) -> None:
    text = "👩‍👩‍👧 ﬁ é e\u0301 \u202eRTL\u202c nul\x00here \U0010ffff"
    conv = store.create_conversation("m")
    message = store.add_message(conv.id, "user", text)
    assert store.get_message(message.id).content[0]["text"] == text
    assert [h.message_id for h in store.search("nul")] == [message.id]


def test_very_long_text_is_stored_and_searched(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    long = "word " * 400_000 + "needle"
    message = store.add_message(conv.id, "user", long)
    assert store.get_message(message.id).content[0]["text"] == long
    assert [h.message_id for h in store.search("needle")] == [message.id]
    assert store.search("x" * 1_000_000) == []


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\x00", '"', "*", "NEAR(", "AND OR NOT"])
def test_search_of_nothing_or_of_operators_is_not_an_error(store: HistoryStore, text: str) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "user", "some words here")
    assert store.search(text) == []


@pytest.mark.parametrize("ref", ["%", "_", "*", "[", "[0-9]*", "?", "\\", "'", "\x00"])
def test_resolve_id_treats_like_and_glob_characters_as_themselves(
    store: HistoryStore, ref: str
) -> None:
    conv = store.create_conversation("m")
    with pytest.raises(ConversationNotFound):
        store.resolve_id(ref)
    with pytest.raises(ConversationNotFound):
        store.resolve_id(conv.id[:3] + ref)
    assert store.resolve_id(conv.id[:4].upper()) == conv.id


# -- lifecycle ------------------------------------------------------------------------------------


def test_use_after_close_is_a_history_error_and_close_twice_is_harmless(
    store: HistoryStore,
) -> None:
    conv = store.create_conversation("m")
    store.close()
    store.close()
    for call in (
        lambda: store.create_conversation("m"),
        lambda: store.search("x"),
        lambda: store.resolve_id(conv.id),
        lambda: store.list_conversations(),
    ):
        with pytest.raises(HistoryError, match="closed"):
            call()


def test_two_stores_on_one_file_see_each_other(db_path: Path) -> None:
    with (
        HistoryStore(db_path, clock=StepClock()) as one,
        HistoryStore(db_path, clock=StepClock()) as two,
    ):
        conv = one.create_conversation("m")
        two.add_message(conv.id, "user", "from two")
        one.add_message(conv.id, "assistant", "from one")
        assert [m.seq for m in two.get_conversation(conv.id).messages] == [1, 2]
        reply = two.start_message(conv.id)
        assert one.get_message(reply.id).status == "streaming"
    with HistoryStore(db_path) as three:
        assert three.get_message(reply.id).status == "interrupted"


def test_a_missing_directory_is_created(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "history.db"
    with HistoryStore(path) as store:
        store.create_conversation("m")
    assert path.is_file()


# -- read-only files -----------------------------------------------------------------------------


def open_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Open every database from now on as SQLite opens a file it may not write (tests run as
    root, for whom chmod 444 changes nothing)."""
    real = sqlite3.connect

    def connect(target: str, **kwargs: Any) -> sqlite3.Connection:
        return real(f"file:{target}?mode=ro", uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)


def test_a_read_only_database_reads_and_refuses_writes_as_a_history_error(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with HistoryStore(db_path) as writable:
        conv = writable.create_conversation("m", title="kept")
        writable.add_message(conv.id, "user", "hello there")
    open_read_only(monkeypatch)
    with HistoryStore(db_path) as store:
        assert store.get_conversation(conv.id).title == "kept"
        assert len(store.search("hello")) == 1
        # before: sqlite3.OperationalError, which the CLI reports as an internal error (a bug)
        with pytest.raises(HistoryError, match="read-only") as info:
            store.add_message(conv.id, "user", "more")
        assert str(db_path) in str(info.value)
        with pytest.raises(HistoryError, match="read-only"):
            store.create_conversation("m")
        with pytest.raises(HistoryError, match="read-only"):
            store.update_message_text("nope", "x")


def test_a_new_read_only_file_is_not_called_corrupt(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    open_read_only(monkeypatch)
    # before: HistoryCorruptError "... is not a usable history database ...; move it aside"
    with pytest.raises(HistoryError, match="read-only") as info:
        HistoryStore(db_path)
    assert not isinstance(info.value, HistoryCorruptError)
