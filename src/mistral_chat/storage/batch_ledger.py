"""The batch ledger (``batch.db`` beside ``history.db``): what `batch run` sent, so a killed run
can be resumed without sending a row twice.

Data model::

    runs       one per (input, endpoint, model, template, options): the run's id is a hash of
               them, so the same command finds its run again
    shards     a run's input cut into jobs by row range (``first_row``, ``rows``), each with the
               digest of its rows' custom_ids and its life: planned -> uploaded (input file id)
               -> submitting (the create request may have reached the server) -> submitted
               (job id) -> collected (results on disk: one answer a row, or the job's own
               result files when they were joined as they were read)
    uploads    files already uploaded, by content hash and purpose (a document of a folder
               input, a shard's request file): a restart reuses them
    failures   rows whose answer was an error, with the reason; `batch retry` sends them again
    live       rows answered through the real-time API (`--live`), one line each

Every change is one autocommitted statement or a `transaction`; SQLite's WAL keeps the file
consistent when the process is killed at any point. Its own migrations (``_MIGRATIONS``) are
numbered in ``PRAGMA user_version``, apart from history.db's.

    >>> ledger = BatchLedger(":memory:")   # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mistral_chat.errors import LocalStorageError

__all__ = ["BatchLedger", "BatchLedgerError", "Run", "Shard"]

_BUSY_MS = 5000


class BatchLedgerError(LocalStorageError):
    """batch.db cannot be opened, read or written (exit 6); the message says what to do."""


@dataclass
class Run:
    """One `batch run`: what it reads and how each row becomes a request."""

    id: str
    input: str  # as the user named it (a path, a folder, a glob, or "-")
    input_path: str  # the file actually read (stdin is first saved to a file)
    endpoint: str
    model: str
    request: dict[str, Any]  # template, system, options...: enough to build the rows again
    mode: str = "batch"  # or "live"
    total_rows: int = 0
    input_size: int = 0
    input_mtime: float = 0.0
    output: str | None = None  # where its results were last written (`batch wait` writes there)
    output_dir: str | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass
class Shard:
    """A job's worth of rows (a retry shard sends the failed rows of earlier ones)."""

    run_id: str
    n: int
    first_row: int
    rows: int
    digest: str
    bytes: int = 0
    kind: str = "rows"  # or "retry"
    state: str = "planned"
    input_file: str | None = None
    job_id: str | None = None
    job_status: str | None = None
    succeeded: int = 0
    failed: int = 0
    output_file: str | None = None
    error_file: str | None = None
    results: str | None = None  # the local file of its answers, in row order
    raw: str | None = None  # or: the job's own result files, kept (a JSON list of paths)
    submitted_at: float | None = None
    updated_at: str = ""

    @property
    def tag(self) -> str:
        """The value of the job's metadata that finds it again after a crash."""
        return f"{self.run_id}:{self.n}:{self.digest}"


def _m001_tables(conn: sqlite3.Connection) -> None:
    for statement in (
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY, input TEXT NOT NULL, input_path TEXT NOT NULL,
            endpoint TEXT NOT NULL, model TEXT NOT NULL, request TEXT NOT NULL,
            mode TEXT NOT NULL, total_rows INTEGER NOT NULL, input_size INTEGER NOT NULL,
            input_mtime REAL NOT NULL, output TEXT, output_dir TEXT,
            created_at TEXT NOT NULL, updated_at TEXT NOT NULL)""",
        """CREATE TABLE shards (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            n INTEGER NOT NULL, first_row INTEGER NOT NULL, rows INTEGER NOT NULL,
            digest TEXT NOT NULL, bytes INTEGER NOT NULL, kind TEXT NOT NULL,
            state TEXT NOT NULL, input_file TEXT, job_id TEXT, job_status TEXT,
            succeeded INTEGER NOT NULL, failed INTEGER NOT NULL, output_file TEXT,
            error_file TEXT, results TEXT, raw TEXT, submitted_at REAL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (run_id, n))""",
        "CREATE INDEX shards_by_job ON shards (job_id)",
        """CREATE TABLE uploads (
            sha256 TEXT NOT NULL, purpose TEXT NOT NULL, file_id TEXT NOT NULL,
            name TEXT NOT NULL, size INTEGER NOT NULL, created_at TEXT NOT NULL,
            PRIMARY KEY (sha256, purpose))""",
        """CREATE TABLE failures (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row INTEGER NOT NULL, custom_id TEXT NOT NULL, shard INTEGER NOT NULL,
            message TEXT NOT NULL, retry INTEGER, PRIMARY KEY (run_id, row))""",
        """CREATE TABLE live (
            run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            row INTEGER NOT NULL, custom_id TEXT NOT NULL, ok INTEGER NOT NULL,
            line BLOB NOT NULL, PRIMARY KEY (run_id, row))""",
    ):
        conn.execute(statement)


#: (version, name, apply): append only; never edit a released one
_MIGRATIONS: tuple[tuple[int, str, Callable[[sqlite3.Connection], None]], ...] = (
    (1, "tables", _m001_tables),
)
SCHEMA_VERSION = _MIGRATIONS[-1][0]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class BatchLedger:
    """The ledger in ``path`` (created 0600, WAL, migrated on open)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = str(path)
        try:
            self._conn = self._open()
        except sqlite3.Error as exc:
            raise BatchLedgerError(
                f"cannot open the batch ledger {self.path} ({exc}); move it aside to start afresh"
            ) from exc

    def _open(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            target = Path(self.path)
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            if not target.exists():
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o600))
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=_BUSY_MS / 1000)
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        self._migrate(conn)
        return conn

    def _migrate(self, conn: sqlite3.Connection) -> None:
        for version, _name, apply in _MIGRATIONS:
            conn.execute("BEGIN IMMEDIATE")
            try:
                found = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if found > SCHEMA_VERSION:
                    raise BatchLedgerError(
                        f"{self.path} was written by a newer mistral-chat (schema {found}); "
                        "upgrade mistral-chat or use another MISTRAL_CHAT_HOME"
                    )
                if found < version:
                    apply(conn)
                    conn.execute(f"PRAGMA user_version = {version}")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> BatchLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise BatchLedgerError(f"cannot write the batch ledger {self.path} ({exc})") from exc

    def _read(self, sql: str, args: Iterable[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._conn.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise BatchLedgerError(f"cannot read the batch ledger {self.path} ({exc})") from exc

    # runs

    def save_run(self, run: Run) -> Run:
        """Insert or update a run (its created_at is kept)."""
        now = _now()
        run.created_at = run.created_at or now
        run.updated_at = now
        values = asdict(run)
        values["request"] = json.dumps(run.request, sort_keys=True)
        with self._write() as conn:
            # an upsert, never REPLACE: replacing the row would cascade to its shards
            conn.execute(_upsert("runs", list(values), ("id",)), list(values.values()))
        return run

    def run(self, run_id: str) -> Run | None:
        rows = self._read("SELECT * FROM runs WHERE id = ?", (run_id,))
        return _run(rows[0]) if rows else None

    def runs(self) -> list[Run]:
        """Every run, newest first."""
        return [_run(r) for r in self._read("SELECT * FROM runs ORDER BY created_at DESC, id")]

    def find(self, ref: str) -> Run | None:
        """The run a user names: its id or a unique prefix of it, or one of its jobs' ids."""
        rows = self._read("SELECT run_id FROM shards WHERE job_id = ?", (ref,))
        if rows:
            return self.run(rows[0]["run_id"])
        found = self._read("SELECT * FROM runs WHERE id LIKE ? || '%'", (ref.lower(),))
        return _run(found[0]) if len(found) == 1 and ref else None

    def delete_run(self, run_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))

    # shards

    def shards(self, run_id: str) -> list[Shard]:
        rows = self._read("SELECT * FROM shards WHERE run_id = ? ORDER BY n", (run_id,))
        return [_shard(r) for r in rows]

    def save_shard(self, shard: Shard) -> Shard:
        shard.updated_at = _now()
        values = asdict(shard)
        with self._write() as conn:
            conn.execute(_upsert("shards", list(values), ("run_id", "n")), list(values.values()))
        return shard

    def drop_shards(self, run_id: str, from_n: int) -> None:
        """Forget the row shards numbered ``from_n`` and above (the input got shorter)."""
        with self._write() as conn:
            conn.execute(
                "DELETE FROM shards WHERE run_id = ? AND n >= ? AND kind = 'rows'", (run_id, from_n)
            )

    def update_shard(self, shard: Shard, **changes: Any) -> Shard:
        """Set fields of ``shard`` and store them at once (one statement)."""
        for name, value in changes.items():
            setattr(shard, name, value)
        return self.save_shard(shard)

    # uploads

    def upload_for(self, sha256: str, purpose: str) -> str | None:
        rows = self._read(
            "SELECT file_id FROM uploads WHERE sha256 = ? AND purpose = ?", (sha256, purpose)
        )
        return str(rows[0]["file_id"]) if rows else None

    def save_upload(self, sha256: str, purpose: str, file_id: str, name: str, size: int) -> None:
        with self._write() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?, ?, ?)",
                (sha256, purpose, file_id, name, size, _now()),
            )

    def forget_upload(self, file_id: str) -> None:
        with self._write() as conn:
            conn.execute("DELETE FROM uploads WHERE file_id = ?", (file_id,))

    # failures

    def record_failures(
        self, run_id: str, shard: int, failed: Iterable[tuple[int, str, str]]
    ) -> None:
        """Rows ``(row, custom_id, message)`` that failed in ``shard`` (replacing older ones)."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, NULL)",
                ((run_id, row, cid, shard, msg) for row, cid, msg in failed),
            )

    def clear_failures(self, run_id: str, rows: Iterable[int]) -> None:
        with self._write() as conn:
            conn.executemany(
                "DELETE FROM failures WHERE run_id = ? AND row = ?", ((run_id, r) for r in rows)
            )

    def failures(self, run_id: str, *, retry: int | None = None) -> list[tuple[int, str, str]]:
        """``(row, custom_id, message)`` in row order; with ``retry``, those it resends."""
        if retry is None:
            sql, args = "SELECT * FROM failures WHERE run_id = ? ORDER BY row", (run_id,)
        else:
            sql = "SELECT * FROM failures WHERE run_id = ? AND retry = ? ORDER BY row"
            args = (run_id, retry)  # type: ignore[assignment]
        return [(r["row"], r["custom_id"], r["message"]) for r in self._read(sql, args)]

    def mark_retry(self, run_id: str, retry: int, rows: Iterable[int]) -> None:
        """Give failed ``rows`` to retry shard ``retry`` (its answers replace theirs)."""
        with self._write() as conn:
            conn.executemany(
                "UPDATE failures SET retry = ? WHERE run_id = ? AND row = ?",
                ((retry, run_id, row) for row in rows),
            )

    # live

    def save_live(self, run_id: str, answered: Iterable[tuple[int, str, bool, bytes]]) -> None:
        """Rows answered in real time: ``(row, custom_id, ok, result line)``."""
        with self._write() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO live VALUES (?, ?, ?, ?, ?)",
                ((run_id, row, cid, int(ok), line) for row, cid, ok, line in answered),
            )

    def live_answered(self, run_id: str) -> Iterator[tuple[int, str]]:
        """``(row, custom_id)`` of the rows answered without error so far, in row order."""
        for row in self._pages("row, custom_id", "ok = 1", run_id):
            yield row["row"], row["custom_id"]

    def live_lines(self, run_id: str) -> Iterator[tuple[int, bytes]]:
        """Every live answer's line, in row order."""
        for row in self._pages("row, line", "1", run_id):
            yield row["row"], bytes(row["line"])

    def _pages(self, columns: str, where: str, run_id: str) -> Iterator[sqlite3.Row]:
        """Rows of ``live`` in row order, read 2,000 at a time (never all at once)."""
        last = -1
        while True:
            rows = self._read(
                f"SELECT {columns} FROM live WHERE run_id = ? AND {where} AND row > ? "
                "ORDER BY row LIMIT 2000",
                (run_id, last),
            )
            yield from rows
            if len(rows) < 2000:
                return
            last = rows[-1]["row"]


def _upsert(table: str, names: list[str], key: tuple[str, ...]) -> str:
    """INSERT of ``names``, updating every other column when ``key`` exists already."""
    updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in key and n != "created_at")
    return (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
    )


def _run(row: sqlite3.Row) -> Run:
    values = dict(row)
    values["request"] = json.loads(values["request"])
    return Run(**values)


_SHARD_FIELDS = {f.name for f in fields(Shard)}


def _shard(row: sqlite3.Row) -> Shard:
    return Shard(**{k: v for k, v in dict(row).items() if k in _SHARD_FIELDS})
