"""The usage part of `HistoryStore`: tokens and estimated cost of the answers, summed by group.

Every answer the history keeps carries the API's ``usage`` (JSON) and the ``cost_usd``
estimated at list prices when it was received; this sums them per model, per local day or
per conversation. Answers the API gave no usage for (an interrupted stream) count as answers
with no tokens.
"""

from __future__ import annotations

from typing import Final

from mistral_chat.storage._store import StoreBase
from mistral_chat.storage.records import UsageRow

__all__ = ["USAGE_GROUPS", "UsageMethods"]

#: what answers can be summed by, and the SQL of each group's key and label
_GROUPS: Final = {
    "model": ("coalesce(m.model, c.model)", "coalesce(m.model, c.model)"),
    "day": ("date(m.created_at, 'localtime')", "date(m.created_at, 'localtime')"),
    "conversation": ("m.conversation_id", "coalesce(c.title, '(untitled)')"),
}
USAGE_GROUPS: Final = tuple(_GROUPS)
_TOKENS = "coalesce(json_extract(m.usage, '$.{}'), 0)"


class UsageMethods(StoreBase):
    """`HistoryStore`'s usage sums."""

    def usage(self, by: str = "model", since: str | None = None) -> list[UsageRow]:
        """Answers, their prompt and completion tokens and their summed cost, per ``by``
        (``model``, ``day`` or ``conversation``), for answers created at or after ``since``
        (an ISO timestamp in UTC, as the store writes them), in key order."""
        if by not in _GROUPS:
            raise ValueError(f"cannot sum usage by {by!r}; choose one of {', '.join(_GROUPS)}")
        key, label = _GROUPS[by]
        where = "m.role = 'assistant'" + (" AND m.created_at >= ?" if since else "")
        rows = self.conn.execute(
            f"SELECT {key} AS key, {label} AS label, count(*) AS answers,"
            f" sum({_TOKENS.format('prompt_tokens')}) AS prompt_tokens,"
            f" sum({_TOKENS.format('completion_tokens')}) AS completion_tokens,"
            " sum(m.cost_usd) AS cost_usd, count(m.cost_usd) AS priced,"
            " min(m.created_at) AS first_at, max(m.created_at) AS last_at"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {where} GROUP BY {key} ORDER BY {key}",
            (since,) if since else (),
        ).fetchall()
        return [
            UsageRow(
                key=str(row["key"]),
                label=str(row["label"]),
                answers=int(row["answers"]),
                prompt_tokens=int(row["prompt_tokens"] or 0),
                completion_tokens=int(row["completion_tokens"] or 0),
                cost_usd=row["cost_usd"],
                priced=int(row["priced"]),
                first_at=str(row["first_at"]),
                last_at=str(row["last_at"]),
            )
            for row in rows
        ]
