"""What the substring (trigram) index costs when messages are written, paired A/B.

Run on demand: ``uv run python bench/bench_history_writes.py [--messages N] [--runs R]``.
A: the schema before the trigram index (migration 2, the word index only); B: the current
schema. Each run inserts the same N messages of 80 words in one transaction into a fresh
database; A and B alternate. Reported: median seconds, the ratio B/A, and the file sizes.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from mistral_chat.storage import db
from mistral_chat.storage.migrations import SCHEMA_VERSION, migrate

WORD_INDEX_ONLY = 2


def messages(n: int, seed: int = 1) -> list[tuple[object, ...]]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(5000)]
    weights = [1 / (rank + 1) for rank in range(len(words))]  # Zipf-like
    return [
        (f"m{i:011d}", "c00000000001", i, "user", "[]", " ".join(rng.choices(words, weights, k=80)))
        for i in range(n)
    ]


def insert(rows: list[tuple[object, ...]], schema: int) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "history.db")
        conn = db.connect(path)
        migrate(conn, target=schema)
        conn.execute(
            "INSERT INTO conversations (id, title, model, options, created_at, updated_at)"
            " VALUES ('c00000000001', 't', 'm', '{}', '2025', '2025')"
        )
        start = time.perf_counter()
        with db.transaction(conn):
            conn.executemany(
                "INSERT INTO messages (id, conversation_id, seq, role, content, text,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, '2025', '2025')",
                rows,
            )
        seconds = time.perf_counter() - start
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        return seconds, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = messages(args.messages)
    results: dict[int, list[tuple[float, int]]] = {WORD_INDEX_ONLY: [], SCHEMA_VERSION: []}
    for _ in range(args.runs):
        for schema in results:  # alternated, so a busy moment hits both
            results[schema].append(insert(rows, schema))
    a, b = (statistics.median(s for s, _ in results[k]) for k in results)
    (a_size, b_size) = (results[k][0][1] / 1e6 for k in results)
    print(f"{args.messages:,} messages of 80 words, median of {args.runs}")
    print(f"  A word index only (schema {WORD_INDEX_ONLY}): {a:6.2f} s, {a_size:6.1f} MB")
    print(f"  B current (schema {SCHEMA_VERSION}):          {b:6.2f} s, {b_size:6.1f} MB")
    print(f"  B/A {b / a:.2f}x time, {b_size / a_size:.2f}x size")


if __name__ == "__main__":
    main()
