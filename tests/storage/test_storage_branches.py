"""Branches: each message follows a parent; an edited question starts a branch beside the one
it replaces; the history keeps every branch, numbered in the order they were made."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from mistral_chat.storage import db
from mistral_chat.storage.branches import branches, path_to, select_branch
from mistral_chat.storage.errors import (
    BranchNotFound,
    ExportFormatError,
    HistoryError,
    MessageNotFound,
)
from mistral_chat.storage.history import HistoryStore
from mistral_chat.storage.migrations import migrate


def _texts(messages: list) -> list[str]:  # type: ignore[type-arg]
    return [m.text for m in messages]


def _tree(store: HistoryStore) -> tuple[str, dict[str, str]]:
    """q1 a1 q2 a2, then q2 edited (q2b a2b), then q1 edited (q1c a1c), then on branch 1
    q2 edited again (q2d a2d)."""
    conv = store.create_conversation("m")
    ids: dict[str, str] = {}

    def add(name: str, role: str, parent: str | None) -> None:
        ids[name] = store.add_message(conv.id, role, name, parent_id=parent).id

    add("q1", "user", None)
    add("a1", "assistant", ids["q1"])
    add("q2", "user", ids["a1"])
    add("a2", "assistant", ids["q2"])
    add("q2b", "user", ids["a1"])
    add("a2b", "assistant", ids["q2b"])
    add("q1c", "user", None)
    add("a1c", "assistant", ids["q1c"])
    add("q2d", "user", ids["a1"])
    add("a2d", "assistant", ids["q2d"])
    return conv.id, ids


def test_a_message_follows_the_newest_by_default(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    first = store.add_message(conv.id, "user", "hello")
    answer = store.start_message(conv.id)
    assert (first.parent_id, answer.parent_id) == (None, first.id)
    assert store.get_message(answer.id).parent_id == first.id
    found = branches(store.get_conversation(conv.id).messages)
    assert [(b.number, b.fork, b.latest) for b in found] == [(1, None, True)]


def test_branches_are_numbered_in_the_order_they_were_made(store: HistoryStore) -> None:
    conv_id, _ = _tree(store)
    conv = store.get_conversation(conv_id)
    assert conv.message_count == 10  # every branch stays in the history
    found = branches(conv.messages)
    assert [_texts(b.messages) for b in found] == [
        ["q1", "a1", "q2", "a2"],
        ["q1", "a1", "q2b", "a2b"],
        ["q1c", "a1c"],
        ["q1", "a1", "q2d", "a2d"],
    ]
    assert [b.fork for b in found] == [None, 3, 1, 3]
    assert [b.latest for b in found] == [False, False, False, True]
    assert select_branch(conv.messages) == found[3]
    assert select_branch(conv.messages, 3) == found[2]


def test_continuing_an_old_branch_keeps_the_numbers_and_makes_it_the_latest(
    store: HistoryStore,
) -> None:
    conv_id, ids = _tree(store)
    store.add_message(conv_id, "user", "q3", parent_id=ids["a2b"])
    found = branches(store.get_conversation(conv_id).messages)
    assert _texts(found[1].messages) == ["q1", "a1", "q2b", "a2b", "q3"]
    assert [b.latest for b in found] == [False, True, False, False]
    assert _texts(found[3].messages)[-1] == "a2d"


def test_a_parent_must_be_a_message_of_the_same_conversation(store: HistoryStore) -> None:
    conv_id, ids = _tree(store)
    other = store.create_conversation("m")
    with pytest.raises(HistoryError, match="is in conversation"):
        store.add_message(other.id, "user", "x", parent_id=ids["q1"])
    with pytest.raises(MessageNotFound):
        store.start_message(conv_id, parent_id="nosuchmessag")
    assert store.get_conversation(conv_id).message_count == 10


def test_deleting_a_message_reattaches_what_followed_it(store: HistoryStore) -> None:
    conv_id, ids = _tree(store)
    store.delete_message(ids["q2b"])  # /undo deletes the question first, then its answer
    assert store.get_message(ids["a2b"]).parent_id == ids["a1"]
    store.delete_message(ids["a2b"])
    found = branches(store.get_conversation(conv_id).messages)
    assert [_texts(b.messages)[-1] for b in found] == ["a2", "a1c", "a2d"]


def test_a_long_conversation_deletes_in_one_go(store: HistoryStore) -> None:
    # each deleted message re-parents its child: no recursion per message, where a cascade on
    # parent_id would stop at SQLite's trigger depth limit (1000)
    conv = store.create_conversation("m")
    rows = [(f"m{i:011d}", conv.id, i + 1, f"m{i - 1:011d}" if i else None) for i in range(3000)]
    with db.transaction(store.conn):
        store.conn.executemany(
            "INSERT INTO messages (id, conversation_id, seq, role, content, created_at,"
            " updated_at, parent_id) VALUES (?, ?, ?, 'user', '[]', 'x', 'x', ?)",
            rows,
        )
    assert len(select_branch(store.get_conversation(conv.id).messages).messages) == 3000  # type: ignore[union-attr]
    store.delete_conversation(conv.id)
    assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 0


def test_path_to_a_message(store: HistoryStore) -> None:
    conv_id, ids = _tree(store)
    messages = store.get_conversation(conv_id).messages
    assert _texts(path_to(messages, ids["q2b"])) == ["q1", "a1", "q2b"]
    with pytest.raises(MessageNotFound):
        path_to(messages, "nosuchmessag")


def test_a_branch_number_out_of_range(store: HistoryStore) -> None:
    conv_id, _ = _tree(store)
    with pytest.raises(BranchNotFound, match="no branch 5; this conversation has branches 1 to 4"):
        store.export_markdown(conv_id, branch=5)
    empty = store.create_conversation("m")
    assert select_branch(store.get_conversation(empty.id).messages) is None


def test_json_export_keeps_every_branch(store: HistoryStore, tmp_path: Path) -> None:
    conv_id, ids = _tree(store)
    doc = store.export_json(conv_id)
    assert len(doc["messages"]) == 10
    assert {m["id"]: m["parent_id"] for m in doc["messages"]}[ids["q2d"]] == ids["a1"]
    with HistoryStore(tmp_path / "other.db") as other:
        other.import_json(json.loads(json.dumps(doc)))
        assert other.export_json(conv_id) == doc
        again = branches(other.get_conversation(conv_id).messages)
        assert [_texts(b.messages)[-1] for b in again] == ["a2", "a2b", "a1c", "a2d"]


def test_a_version_1_export_reads_as_one_branch(store: HistoryStore, tmp_path: Path) -> None:
    conv = store.create_conversation("m")
    for role, text in (("user", "q"), ("assistant", "a"), ("user", "q2")):
        store.add_message(conv.id, role, text)
    doc = store.export_json(conv.id)
    doc["format_version"] = 1
    for m in doc["messages"]:
        del m["parent_id"]
    with HistoryStore(tmp_path / "other.db") as other:
        found = branches(other.import_json(doc).messages)
        assert [_texts(b.messages) for b in found] == [["q", "a", "q2"]]


@pytest.mark.parametrize("parent", ["nosuchmessag", "self", "later"])
def test_an_export_whose_parents_do_not_form_a_tree_is_refused(
    store: HistoryStore, tmp_path: Path, parent: str
) -> None:
    conv_id, _ = _tree(store)
    doc = copy.deepcopy(store.export_json(conv_id))
    first, last = doc["messages"][0], doc["messages"][-1]
    first["parent_id"] = {"self": first["id"], "later": last["id"]}.get(parent, parent)
    with HistoryStore(tmp_path / "other.db") as other:
        with pytest.raises(ExportFormatError, match="not an earlier message"):
            other.import_json(doc)
        assert other.count_conversations() == 0


def test_markdown_shows_the_latest_branch_and_says_there_are_others(
    store: HistoryStore,
) -> None:
    conv_id, _ = _tree(store)
    md = store.export_markdown(conv_id)
    assert "- branch 4 of 4, from message 3, the latest (`history export ID --branch N`" in md
    assert "q2d" in md and "q2b" not in md and "q1c" not in md
    first = store.export_markdown(conv_id, branch=1)
    assert "- branch 1 of 4 (" in first and "a2\n" in first and "q2d" not in first


def test_a_database_from_before_branches_gets_linear_parents(db_path: Path) -> None:
    conn = db.connect(db_path)
    try:
        migrate(conn, target=2)
        conn.execute(
            "INSERT INTO conversations (id, title, model, options, created_at, updated_at)"
            " VALUES ('conv00000001', 't', 'm', '{}', 'x', 'x'),"
            " ('conv00000002', 't', 'm', '{}', 'x', 'x')"
        )
        for n, (conv, seq) in enumerate([(1, 1), (2, 1), (1, 2), (2, 2), (1, 3)]):
            conn.execute(
                "INSERT INTO messages (id, conversation_id, seq, role, content, text,"
                " created_at, updated_at) VALUES (?, ?, ?, 'user', '[]', '', 'x', 'x')",
                (f"msg{n:09d}", f"conv0000000{conv}", seq),
            )
    finally:
        conn.close()
    with HistoryStore(db_path) as store:
        one = store.get_conversation("conv00000001").messages
        assert [(m.id, m.parent_id) for m in one] == [
            ("msg000000000", None),
            ("msg000000002", "msg000000000"),
            ("msg000000004", "msg000000002"),
        ]
        two = store.get_conversation("conv00000002").messages
        assert [m.parent_id for m in two] == [None, "msg000000001"]
