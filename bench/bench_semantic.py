"""`history search --semantic` over 10,000 messages, once indexed: time per query.

Baseline in the same run, interleaved: the full-text `history search` (FTS5) on the same
store. The semantic query includes embedding the question (one request to the emulator on
loopback) and ranking every stored vector.

    uv run python bench/bench_semantic.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.semantic import semantic_search, update_index
from mistral_chat.storage.history import HistoryStore
from mistral_chat.storage.semantic import SemanticIndex

TOPICS = ["bread", "python", "the weather", "taxes", "a trip to Rome", "the garden", "music"]
QUERIES = ["baking sourdough at home", "how to travel to Italy", "fixing a python error"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        store = HistoryStore(Path(tmp) / "history.db")
        for c in range(1000):
            conv = store.create_conversation("mistral-small-latest")
            for m in range(10):
                topic = TOPICS[(c + m) % len(TOPICS)]
                store.add_message(conv.id, "user", f"Message {c}-{m}: a question about {topic}")
        index = SemanticIndex(Path(tmp) / "embeddings.db")
        with Client("k", base_url=emu.base_url) as client:
            started = time.perf_counter()
            count = update_index(client, store, index)
            print(f"indexed {count} messages in {time.perf_counter() - started:.1f} s")
            semantic, fts = [], []
            for i in range(30):  # interleaved A/B
                query = QUERIES[i % len(QUERIES)]
                t0 = time.perf_counter()
                semantic_search(client, store, index, query)
                t1 = time.perf_counter()
                store.search(query.split()[0])
                t2 = time.perf_counter()
                semantic.append(t1 - t0)
                fts.append(t2 - t1)
        index.close()
        store.close()
    sem, base = statistics.median(semantic) * 1000, statistics.median(fts) * 1000
    print(f"semantic search: median {sem:.0f} ms, max {max(semantic) * 1000:.0f} ms")
    print(f"full-text search (baseline): median {base:.1f} ms; ratio {sem / base:.0f}x")


if __name__ == "__main__":
    main()
