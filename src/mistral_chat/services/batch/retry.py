"""`batch retry`: the rows that failed, sent again as new jobs, their answers put in place.

The failed rows (the ledger's ``failures``) are built again from the input, exactly as the
first time, into *retry shards* (numbered from :data:`RETRY_BASE`). When a retry job ends,
its answers replace the failed ones in the run's answer files, so the output is joined as
before; a row that fails again keeps its new reason and can be retried once more.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec

from mistral_chat.services.batch.results import Answer, read_answer
from mistral_chat.storage.batch_ledger import Shard

__all__ = ["RETRY_BASE", "patch_answers"]

#: retry shards are numbered from here, apart from the run's own
RETRY_BASE = 1_000_000


def patch_answers(shards: list[Shard], retried: Path) -> None:
    """Put a retry's answers (a file in row order) in place of the failed ones."""
    for shard in shards:
        if shard.kind != "rows" or shard.results is None:
            continue
        span = range(shard.first_row, shard.first_row + shard.rows)
        replacements = [a for a in _read(retried) if a.row in span]
        if not replacements:
            continue
        path = Path(shard.results)
        partial = path.with_suffix(".part")
        by_row = iter(replacements)
        pending = next(by_row, None)
        with partial.open("wb") as out:
            for answer in _read(path):
                if pending is not None and pending.row == answer.row:
                    answer, pending = pending, next(by_row, None)
                out.write(msgspec.json.encode(answer) + b"\n")
        partial.replace(path)


def _read(path: Path) -> Iterator[Answer]:
    with path.open("rb") as fh:
        for raw in fh:
            yield read_answer(raw)
