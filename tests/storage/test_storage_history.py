"""CRUD on conversations and messages, id prefixes, streaming states, what is never stored."""

from __future__ import annotations

import base64
import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest
from _storage_helpers import StepClock, run_python

from mistral_chat.storage import (
    AmbiguousConversationId,
    Attachment,
    ConversationNotFound,
    HistoryError,
    HistoryStore,
    MessageNotFound,
    StreamCheckpoint,
)
from mistral_chat.storage.records import Conversation


def test_create_and_get_conversation(store: HistoryStore) -> None:
    conv = store.create_conversation(
        "mistral-small-latest", system="Be brief.", options={"temperature": 0.2}
    )
    assert len(conv.id) == 12
    got = store.get_conversation(conv.id)
    assert (got.model, got.system, got.options, got.title) == (
        "mistral-small-latest",
        "Be brief.",
        {"temperature": 0.2},
        None,
    )
    assert got.created_at == got.updated_at
    assert got.created_at.endswith("Z")
    assert got.messages == [] and got.message_count == 0


def test_ids_are_unique_and_sorted_by_creation(store: HistoryStore) -> None:
    ids = [store.create_conversation("m").id for _ in range(50)]
    assert len(set(ids)) == 50
    assert ids == sorted(ids)


def test_add_message_normalises_text_and_sets_title(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "system", "ignored for the title")
    msg = store.add_message(conv.id, "user", "\n  What is   the capital\nof France?")
    assert msg.content == [{"type": "text", "text": "\n  What is   the capital\nof France?"}]
    assert msg.seq == 2
    store.add_message(conv.id, "user", "second question does not retitle")
    got = store.get_conversation(conv.id)
    assert got.title == "What is the capital"
    assert [m.seq for m in got.messages] == [1, 2, 3]
    assert got.message_count == 3
    assert got.updated_at > got.created_at


def test_long_title_is_cut(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "user", "word " * 50)
    title = store.get_conversation(conv.id).title
    assert title is not None and len(title) <= 80 and title.endswith("…")


def test_given_title_is_kept(store: HistoryStore) -> None:
    conv = store.create_conversation("m", title="Trip planning")
    store.add_message(conv.id, "user", "hello")
    assert store.get_conversation(conv.id).title == "Trip planning"


def test_message_metadata_round_trip(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    chunks = [
        {"type": "text", "text": "What is in this picture?"},
        {"type": "image_url", "image_url": "https://example.com/cat.png"},
    ]
    att = Attachment(
        "image", "cat.png", "image/png", 1234, "ab" * 32, None, "https://example.com/cat.png"
    )
    store.add_message(
        conv.id, "user", chunks, attachments=[att, Attachment("document", file_id="f-1")]
    )
    store.add_message(
        conv.id,
        "assistant",
        "A cat.",
        model="pixtral-large-latest",
        usage={"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13},
        finish_reason="stop",
        ttft_ms=120,
        duration_ms=900,
        cost_usd=0.00042,
    )
    user, answer = store.get_conversation(conv.id).messages
    assert user.content == chunks
    assert user.attachments == [att, Attachment("document", file_id="f-1")]
    assert user.text == "What is in this picture?"
    assert (answer.model, answer.finish_reason, answer.ttft_ms, answer.duration_ms) == (
        "pixtral-large-latest",
        "stop",
        120,
        900,
    )
    assert answer.usage == {"prompt_tokens": 10, "completion_tokens": 3, "total_tokens": 13}
    assert answer.cost_usd == pytest.approx(0.00042)
    assert answer.status == "complete"


def test_bad_role_status_and_missing_conversation(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    with pytest.raises(ValueError, match="role"):
        store.add_message(conv.id, "robot", "x")
    with pytest.raises(ValueError, match="status"):
        store.add_message(conv.id, "user", "x", status="streaming")
    with pytest.raises(ConversationNotFound):
        store.add_message("nope", "user", "x")
    assert store.get_conversation(conv.id).message_count == 0


def test_error_status_is_kept(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "assistant", "partial", status="error")
    assert store.get_conversation(conv.id).messages[0].status == "error"


def test_streaming_message_lifecycle(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "user", "hi")
    msg = store.start_message(conv.id, model="m")
    assert msg.status == "streaming"
    store.update_message_text(msg.id, "Hel")
    store.update_message_text(msg.id, "Hello")
    current = store.get_message(msg.id)
    assert current.status == "streaming"  # this store is the writer
    assert current.text == "Hello"
    done = store.finish_message(
        msg.id, status="complete", usage={"total_tokens": 5}, finish_reason="stop", ttft_ms=5
    )
    assert done.status == "complete" and done.text == "Hello" and done.usage == {"total_tokens": 5}
    final = store.finish_message(msg.id, content="Hello there", status="complete")
    assert final.content == [{"type": "text", "text": "Hello there"}]


READ_STATUS = """
import sys
from mistral_chat.storage.history import HistoryStore
with HistoryStore(sys.argv[1]) as store:
    m = store.get_message(sys.argv[2])
    print(m.status, m.text)
"""


def test_streaming_message_seen_by_another_process_is_interrupted(db_path: Path) -> None:
    with HistoryStore(db_path) as writer, HistoryStore(db_path) as same_process:
        conv = writer.create_conversation("m")
        msg = writer.start_message(conv.id)
        writer.update_message_text(msg.id, "partial")
        assert same_process.get_message(msg.id).status == "streaming"
        proc = run_python(READ_STATUS, str(db_path), msg.id, stdout=subprocess.PIPE)
        out, _ = proc.communicate(timeout=30)
        assert out == "interrupted partial\n"
        assert writer.get_message(msg.id).status == "streaming"


def test_a_finished_message_is_not_updated(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    msg = store.start_message(conv.id)
    store.finish_message(msg.id, content="final")
    with pytest.raises(HistoryError, match="not streaming"):
        store.update_message_text(msg.id, "late")
    assert store.get_message(msg.id).text == "final"


def test_close_marks_unfinished_answers_interrupted(db_path: Path) -> None:
    with HistoryStore(db_path) as store:
        conv = store.create_conversation("m")
        msg = store.start_message(conv.id)
        store.update_message_text(msg.id, "half an ans")
    with sqlite3.connect(db_path) as raw:
        status = raw.execute("SELECT status FROM messages WHERE id = ?", (msg.id,)).fetchone()[0]
    raw.close()
    assert status == "interrupted"


def test_unknown_message_ids(store: HistoryStore) -> None:
    for call in (
        lambda: store.update_message_text("nope", "x"),
        lambda: store.finish_message("nope"),
        lambda: store.delete_message("nope"),
        lambda: store.get_message("nope"),
    ):
        with pytest.raises(MessageNotFound):
            call()


def test_delete_message_updates_count(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    user = store.add_message(conv.id, "user", "question")
    store.add_message(conv.id, "assistant", "answer")
    answer = store.get_conversation(conv.id).messages[1]
    store.delete_message(answer.id)
    got = store.get_conversation(conv.id)
    assert [m.id for m in got.messages] == [user.id]
    assert got.message_count == 1
    assert store.search("answer") == []


def test_setters(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.set_system(conv.id, "You are terse.")
    store.set_model(conv.id, "mistral-large-latest")
    store.set_options(conv.id, {"temperature": 1.0, "max_tokens": 10})
    store.set_title(conv.id, "Renamed")
    got = store.get_conversation(conv.id)
    assert (got.system, got.model, got.options, got.title) == (
        "You are terse.",
        "mistral-large-latest",
        {"temperature": 1.0, "max_tokens": 10},
        "Renamed",
    )
    with pytest.raises(ConversationNotFound):
        store.set_model("nope", "x")


def test_list_newest_updated_first_with_counts(store: HistoryStore) -> None:
    a = store.create_conversation("m")
    b = store.create_conversation("m")
    c = store.create_conversation("m")
    store.add_message(a.id, "user", "one")
    store.add_message(a.id, "assistant", "two")
    listed = store.list_conversations()
    assert [x.id for x in listed] == [a.id, c.id, b.id]
    assert [x.message_count for x in listed] == [2, 0, 0]
    assert [x.id for x in store.list_conversations(limit=1, offset=1)] == [c.id]
    assert store.count_conversations() == 3
    latest = store.latest_conversation()
    assert latest is not None and latest.id == a.id and len(latest.messages) == 2


def test_latest_of_empty_store(store: HistoryStore) -> None:
    assert store.latest_conversation() is None
    assert store.list_conversations() == []


def _with_ids(store: HistoryStore, *ids: str) -> list[Conversation]:
    return [
        store.import_json(
            {
                "format": "mistral-chat.conversation",
                "format_version": 1,
                "conversation": {
                    "id": i,
                    "title": None,
                    "model": "m",
                    "system": None,
                    "options": {},
                    "created_at": "2025-01-01T00:00:00.000Z",
                    "updated_at": "2025-01-01T00:00:00.000Z",
                },
                "messages": [],
            }
        )
        for i in ids
    ]


def test_prefix_lookup(store: HistoryStore) -> None:
    _with_ids(store, "abc000000001", "abc000000002", "abd000000000", "zz0000000000")
    assert store.get_conversation("abd").id == "abd000000000"
    assert store.get_conversation("ABC000000001").id == "abc000000001"
    assert store.get_conversation(" z ").id == "zz0000000000"
    with pytest.raises(AmbiguousConversationId) as info:
        store.get_conversation("ab")
    assert "abc000000001" in str(info.value) and "abd000000000" in str(info.value)
    for ref in ("abe", "", "%", "abc000000001x"):
        with pytest.raises(ConversationNotFound):
            store.get_conversation(ref)


def test_ambiguous_message_lists_five_candidates(store: HistoryStore) -> None:
    _with_ids(store, *(f"k{n:011d}" for n in range(8)))
    with pytest.raises(AmbiguousConversationId) as info:
        store.get_conversation("k")
    assert len(info.value.candidates) == 6
    assert str(info.value).count("k000") == 5
    assert "..." in str(info.value)


def test_delete_conversation_cascades(store: HistoryStore, db_path: Path) -> None:
    keep = store.create_conversation("m")
    store.add_message(keep.id, "user", "keep me")
    gone = store.create_conversation("m")
    store.add_message(gone.id, "user", "delete me", attachments=[Attachment("image", "a.png")])
    assert store.delete_conversation(gone.id[:12]) == gone.id
    with pytest.raises(ConversationNotFound):
        store.get_conversation(gone.id)
    with pytest.raises(ConversationNotFound):
        store.delete_conversation(gone.id)
    counts = [
        store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("conversations", "messages", "attachments")
    ]
    assert counts == [1, 1, 0]
    assert store.search("delete") == []
    assert [h.conversation_id for h in store.search("keep")] == [keep.id]


def test_secret_options_are_dropped(store: HistoryStore) -> None:
    conv = store.create_conversation(
        "m",
        options={
            "api_key": "sk-live-123456789",
            "Authorization": "Bearer sk-live-123456789",
            "key": "sk-live-123456789",
            "X-API-Key": "sk-live-123456789",
            "temperature": 0.5,
            "headers": {"authorization": "Bearer sk-live-123456789", "x-trace": "1"},
        },
    )
    assert conv.options == {"temperature": 0.5, "headers": {"x-trace": "1"}}
    store.set_options(conv.id, {"api_key": "sk-live-123456789", "seed": 3})
    assert store.get_conversation(conv.id).options == {"seed": 3}
    dump = "\n".join(store.conn.iterdump())
    assert "sk-live" not in dump


def test_known_secrets_are_redacted_everywhere(db_path: Path) -> None:
    key = "abcdEFGH1234secretKEY"
    with HistoryStore(db_path, secrets=[key, "short"]) as store:
        conv = store.create_conversation("m", system=f"key is {key}", title=f"t {key}")
        store.add_message(conv.id, "user", f"my key is {key}, and short stays")
        msg = store.start_message(conv.id)
        store.update_message_text(msg.id, f"echo {key}")
        store.finish_message(msg.id, usage={"note": key})
        exported = str(store.export_json(conv.id)) + store.export_markdown(conv.id)
        assert "short stays" in exported
    raw = b"".join(p.read_bytes() for p in db_path.parent.iterdir())
    assert key.encode() not in raw
    assert key not in exported
    assert "[REDACTED]" in exported


def test_inline_image_bytes_are_not_stored(db_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
    data_url = "data:image/png;base64," + base64.b64encode(png).decode()
    digest = hashlib.sha256(png).hexdigest()
    content = [{"type": "text", "text": "see"}, {"type": "image_url", "image_url": data_url}]
    att = Attachment("image", "p.png", "image/png", len(png), digest, url=data_url)
    with HistoryStore(db_path) as store:
        conv = store.create_conversation("m")
        msg = store.add_message(conv.id, "user", content, attachments=[att])
        stored = store.get_message(msg.id)
        assert (
            stored.content[1]["image_url"] == f"omitted:image/png;sha256={digest};bytes={len(png)}"
        )
        assert stored.attachments[0].url is None
        assert stored.attachments[0].sha256 == digest
    with HistoryStore(db_path, keep_inline_data=True) as store:
        msg = store.add_message(conv.id, "user", content, attachments=[att])
        assert store.get_message(msg.id).content == content
        assert store.get_message(msg.id).attachments[0].url == data_url


def test_content_must_be_json(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    with pytest.raises(TypeError):
        store.add_message(conv.id, "user", [{"type": "text", "text": object()}])
    with pytest.raises(TypeError):
        store.add_message(conv.id, "user", ["not a dict"])  # type: ignore[list-item]


def test_closed_store_refuses_use(db_path: Path) -> None:
    store = HistoryStore(db_path)
    store.close()
    store.close()
    with pytest.raises(HistoryError, match="closed"):
        store.list_conversations()


def test_stream_checkpoint_saves_once_per_interval(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    msg = store.start_message(conv.id)
    now = [0.0]
    saver = StreamCheckpoint(store, msg.id, interval_s=1.0, clock=lambda: now[0])
    saver.add("Hel")
    assert store.get_message(msg.id).text == ""
    now[0] = 1.2
    saver.add("lo")
    assert store.get_message(msg.id).text == "Hello"
    saver.add(" world")
    assert store.get_message(msg.id).text == "Hello"
    saver.flush()
    assert store.get_message(msg.id).text == "Hello world" == saver.text


def test_memory_database() -> None:
    with HistoryStore(":memory:", clock=StepClock()) as store:
        conv = store.create_conversation("m")
        store.add_message(conv.id, "user", "in memory")
        assert store.search("memory")[0].conversation_id == conv.id
