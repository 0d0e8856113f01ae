"""Markdown and JSON exports; the JSON export reads back to the same rows."""

from __future__ import annotations

import copy
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from _storage_helpers import StepClock

from mistral_chat.storage import Attachment, ExportFormatError, HistoryError, HistoryStore
from mistral_chat.storage.export import FORMAT_VERSION
from mistral_chat.storage.migrations import SCHEMA_VERSION


def _fill(store: HistoryStore) -> str:
    conv = store.create_conversation(
        "pixtral-large-latest", system="Answer in French.", options={"temperature": 0.3}
    )
    store.add_message(
        conv.id,
        "user",
        [
            {"type": "text", "text": "Décris cette image"},
            {"type": "image_url", "image_url": "https://example.com/tour.jpg"},
        ],
        attachments=[
            Attachment("image", "tour.jpg", "image/jpeg", 204_800, "c" * 64),
            Attachment("document", "notes.pdf", "application/pdf", 1200, file_id="file-abc"),
        ],
    )
    store.add_message(
        conv.id,
        "assistant",
        "C'est la tour Eiffel.",
        model="pixtral-large-latest",
        usage={"prompt_tokens": 1200, "completion_tokens": 8, "total_tokens": 1208},
        finish_reason="stop",
        ttft_ms=310,
        duration_ms=1500,
        cost_usd=0.0025,
    )
    store.add_message(conv.id, "user", "Et la hauteur ?")
    partial = store.start_message(conv.id, model="pixtral-large-latest")
    store.update_message_text(partial.id, "Elle mesure")
    store.finish_message(partial.id, status="interrupted", ttft_ms=200)
    return conv.id


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return {
            "conversations": conn.execute("SELECT * FROM conversations ORDER BY id").fetchall(),
            "messages": conn.execute(
                "SELECT id, conversation_id, seq, role, content, text, model, status, usage,"
                " finish_reason, ttft_ms, duration_ms, cost_usd, created_at, updated_at,"
                " parent_id FROM messages ORDER BY id"
            ).fetchall(),
            "attachments": conn.execute(
                "SELECT * FROM attachments ORDER BY message_id, position"
            ).fetchall(),
        }
    finally:
        conn.close()


def test_json_round_trip_gives_the_same_rows(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "history.db", tmp_path / "b" / "history.db"
    with HistoryStore(first, clock=StepClock()) as store:
        conv_id = _fill(store)
        doc = store.export_json(conv_id)
    text = json.dumps(doc)  # the document is plain JSON
    with HistoryStore(second) as store:
        imported = store.import_json(json.loads(text))
        assert imported.id == conv_id
        assert store.export_json(conv_id) == doc
    assert _rows(first) == _rows(second)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["format_version"] == FORMAT_VERSION == 2
    assert [m["parent_id"] for m in doc["messages"]] == [
        None,
        *(m["id"] for m in doc["messages"][:-1]),
    ]
    assert doc["messages"][3]["status"] == "interrupted"
    assert doc["messages"][0]["attachments"][1]["file_id"] == "file-abc"


def test_import_refuses_existing_id_unless_replacing(store: HistoryStore) -> None:
    conv_id = _fill(store)
    doc = store.export_json(conv_id)
    with pytest.raises(HistoryError, match="already exists"):
        store.import_json(doc)
    doc2 = copy.deepcopy(doc)
    doc2["conversation"]["title"] = "Renamed"
    assert store.import_json(doc2, replace=True).title == "Renamed"
    assert store.count_conversations() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format_version=3), "newer"),
        (lambda d: d.update(format="something"), "not a mistral-chat"),
        (lambda d: d.pop("format_version"), "format_version"),
        (lambda d: d["conversation"].pop("id"), "'id'"),
        (lambda d: d["messages"][0].update(role="wizard"), "role"),
        (lambda d: d["messages"][0].update(seq="1"), "'seq'"),
        (lambda d: d["messages"][1].update(seq=1), "same seq"),
        (lambda d: d["messages"][0]["attachments"].append("x"), "attachment"),
        (lambda d: d["messages"][1].update(cost_usd="free"), "cost_usd"),
    ],
)
def test_import_refuses_bad_documents(
    tmp_path: Path, store: HistoryStore, change: Any, message: str
) -> None:
    doc = store.export_json(_fill(store))
    change(doc)
    with HistoryStore(tmp_path / "other.db") as other:
        with pytest.raises(ExportFormatError, match=message):
            other.import_json(doc)
        assert other.count_conversations() == 0


def test_import_drops_secret_options(store: HistoryStore, tmp_path: Path) -> None:
    doc = store.export_json(_fill(store))
    doc["conversation"]["options"]["api_key"] = "sk-should-not-land"
    with HistoryStore(tmp_path / "other.db") as other:
        assert "api_key" not in other.import_json(doc).options


def test_markdown_transcript(store: HistoryStore) -> None:
    md = store.export_markdown(_fill(store))
    assert md.startswith("# Décris cette image\n")
    assert "- model: `pixtral-large-latest`" in md
    assert "## System\n\nAnswer in French." in md
    assert "## User · " in md and "## Assistant (pixtral-large-latest) · " in md
    assert "- image `tour.jpg` (image/jpeg, 204.8 kB, sha256 cccccccccccc…)" in md
    assert "- document `notes.pdf` (application/pdf, 1.2 kB, file file-abc)" in md
    assert "C'est la tour Eiffel." in md
    assert "1200 prompt + 8 completion tokens" in md and "first token 310 ms" in md
    assert "· interrupted" in md and "Elle mesure" in md
    assert "temperature=0.3" in md
    assert "- estimated cost: $0.0025\n" in md and ", $0.0025_" in md
    assert md.endswith("\n") and not md.endswith("\n\n")
