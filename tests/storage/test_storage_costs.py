"""A conversation's estimated cost: the sum of its messages' cost_usd, None when none has one."""

from __future__ import annotations

import pytest

from mistral_chat.storage import HistoryStore


def test_listed_conversations_carry_the_sum_of_their_costs(store: HistoryStore) -> None:
    mixed = store.create_conversation("m")
    store.add_message(mixed.id, "user", "q1")
    store.add_message(mixed.id, "assistant", "a1", cost_usd=0.0015)
    store.add_message(mixed.id, "user", "q2")
    store.add_message(mixed.id, "assistant", "a2", cost_usd=None)  # model without a list price
    store.add_message(mixed.id, "assistant", "a3", status="error", cost_usd=0.00025)
    unpriced = store.create_conversation("m")
    store.add_message(unpriced.id, "user", "q")
    store.add_message(unpriced.id, "assistant", "a")
    free = store.create_conversation("m")
    store.add_message(free.id, "assistant", "a", cost_usd=0.0)
    empty = store.create_conversation("m")

    costs = {c.id: c.cost_usd for c in store.list_conversations()}

    assert costs[mixed.id] == pytest.approx(0.00175)
    assert costs[unpriced.id] is None
    assert costs[empty.id] is None
    assert costs[free.id] == 0.0 and isinstance(costs[free.id], float)  # zero is a cost, not None
    for conv_id, cost in costs.items():
        assert store.get_conversation(conv_id).cost_usd == cost
    latest = store.latest_conversation()
    assert latest is not None and latest.id == empty.id and latest.cost_usd is None


def test_each_page_row_gets_its_own_cost(store: HistoryStore) -> None:
    ids = []
    for i in range(1, 8):
        conv = store.create_conversation("m")
        store.add_message(conv.id, "assistant", "a", cost_usd=i / 1000)
        store.add_message(conv.id, "assistant", "b", cost_usd=i / 1000)
        ids.append(conv.id)
    newest_first = ids[::-1]

    page = store.list_conversations(limit=3, offset=2)

    assert [c.id for c in page] == newest_first[2:5]
    assert [c.cost_usd for c in page] == pytest.approx([0.010, 0.008, 0.006])
    assert [c.message_count for c in page] == [2, 2, 2]


def test_deleted_messages_leave_the_sum(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    first = store.add_message(conv.id, "assistant", "a", cost_usd=0.002)
    second = store.add_message(conv.id, "assistant", "b", cost_usd=0.003)

    store.delete_message(second.id)
    assert store.list_conversations()[0].cost_usd == pytest.approx(0.002)
    store.delete_message(first.id)
    assert store.list_conversations()[0].cost_usd is None
    store.delete_conversation(conv.id)
    assert store.list_conversations() == []


def test_a_streamed_answer_counts_once_finished_with_a_cost(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    store.add_message(conv.id, "user", "q", cost_usd=None)
    reply = store.start_message(conv.id, model="m")
    store.update_message_text(reply.id, "partial")
    assert store.list_conversations()[0].cost_usd is None

    store.finish_message(reply.id, status="interrupted", cost_usd=0.0004)
    assert store.list_conversations()[0].cost_usd == pytest.approx(0.0004)


def test_new_and_imported_conversations(store: HistoryStore) -> None:
    conv = store.create_conversation("m")
    assert conv.cost_usd is None
    store.add_message(conv.id, "assistant", "a", cost_usd=0.001)
    store.add_message(conv.id, "assistant", "b", cost_usd=0.002)
    doc = store.export_json(conv.id)
    assert "cost_usd" not in doc["conversation"]  # the export format is unchanged

    imported = store.import_json(doc, replace=True)

    assert imported.cost_usd == pytest.approx(0.003)
