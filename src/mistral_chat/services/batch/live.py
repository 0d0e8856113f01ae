"""`batch run --live`: the same request lines through the real-time API, N at a time.

For small inputs, and for self-hosted servers (vLLM, Ollama...) that have no Batch API. Rows
go through the async client at bounded concurrency; every answer is written to the ledger as
it arrives, so a killed run, started again, sends only the rows it had not answered (and the
few that were in flight).

Rate limits: a 429 closes the gate for everyone for the server's ``Retry-After`` (else a
growing backoff) and halves how many requests may be in flight; each success after that
lets one more back in, up to ``--concurrency``. A row is retried on 429, 5xx and network
errors (up to :data:`MAX_ATTEMPTS` times, 429s not counted); any other refusal is its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from mistral_chat.services.batch.requests import endpoint_path
from mistral_chat.services.batch.results import Answer, AnswerShape
from mistral_chat.services.batch.runner import JobView, Prepared
from mistral_chat.storage.batch_ledger import BatchLedger, Run

if TYPE_CHECKING:
    from mistral_chat.api import AsyncClient
    from mistral_chat.services.batch.runner import BatchService

__all__ = ["MAX_ATTEMPTS", "LiveRunner", "live_answers"]

MAX_ATTEMPTS = 6


class _Line(msgspec.Struct):
    custom_id: str
    body: msgspec.Raw


_decode_line = msgspec.json.Decoder(_Line).decode


class _Gate:
    """How many requests may be in flight, and until when nobody may start one."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self.limit = self.allowed = limit
        self.active = 0
        self.resume_at = 0.0
        self.streak = 0
        self.clock = clock
        self.cond = asyncio.Condition()

    async def enter(self) -> None:
        async with self.cond:
            while True:
                wait = self.resume_at - self.clock()
                if wait <= 0 and self.active < self.allowed:
                    self.active += 1
                    return
                with contextlib.suppress(TimeoutError):  # the gate opens again
                    await asyncio.wait_for(self.cond.wait(), timeout=wait if wait > 0 else None)

    async def leave(self, throttled_for: float | None) -> None:
        async with self.cond:
            self.active -= 1
            if throttled_for is not None:
                self.allowed = max(1, self.allowed // 2)
                self.resume_at = max(self.resume_at, self.clock() + throttled_for)
                self.streak = 0
            else:
                self.streak += 1
                if self.streak >= self.allowed and self.allowed < self.limit:
                    self.allowed += 1
                    self.streak = 0
            self.cond.notify_all()


class LiveRunner:
    """Answers a prepared run's rows in real time (see the module's docstring)."""

    def __init__(
        self,
        service: BatchService,
        client: Callable[[], AsyncClient],
        concurrency: int = 4,
    ) -> None:
        self.service = service
        self.ledger: BatchLedger = service.ledger
        self.make_client = client
        self.concurrency = concurrency
        self.done = self.failed = self.throttled = 0

    def run(self, prepared: Prepared, on_progress: Callable[[list[JobView]], None]) -> None:
        run = self.ledger.save_run(prepared.run)
        paths = [s.path for s in prepared.plan.shards]
        if prepared.documents:  # documents are uploaded first, as for a batch job
            from mistral_chat.services.batch.plan import build_shards
            from mistral_chat.services.batch.requests import RequestBuilder

            builder = RequestBuilder(
                prepared.request.spec, prepared.table, self.service.upload_document
            )
            plan = build_shards(builder, prepared.folder, prepared.request.rows_per_job)
            paths = [s.path for s in plan.shards]
        shape = AnswerShape(**run.request["shape"])
        local = [Answer(f.row, "", error=f.message) for f in prepared.plan.failures]
        self.ledger.save_live(run.id, [(a.row, "", False, msgspec.json.encode(a)) for a in local])
        try:
            asyncio.run(self._run(run, paths, shape, on_progress))
        finally:
            for path in paths:
                path.unlink(missing_ok=True)

    async def _run(
        self,
        run: Run,
        paths: list[Path],
        shape: AnswerShape,
        on_progress: Callable[[list[JobView]], None],
    ) -> None:
        client = self.make_client()
        gate = _Gate(self.concurrency, time.monotonic)
        queue: asyncio.Queue[tuple[int, str, bytes] | None] = asyncio.Queue(self.concurrency * 2)
        answered = sum(1 for _ in self.ledger.live_answered(run.id))
        self.done = answered
        path = endpoint_path(run.endpoint)

        def report() -> None:
            view = JobView(0, None, "RUNNING", run.total_rows, self.done, self.failed)
            on_progress([view])

        async def worker() -> None:
            while (item := await queue.get()) is not None:
                await self._answer(client, gate, run, path, shape, item)
                report()

        try:
            workers = [asyncio.create_task(worker()) for _ in range(self.concurrency)]
            for item in _pending(paths, self.ledger.live_answered(run.id)):
                await queue.put(item)
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
        finally:
            await client.close()
        report()

    async def _answer(
        self,
        client: AsyncClient,
        gate: _Gate,
        run: Run,
        path: str,
        shape: AnswerShape,
        item: tuple[int, str, bytes],
    ) -> None:
        from mistral_chat.api.errors import (
            APIConnectionError,
            APIStatusError,
            RateLimitError,
            ServerError,
        )

        row, cid, body = item
        attempt = 0
        headers = {"content-type": "application/json"}
        while True:
            await gate.enter()
            wait: float | None = None
            try:
                response = await client.request("POST", path, content=body, headers=headers)
            except RateLimitError as exc:
                self.throttled += 1
                policy = client.retry_policy
                wait = min(exc.retry_after or policy.delay(1) or 1.0, policy.max_retry_after)
                await gate.leave(wait)
                continue
            except (ServerError, APIConnectionError) as exc:
                await gate.leave(None)
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    self._save(run, Answer(row, cid, error=f"{exc}"))
                    return
                await asyncio.sleep(client.retry_policy.delay(attempt) or 0.0)
                continue
            except APIStatusError as exc:
                await gate.leave(None)
                self._save(run, Answer(row, cid, error=f"{exc.status_code}: {exc}"))
                return
            await gate.leave(None)
            answer = shape.read(response.content)
            answer.row, answer.custom_id = row, cid
            self._save(run, answer)
            return

    def _save(self, run: Run, answer: Answer) -> None:
        ok = answer.error is None
        line = msgspec.json.encode(answer)
        self.ledger.save_live(run.id, [(answer.row, answer.custom_id, ok, line)])
        self.done += 1
        self.failed += 0 if ok else 1


def _pending(
    paths: list[Path], answered: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, str, bytes]]:
    """The request lines (row, custom_id, body) not answered yet: both streams go by row."""
    from mistral_chat.services.batch.results import row_of

    done = next(answered, None)
    for path in paths:
        with path.open("rb") as fh:
            for raw in fh:
                line = _decode_line(raw)
                row = row_of(line.custom_id)
                assert row is not None
                while done is not None and done[0] < row:
                    done = next(answered, None)
                if done is not None and done == (row, line.custom_id):
                    continue  # answered by an earlier run of the same command
                yield row, line.custom_id, bytes(line.body)


def live_answers(ledger: BatchLedger, run: Run) -> Iterator[Answer]:
    """A live run's answers in row order, one per row of the input (gaps: not answered)."""
    decode = msgspec.json.Decoder(Answer).decode
    expected = 0
    for row, raw in ledger.live_lines(run.id):
        while expected < row:
            yield Answer(expected, "", error="not answered (the run was stopped before it)")
            expected += 1
        yield decode(raw)
        expected = row + 1
    while expected < run.total_rows:
        yield Answer(expected, "", error="not answered (the run was stopped before it)")
        expected += 1
