"""The check a request passes before it goes: does it fit the model's context, and is its
estimated cost under `--max-cost`?

A `RequestGuard` is set on a session (`open_session(..., guard=...)`) and called with the model,
the messages and the options of every request the session is about to send (answers, retries,
`/compact`'s summary). It raises `ContextOverflow` or `OverBudget` (exit 2) and nothing is sent.

Counting is lazy: the bytes of the text bound the tokens (`tokens.upper_bound`), so a request
whose bound already fits, and costs less than the limit, is sent without loading a tokenizer;
only a request near a limit is counted with mistral-common.

The cost estimate is the input tokens at the model's list price, plus the answer: `max_tokens`
when it is set, else `ASSUMED_ANSWER_TOKENS` (an answer of about a page). Documents and
uploaded files are read by the server and are not in the estimate.

    >>> guard = RequestGuard(max_cost=0.01)
    >>> guard("mistral-small-latest", [{"role": "user", "content": "Hi"}], {})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mistral_chat.errors import UsageError
from mistral_chat.services.chat.results import list_price_cost
from mistral_chat.services.tokens import TokenCount, count_messages, upper_bound

__all__ = [
    "ASSUMED_ANSWER_TOKENS",
    "ContextOverflow",
    "OverBudget",
    "RequestGuard",
    "estimated_cost",
    "usd",
]

#: the answer's length in a cost estimate when `max_tokens` is not set
ASSUMED_ANSWER_TOKENS = 1000

#: (model id) -> its context window in tokens, or None when unknown
ContextLookup = Callable[[str], "int | None"]
#: (model id, messages) -> their count (`tokens.count_messages`)
Counter = Callable[[str, Sequence[Mapping[str, Any]]], TokenCount]


class ContextOverflow(UsageError, ValueError):
    """The request would not fit in the model's context window; it was not sent."""


class OverBudget(UsageError, ValueError):
    """The request's estimated cost is over `--max-cost` (or cannot be estimated)."""


def usd(amount: float) -> str:
    """``$1.25``, ``$0.0123``, ``$0.00000075``: enough digits to compare with a small limit.

    >>> usd(0), usd(2.5), usd(0.0123456), usd(7.5e-07)
    ('$0', '$2.50', '$0.0123', '$0.00000075')
    """
    if amount <= 0:
        return "$0"
    if amount >= 1:
        return f"${amount:,.2f}"
    decimals = max(4, 1 - math.floor(math.log10(amount)))  # two significant digits
    return "$" + f"{amount:.{decimals}f}".rstrip("0").rstrip(".")


def estimated_cost(model: str, input_tokens: int, answer_tokens: int) -> float | None:
    """USD at the model's list price for `input_tokens` in and `answer_tokens` out."""
    usage = {"prompt_tokens": input_tokens, "completion_tokens": answer_tokens}
    return list_price_cost(model, usage)


@dataclass
class RequestGuard:
    """Refuses a request that would overflow the context or cost more than `max_cost` USD.

    `context_length(model)` gives the model's window (None: not checked); `hint` ends the
    overflow message with what the user can do where they are (the chat: `/compact`).
    """

    max_cost: float | None = None
    context_length: ContextLookup | None = None
    hint: str = ""
    counter: Counter = count_messages

    def __call__(
        self, model: str, messages: Sequence[Mapping[str, Any]], options: Mapping[str, Any]
    ) -> None:
        answer = options.get("max_tokens")
        reserved = int(answer or 0)
        bound = upper_bound(messages)
        count: TokenCount | None = None
        limit = self.context_length(model) if self.context_length is not None else None
        if limit is not None and bound + reserved > limit:
            count = self.counter(model, messages)
            if count.tokens + reserved > limit:
                raise ContextOverflow(self._overflow(model, count, reserved, limit))
        if self.max_cost is not None:
            self._check_cost(model, messages, bound, count, answer)

    def _overflow(self, model: str, count: TokenCount, reserved: int, limit: int) -> str:
        room = f" + {reserved:,} for max_tokens" if reserved else ""
        hint = f"; {self.hint}" if self.hint else ""
        return (
            f"this message would not fit in {model}'s context: {count.shown} tokens{room} "
            f"of {limit:,}; nothing was sent{hint}"
        )

    def _check_cost(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        bound: int,
        count: TokenCount | None,
        answer: int | None,
    ) -> None:
        assert self.max_cost is not None
        out = int(answer) if answer is not None else ASSUMED_ANSWER_TOKENS
        most = estimated_cost(model, count.tokens if count else bound, out)
        if most is None:
            raise OverBudget(
                f"--max-cost {usd(self.max_cost)} cannot be checked: the list price of {model} "
                "is not known; nothing was sent (leave out --max-cost to send it)"
            )
        if most <= self.max_cost:
            return
        count = count or self.counter(model, messages)
        cost = estimated_cost(model, count.tokens, out) or 0.0
        if cost > self.max_cost:
            said = "max_tokens" if answer is not None else "an assumed answer"
            raise OverBudget(
                f"this request would cost about {usd(cost)} ({count.shown} tokens in, "
                f"{out:,} out for {said}, at {model}'s list price), more than --max-cost "
                f"{usd(self.max_cost)}; nothing was sent"
            )
