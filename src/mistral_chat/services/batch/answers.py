"""Where a collected shard's answers live, and how to read them again in row order.

A shard joined as its results were read keeps the job's own result files (``raw``): writing
the answers out again would cost a join a fifth of its time. A shard collected before its
turn, or patched by a retry, has one answer a row in its own file (``results``). Either way
:func:`shard_answers` gives them back in row order, one per row, the failures' reasons from
the ledger where the job gave none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mistral_chat.services.batch.collect import Collector
from mistral_chat.services.batch.results import Answer, AnswerShape, answers_in
from mistral_chat.storage.batch_ledger import BatchLedger, Run, Shard

__all__ = ["forget", "materialize", "shard_answers", "shard_rows"]


def shard_rows(ledger: BatchLedger, run: Run, shard: Shard) -> Any:
    """The rows a shard answers: a range, or the failed rows a retry shard sent again."""
    if shard.kind == "retry":
        return [row for row, _cid, _msg in ledger.failures(run.id, retry=shard.n)]
    return range(shard.first_row, shard.first_row + shard.rows)


def _kept(
    ledger: BatchLedger, run: Run, shard: Shard, shape: AnswerShape, dest: Path | None
) -> Collector:
    rows = shard_rows(ledger, run, shard)
    span = range(rows.start, rows.stop) if isinstance(rows, range) else None
    reasons = {
        row: message
        for row, _cid, message in ledger.failures(run.id)
        if span is None or row in span
    }
    sources = [Path(p) for p in json.loads(shard.raw or "[]")]
    return Collector(sources, shape, rows, dest, reasons, "no answer")


def shard_answers(
    ledger: BatchLedger, run: Run, shard: Shard, shape: AnswerShape
) -> Iterator[Answer]:
    """A collected shard's answers, one per row, in row order."""
    if shard.results is not None:
        return answers_in([Path(shard.results)])
    return iter(_kept(ledger, run, shard, shape, None))


def materialize(ledger: BatchLedger, run: Run, shard: Shard, shape: AnswerShape) -> None:
    """Give a shard kept as the job's files one answer a row in its own file (to patch it)."""
    if shard.results is not None or shard.raw is None:
        return
    dest = Path(json.loads(shard.raw)[0]).with_name(f"answers-{shard.n}.jsonl")
    _kept(ledger, run, shard, shape, dest).run()
    raw = shard.raw
    ledger.update_shard(shard, results=str(dest), raw=None)
    forget(raw)


def forget(raw: str | None) -> None:
    """Remove a shard's kept result files."""
    for path in json.loads(raw or "[]"):
        Path(path).unlink(missing_ok=True)
