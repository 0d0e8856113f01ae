"""Helpers that break local state on purpose, shared by the storage and CLI tests."""

from __future__ import annotations

import sqlite3
from pathlib import Path

__all__ = ["damage_page_holding"]


def damage_page_holding(path: Path, marker: bytes) -> None:
    """Overwrite the database page that holds `marker` with garbage, as a failing disk would
    (the WAL is folded into the file first, so the page is there)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    data = bytearray(path.read_bytes())
    start = data.index(marker) // size * size
    data[start : start + size] = b"\xff" * size
    path.write_bytes(bytes(data))
