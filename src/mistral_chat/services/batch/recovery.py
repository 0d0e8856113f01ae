"""What a run killed mid-request left on the server, found before anything is sent again.

A server carries out a request it received whole even when the process that sent it is killed
before the answer comes back. The next run finds such a job by its metadata, and such a file by
its name. One window is left: a create still being carried out when the next run first looks.
So when the ledger says a create went out recently and none is listed, the next run waits
`SETTLE_S` and looks once more before it sends the create again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mistral_chat.services.setting_values import MAX_TIMEOUT

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage.batch_ledger import Shard

__all__ = ["METADATA_SHARD", "SETTLE_S", "find_job", "find_upload"]

METADATA_SHARD = "mistral_chat_shard"
#: at most how long a server takes to carry out a create it received whole (it makes a record;
#: the requests are read later, by the job)
SETTLE_S = 5.0


def find_job(
    client: Client,
    shard: Shard,
    *,
    sleep: Callable[[float], None] = time.sleep,
    now: Callable[[], float] = time.time,
) -> Any:
    """The job created for ``shard`` by a run killed before it could record it, if any."""
    job = _listed_job(client, shard)
    sent = shard.submitted_at or 0
    # a create sent within its longest deadline may still be on its way or being carried out
    if job is None and now() - sent < MAX_TIMEOUT + SETTLE_S:
        sleep(SETTLE_S)
        job = _listed_job(client, shard)
    return job


def _listed_job(client: Client, shard: Shard) -> Any:
    since = datetime.fromtimestamp((shard.submitted_at or 0) - 3600, UTC)
    page = 0
    while True:
        jobs = client.batch.list(created_after=since, page=page, page_size=100)
        for job in jobs.data:
            if (job.metadata or {}).get(METADATA_SHARD) == shard.tag:
                return job
        if len(jobs.data) < 100:
            return None
        page += 1


def find_upload(client: Client, name: str, size: int) -> str | None:
    """A request file uploaded by a run killed before it could record the file's id."""
    files = client.files.list(purpose="batch", search=name, page_size=100)
    return next((f.id for f in files.data if f.filename == name and f.bytes == size), None)
