"""The semantic index: one vector per history message, in its own SQLite file.

``embeddings.db`` sits beside ``history.db`` and holds ``vectors``: ``message_id``, the
``model`` that made the vector, the ``sha`` of the text it was made from (a changed text is
embedded again), its sign ``bits`` (one bit a dimension, for a fast first pass) and the
``vector`` itself (float32, little-endian). History never depends on it: deleting the file
only means the next semantic search embeds everything again.

Search is two passes, both without SQLite extensions (this project's Python, like many, cannot
load them): the Hamming distance of the sign bits over every vector (`int.bit_count`), then
the exact cosine of the best candidates.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from mistral_chat.storage import db

__all__ = ["IndexedHit", "SemanticIndex", "describe_hits", "sign_bits", "text_sha"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vectors (
    message_id TEXT PRIMARY KEY,
    model      TEXT NOT NULL,
    sha        TEXT NOT NULL,
    bits       BLOB NOT NULL,
    vector     BLOB NOT NULL
);
"""


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def sign_bits(vector: Sequence[float]) -> int:
    """Bit i set when dimension i is positive."""
    bits = 0
    for i, x in enumerate(vector):
        if x > 0:
            bits |= 1 << i
    return bits


def _floats(vector: Sequence[float]) -> bytes:
    packed = array("f", vector)
    if sys.byteorder != "little":
        packed.byteswap()
    return packed.tobytes()


def _unpack(blob: bytes) -> array[float]:
    values = array("f")
    values.frombytes(blob)
    if sys.byteorder != "little":
        values.byteswap()
    return values


@dataclass
class IndexedHit:
    """A message found by meaning, with what the results table shows."""

    message_id: str
    conversation_id: str
    title: str | None
    role: str
    created_at: str
    snippet: str
    score: float


class SemanticIndex:
    """Vectors of history messages (see the module's docstring for the data model)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.conn = db.connect(path)
        self.conn.executescript(_SCHEMA)

    def close(self) -> None:
        self.conn.close()

    def stale(
        self, history: sqlite3.Connection, model: str
    ) -> tuple[list[tuple[str, str, str]], list[str]]:
        """(messages to embed as (id, sha, text), ids to forget): new or changed texts, and
        vectors of messages deleted from history or made by another model."""
        known = dict(
            self.conn.execute("SELECT message_id, sha FROM vectors WHERE model = ?", (model,))
        )
        todo: list[tuple[str, str, str]] = []
        seen: set[str] = set()
        for message_id, text in history.execute(
            "SELECT id, text FROM messages WHERE status != 'streaming' AND trim(text) != ''"
        ):
            seen.add(message_id)
            sha = text_sha(text)
            if known.get(message_id) != sha:
                todo.append((message_id, sha, text))
        gone = [m for (m,) in self.conn.execute("SELECT message_id FROM vectors") if m not in seen]
        gone += [
            m
            for (m,) in self.conn.execute(
                "SELECT message_id FROM vectors WHERE model != ?", (model,)
            )
            if m in seen
        ]
        return todo, gone

    def put(self, model: str, items: Iterable[tuple[str, str, Sequence[float]]]) -> None:
        with self.conn:
            self.conn.executemany(
                "INSERT OR REPLACE INTO vectors (message_id, model, sha, bits, vector)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (m, model, sha, sign_bits(v).to_bytes(-(-len(v) // 8), "little"), _floats(v))
                    for m, sha, v in items
                ],
            )

    def forget(self, message_ids: Iterable[str]) -> None:
        with self.conn:
            self.conn.executemany(
                "DELETE FROM vectors WHERE message_id = ?", [(m,) for m in message_ids]
            )

    def count(self, model: str) -> int:
        row = self.conn.execute("SELECT count(*) FROM vectors WHERE model = ?", (model,))
        return int(row.fetchone()[0])

    def nearest(
        self, model: str, query: Sequence[float], limit: int, candidates: int = 200
    ) -> list[tuple[str, float]]:
        """The `limit` messages nearest to `query` by cosine, best first."""
        q_bits = sign_bits(query)
        rows = self.conn.execute(
            "SELECT message_id, bits FROM vectors WHERE model = ?", (model,)
        ).fetchall()
        from_bytes = int.from_bytes
        ranked = sorted(rows, key=lambda r: (q_bits ^ from_bytes(r[1], "little")).bit_count())
        shortlist = [m for m, _ in ranked[: max(candidates, limit)]]
        norm = sum(x * x for x in query) ** 0.5 or 1.0
        scored: list[tuple[str, float]] = []
        for i in range(0, len(shortlist), 500):
            part = shortlist[i : i + 500]
            marks = ",".join("?" * len(part))
            for message_id, blob in self.conn.execute(
                f"SELECT message_id, vector FROM vectors WHERE message_id IN ({marks})", part
            ):
                vector = _unpack(blob)
                dot = sum(a * b for a, b in zip(query, vector, strict=False))
                size = sum(x * x for x in vector) ** 0.5 or 1.0
                scored.append((message_id, dot / norm / size))
        scored.sort(key=lambda pair: pair[1], reverse=True)
        return scored[:limit]


def describe_hits(history: sqlite3.Connection, found: list[tuple[str, float]]) -> list[IndexedHit]:
    """The found messages with their conversation, role, time and an excerpt, in order."""
    if not found:
        return []
    marks = ",".join("?" * len(found))
    rows = {
        row[0]: row
        for row in history.execute(
            "SELECT m.id, m.conversation_id, c.title, m.role, m.created_at, m.text"
            " FROM messages m JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE m.id IN ({marks})",
            [m for m, _ in found],
        )
    }
    hits = []
    for message_id, score in found:
        row = rows.get(message_id)
        if row is None:
            continue
        text = " ".join(str(row[5]).split())
        snippet = text if len(text) <= 120 else text[:119] + "…"
        hits.append(IndexedHit(message_id, row[1], row[2], row[3], row[4], snippet, score))
    return hits
