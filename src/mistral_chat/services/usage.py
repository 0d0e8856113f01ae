"""`mistral-chat usage`: tokens and estimated cost from the history, by model, day or conversation.

The sums come from the history store (`HistoryStore.usage`); this module reads the user's
``--since`` (a date or a number of days back, in local time), orders the groups the way each
reads best (days in order, models and conversations biggest first) and totals them.

    >>> since_moment("2026-11-01", now=datetime(2026, 11, 28, 12, tzinfo=UTC)).date_text
    '2026-11-01'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_chat.storage import HistoryStore, UsageRow

__all__ = ["GROUPS", "Since", "UsageReport", "since_moment", "usage_report"]

GROUPS = ("model", "day", "conversation")
_DAYS = re.compile(r"(\d{1,5})\s*d(?:ays?)?", re.IGNORECASE)


class InvalidSince(UsageError, ValueError):
    """A --since that is neither a date nor a number of days."""


@dataclass(frozen=True)
class Since:
    """The start of the period: its local date as typed, and the UTC moment the store compares."""

    date_text: str
    utc: str  # ISO, as the store writes created_at ("2026-11-01T00:00:00.000Z")


def since_moment(text: str, *, now: datetime | None = None) -> Since:
    """``2026-11-01`` (that day, local time), ``7d`` (seven days ago, today counted), ``today``."""
    now = (now or datetime.now(UTC)).astimezone()
    raw = text.strip().lower()
    days = _DAYS.fullmatch(raw)
    if raw in ("today", "yesterday"):
        day = now.date() - timedelta(days=raw == "yesterday")
    elif days:
        day = now.date() - timedelta(days=max(int(days[1]) - 1, 0))
    else:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise InvalidSince(
                f"--since {text!r}: give a date like 2026-11-01, a number of days like 7d, or today"
            ) from None
    start = datetime(day.year, day.month, day.day).astimezone()  # local midnight
    utc = start.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Since(day.isoformat(), utc)


@dataclass(frozen=True)
class UsageReport:
    """The groups' sums, in reading order, and their total."""

    by: str
    since: Since | None
    rows: list[UsageRow]

    @property
    def answers(self) -> int:
        return sum(r.answers for r in self.rows)

    @property
    def prompt_tokens(self) -> int:
        return sum(r.prompt_tokens for r in self.rows)

    @property
    def completion_tokens(self) -> int:
        return sum(r.completion_tokens for r in self.rows)

    @property
    def cost_usd(self) -> float | None:
        costs = [r.cost_usd for r in self.rows if r.cost_usd is not None]
        return sum(costs) if costs else None

    @property
    def unpriced(self) -> int:
        """Answers with no cost estimate (a model without a known list price)."""
        return sum(r.answers - r.priced for r in self.rows)


def usage_report(store: HistoryStore, by: str = "model", since: Since | None = None) -> UsageReport:
    """The usage of the answers in ``store`` since ``since``, summed by ``by``."""
    rows = store.usage(by, since.utc if since else None)
    if by != "day":  # the biggest first; days read in order
        rows.sort(key=lambda r: (-r.total_tokens, -(r.cost_usd or 0.0), r.key))
    return UsageReport(by, since, rows)
