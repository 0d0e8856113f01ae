"""Cutting a run's request lines into jobs, within the Batch API's limits.

Lines are written to one file per job (a *shard*) as they are built, so an input of any size
is streamed: a shard holds at most :data:`MAX_REQUESTS_PER_JOB` requests (or fewer, with
``--rows-per-job``) and at most :data:`MAX_JOB_BYTES` bytes. A shard small enough is sent
inline with the job (:data:`MAX_INLINE_REQUESTS`, the spec's limit); a larger one is uploaded
through the Files API first. A shard's digest hashes its rows' custom_ids: the same rows, the
same shard, which is how a resumed run knows a job it already created.

Limits, from Mistral's docs (known limitations) and the spec: 100,000 requests per job,
512 MB per batch file, 10,000 inline requests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mistral_chat.services.batch.requests import RowFailure, RowRequest

__all__ = [
    "MAX_INLINE_BYTES",
    "MAX_INLINE_REQUESTS",
    "MAX_JOB_BYTES",
    "MAX_REQUESTS_PER_JOB",
    "BuiltShard",
    "Plan",
    "build_shards",
]

MAX_REQUESTS_PER_JOB = 100_000
MAX_JOB_BYTES = 500_000_000  # under the Files API's 512 MB, with room for the form around it
MAX_INLINE_REQUESTS = 10_000
MAX_INLINE_BYTES = 8 * 1024 * 1024  # our choice: a create request stays a modest POST


@dataclass
class BuiltShard:
    """One job's request lines, on disk."""

    n: int
    first_row: int
    path: Path
    rows: int = 0  # input rows covered (those that failed locally included)
    requests: int = 0
    bytes: int = 0
    chars: int = 0
    digest: str = ""

    @property
    def inline(self) -> bool:
        return self.requests <= MAX_INLINE_REQUESTS and self.bytes <= MAX_INLINE_BYTES

    @property
    def row_range(self) -> range:
        return range(self.first_row, self.first_row + self.rows)


@dataclass
class Plan:
    """Every shard of a run, what failed before sending, and the totals a dry run shows."""

    shards: list[BuiltShard] = field(default_factory=list)
    failures: list[RowFailure] = field(default_factory=list)
    rows: int = 0
    first_line: bytes | None = None

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.shards)

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.shards)

    @property
    def chars(self) -> int:
        return sum(s.chars for s in self.shards)


def build_shards(
    lines: Iterable[RowRequest | RowFailure],
    folder: Path,
    rows_per_job: int = MAX_REQUESTS_PER_JOB,
    max_bytes: int = MAX_JOB_BYTES,
) -> Plan:
    """Write ``lines`` into shard files under ``folder`` (``shard-N.jsonl``)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    plan = Plan()
    rows_per_job = min(rows_per_job, MAX_REQUESTS_PER_JOB)
    shard = BuiltShard(0, 0, folder / "shard-0.jsonl")
    out = shard.path.open("wb")
    digest = hashlib.blake2b(digest_size=8)
    rows = requests = size = chars = 0

    def close() -> None:
        shard.rows, shard.requests, shard.bytes, shard.chars = rows, requests, size, chars
        shard.digest = digest.hexdigest()
        out.close()

    try:
        # the hot loop of a large batch: counters in locals, one write per line
        for item in lines:
            if isinstance(item, RowFailure):
                line = b""
                row = item.row
            else:
                row, cid, line, n = item
            if rows >= rows_per_job or (size + len(line) > max_bytes and requests):
                close()
                shard = BuiltShard(
                    len(plan.shards), row, folder / f"shard-{len(plan.shards)}.jsonl"
                )
                out = shard.path.open("wb")
                digest = hashlib.blake2b(digest_size=8)
                rows = requests = size = chars = 0
            if not plan.shards or plan.shards[-1] is not shard:
                shard.first_row = row
                plan.shards.append(shard)
            rows += 1
            if isinstance(item, RowFailure):
                plan.failures.append(item)
                digest.update(b"!%d\n" % row)
                continue
            out.write(line)
            requests += 1
            size += len(line)
            chars += n
            digest.update(cid + b"\n")
            if plan.first_line is None:
                plan.first_line = line
    finally:
        close()
    plan.rows = sum(s.rows for s in plan.shards)
    if not plan.shards:
        shard.path.unlink(missing_ok=True)
    return plan
