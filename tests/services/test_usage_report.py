"""Usage sums: the store's SQL, the order groups read in, and what --since means."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mistral_chat.services.usage import InvalidSince, since_moment, usage_report
from mistral_chat.storage.history import HistoryStore


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _answer(
    store: HistoryStore, conv: str, model: str, tokens: tuple[int, int], cost: float | None
) -> None:
    usage = {"prompt_tokens": tokens[0], "completion_tokens": tokens[1]}
    store.add_message(conv, "user", "q")
    store.add_message(conv, "assistant", "a", model=model, usage=usage, cost_usd=cost)


def test_groups_sum_tokens_and_costs(tmp_path: Path, paris: None) -> None:
    clock = Clock()
    with HistoryStore(tmp_path / "history.db", clock=clock) as store:
        first = store.create_conversation("mistral-small-latest", title="First")
        _answer(store, first.id, "mistral-small-latest", (10, 20), 0.001)
        _answer(store, first.id, "mistral-large-latest", (100, 200), 0.01)
        clock.now += timedelta(hours=2)  # 00:30 in Paris: the next local day
        second = store.create_conversation("m", title="Second")
        _answer(store, second.id, "mistral-small-latest", (1, 2), None)  # no price known
        store.add_message(second.id, "assistant", "cut off", model="mistral-small-latest")

        by_model = usage_report(store, "model")
        assert [(r.key, r.answers, r.total_tokens) for r in by_model.rows] == [
            ("mistral-large-latest", 1, 300),
            ("mistral-small-latest", 3, 33),
        ]
        small = by_model.rows[1]
        assert small.cost_usd == pytest.approx(0.001) and small.priced == 1
        assert by_model.unpriced == 2 and by_model.cost_usd == pytest.approx(0.011)
        by_day = usage_report(store, "day")
        assert [(r.key, r.answers) for r in by_day.rows] == [("2026-11-27", 2), ("2026-11-28", 2)]
        by_conv = usage_report(store, "conversation")
        assert [r.label for r in by_conv.rows] == ["First", "Second"]
        since = since_moment("2026-11-28", now=clock.now)
        assert since.utc == "2026-11-27T23:00:00.000Z"  # midnight in Paris
        assert [r.key for r in usage_report(store, "conversation", since).rows] == [second.id]
        with pytest.raises(ValueError, match="cannot sum usage by 'week'"):
            store.usage("week")


def test_since_reads_dates_days_and_today(paris: None) -> None:
    now = datetime(2026, 11, 28, 12, tzinfo=UTC)
    assert since_moment("7d", now=now).date_text == "2026-11-22"  # today and 6 days before
    assert since_moment("1d", now=now).date_text == "2026-11-28"
    assert since_moment("today", now=now).date_text == "2026-11-28"
    assert since_moment("yesterday", now=now).date_text == "2026-11-27"
    for bad in ("nope", "2026-13-01", "-3d"):
        with pytest.raises(InvalidSince):
            since_moment(bad, now=now)
