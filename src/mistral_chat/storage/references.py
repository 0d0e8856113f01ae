"""Which kept files the history still refers to (the images beside `history.db`).

The history records each attachment's sha256 (`attachments.sha256`); the kept image bytes are
named by it (`services.image_store`). After conversations are deleted or replaced, the images
that no remaining message refers to can go.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

__all__ = ["referenced_hashes"]

_BATCH = 500  # well under SQLite's limit on bound parameters


def referenced_hashes(history: sqlite3.Connection, hashes: Iterable[str]) -> set[str]:
    """The members of `hashes` that some attachment in the history still has."""
    wanted = sorted(set(hashes))
    found: set[str] = set()
    for i in range(0, len(wanted), _BATCH):
        part = wanted[i : i + _BATCH]
        marks = ",".join("?" * len(part))
        found.update(
            row[0]
            for row in history.execute(
                f"SELECT DISTINCT sha256 FROM attachments WHERE sha256 IN ({marks})", part
            )
        )
    return found
