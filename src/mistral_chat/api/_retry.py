"""The retry policy: which failures are retried and how long to wait. Pure; clock injected."""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["RETRY_STATUSES", "RetryPolicy"]

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_RNG = random.Random()


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter; a server's Retry-After wins, within `max_retry_after`.

    `max_retries` counts retries, so the number of attempts is `max_retries + 1`.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def should_retry_status(self, status_code: int, attempt: int) -> bool:
        return status_code in RETRY_STATUSES and attempt <= self.max_retries

    def should_retry_error(self, attempt: int) -> bool:
        """Connection errors and timeouts: retried while attempts remain."""
        return attempt <= self.max_retries

    def delay(
        self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None
    ) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None when waiting is pointless.

        A Retry-After longer than `max_retry_after` means give up now and tell the user how
        long the server asked for, rather than hang.
        """
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        base = min(self.max_delay, self.initial_delay * 2.0 ** (attempt - 1))
        spread = (rng or _RNG).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1 + spread))
