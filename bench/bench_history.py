"""Benchmark of the history store at 10,000 conversations and 200,000 messages.

Run on demand: ``uv run python bench/bench_history.py [--conversations N] [--messages N]``.
Targets: ``history list`` (list_conversations(20)) and ``history search WORD`` each < 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mistral_chat.storage.history import HistoryStore

TARGET_MS = 200.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def vocabulary(rng: random.Random, size: int = 5000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 9))))
    return sorted(words, key=lambda w: (len(w), w))


def build(path: Path, conversations: int, messages: int, seed: int = 42) -> list[str]:
    """Fill a fresh store with executemany in one transaction; return the vocabulary by rank."""
    rng = random.Random(seed)
    words = vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]  # Zipf-like
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with HistoryStore(path) as store:
        conn = store.conn
        per_conv = messages // conversations
        conv_rows = []
        msg_rows: list[tuple[Any, ...]] = []
        n = 0
        for c in range(conversations):
            created = start + timedelta(minutes=5 * c)
            conv_id = f"c{c:011d}"
            for s in range(per_conv):
                role = "user" if s % 2 == 0 else "assistant"
                text = " ".join(rng.choices(words, weights, k=rng.randint(10, 60)))
                ts = (
                    (created + timedelta(seconds=10 * s))
                    .isoformat(timespec="milliseconds")
                    .replace("+00:00", "Z")
                )
                n += 1
                msg_rows.append(
                    (
                        f"m{n:011d}",
                        conv_id,
                        s + 1,
                        role,
                        json.dumps([{"type": "text", "text": text}]),
                        text,
                        None if role == "user" else "mistral-small-latest",
                        # answers are priced, except in every tenth conversation (no list price)
                        None if role == "user" or c % 10 == 0 else len(text) * 2e-7,
                        ts,
                        ts,
                    )
                )
            updated = (created + timedelta(seconds=10 * per_conv)).isoformat(
                timespec="milliseconds"
            )
            conv_rows.append(
                (
                    conv_id,
                    f"Conversation {c}",
                    "mistral-small-latest",
                    "{}",
                    created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    updated,
                )
            )
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO conversations (id, title, model, options, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            conv_rows,
        )
        conn.executemany(
            "INSERT INTO messages (id, conversation_id, seq, role, content, text, model,"
            " cost_usd, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            msg_rows,
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA optimize")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return words


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000


def measure(
    path: Path, name: str, call: Callable[[HistoryStore], object], runs: int
) -> dict[str, Any]:
    with HistoryStore(path) as store:  # a fresh connection: empty SQLite page cache
        cold = timed(lambda: call(store))
        for _ in range(3):
            call(store)
        samples = [timed(lambda: call(store)) for _ in range(runs)]
        result = call(store)
    count = len(result) if isinstance(result, list) else len(getattr(result, "messages", []))
    return {
        "name": name,
        "cold": cold,
        "median": statistics.median(samples),
        "max": max(samples),
        "rows": count,
    }


def run_command(home: Path, name: str, argv: list[str] | None, runs: int) -> dict[str, Any]:
    """Wall time of a whole `mistral-chat` process against the benchmark's database."""
    import subprocess
    import sys

    # bytecode cached as an installed package has it (this machine sets PYTHONDONTWRITEBYTECODE);
    # the first, uncounted-as-median run warms it
    env = {
        **os.environ,
        "MISTRAL_CHAT_HOME": str(home),
        "NO_COLOR": "1",
        "PYTHONPYCACHEPREFIX": str(home / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cmd = (
        [sys.executable, "-c", "pass"]
        if argv is None
        else [sys.executable, "-m", "mistral_chat", *argv]
    )
    times, rows = [], 0
    for _ in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
        rows = max(0, len(done.stdout.splitlines()) - 1)
    return {
        "name": name,
        "cold": times[0],
        "median": statistics.median(times[1:]),
        "max": max(times[1:]),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        t0 = time.perf_counter()
        words = build(path, args.conversations, args.messages)
        build_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6

        middle = f"c{args.conversations // 2:011d}"
        cases: list[tuple[str, Callable[[HistoryStore], object]]] = [
            ("list_conversations(20)", lambda s: s.list_conversations(20)),
            ("list_conversations(20, offset=5000)", lambda s: s.list_conversations(20, 5000)),
            (f"search({words[2000]!r}) rare word", lambda s: s.search(words[2000])),
            (f"search({words[50]!r}) medium word", lambda s: s.search(words[50])),
            (f"search({words[0]!r}) most common word", lambda s: s.search(words[0])),
            (
                f"search({words[0]!r} {words[3000]!r}) two words",
                lambda s: s.search(f"{words[0]} {words[3000]}"),
            ),
            ("search('zzzzzz') no match", lambda s: s.search("zzzzzz")),
            ("get_conversation(id)", lambda s: s.get_conversation(middle)),
        ]
        results = [measure(path, name, call, args.runs) for name, call in cases]
        # the commands as a user runs them: a whole process each, output piped
        commands = [
            ("`mistral-chat history list` (process)", ["history", "list"]),
            (
                f"`mistral-chat history search {words[50]}` (process)",
                ["history", "search", words[50]],
            ),
            ("`python -c pass` (process, baseline)", None),
        ]
        process_results = [run_command(Path(tmp), name, argv, args.runs) for name, argv in commands]
        opens = [timed(lambda: HistoryStore(path).close()) for _ in range(args.runs)]
        results.insert(
            0,
            {
                "name": "HistoryStore(path) open + close",
                "cold": opens[0],
                "median": statistics.median(opens[1:]),
                "max": max(opens[1:]),
                "rows": 0,
            },
        )

    print(
        f"machine: {os.cpu_count()} CPUs, {cpu_model()}, Python {platform.python_version()},"
        f" SQLite {sqlite3.sqlite_version}"
    )
    print(
        f"data: {args.conversations:,} conversations, {args.messages:,} messages,"
        f" {size_mb:.0f} MB, built in {build_s:.1f} s"
    )
    print()
    print(f"{'operation':<48} {'cold ms':>8} {'median ms':>10} {'max ms':>8} {'rows':>5}  ok")
    for r in results:
        ok = "yes" if r["median"] < TARGET_MS and r["cold"] < TARGET_MS else "NO"
        print(
            f"{r['name']:<48} {r['cold']:>8.2f} {r['median']:>10.2f} {r['max']:>8.2f}"
            f" {r['rows']:>5}  {ok}"
        )
    for r in process_results:
        ok = "yes" if r["median"] < TARGET_MS else "NO"
        print(
            f"{r['name']:<48} {r['cold']:>8.2f} {r['median']:>10.2f} {r['max']:>8.2f}"
            f" {r['rows']:>5}  {ok}"
        )
    print(f"\ntarget: each < {TARGET_MS:.0f} ms (cold = first call on a fresh connection)")


if __name__ == "__main__":
    main()
