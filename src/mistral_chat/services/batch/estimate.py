"""What a batch would send and cost, for `batch run --dry-run`.

Tokens are estimated from the text sent at about four characters a token (Mistral's
tokenizers average a little under that for English; images and documents are not counted),
and priced at the model's list price per million input tokens with the Batch API's 50%
discount. Output tokens cannot be known before the answers: the estimate says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from mistral_chat.services.batch.plan import Plan

__all__ = ["BATCH_DISCOUNT", "CHARS_PER_TOKEN", "DryRun", "estimate"]

BATCH_DISCOUNT = 0.5
CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class DryRun:
    """The numbers `--dry-run` shows."""

    rows: int
    jobs: int
    inline_jobs: int
    requests: int
    request_bytes: int
    failed_rows: int
    input_tokens: int
    cost_usd: float | None  # None: see cost_note
    model: str
    first_line: str | None
    cost_note: str = ""  # why there is no cost

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "jobs": self.jobs,
            "inline_jobs": self.inline_jobs,
            "requests": self.requests,
            "request_bytes": self.request_bytes,
            "failed_rows": self.failed_rows,
            "estimated_input_tokens": self.input_tokens,
            "estimated_cost_usd": self.cost_usd,
            "model": self.model,
            "cost_note": self.cost_note or None,
            "first_request": self.first_line,
        }


def estimate(plan: Plan, model: str, endpoint: str = "chat") -> DryRun:
    from mistral_chat.services.model_prices import list_prices

    tokens = math.ceil(plan.chars / CHARS_PER_TOKEN)
    price_in = list_prices().get(model, (None, None))[0]
    cost = None if price_in is None else tokens * price_in / 1e6 * BATCH_DISCOUNT
    note = "" if price_in is not None else f"no list price for {model}"
    if endpoint == "ocr":  # priced by the page, and pages are only counted by the API
        cost, note = None, "OCR is priced by the page; pages are not counted before sending"
    first = plan.first_line.decode("utf-8").rstrip("\n") if plan.first_line else None
    return DryRun(
        rows=plan.rows,
        jobs=sum(1 for s in plan.shards if s.requests),
        inline_jobs=sum(1 for s in plan.shards if s.requests and s.inline),
        requests=plan.requests,
        request_bytes=plan.bytes,
        failed_rows=len(plan.failures),
        input_tokens=tokens,
        cost_usd=cost,
        model=model,
        first_line=first,
        cost_note=note,
    )
