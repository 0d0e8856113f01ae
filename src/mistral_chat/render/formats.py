"""How numbers, times and costs read on screen: one spelling for every command and the REPL.

Pure functions of their arguments (and the local time zone), cheap to import:

    money(0.000034)            -> "$0.000034"
    local_time("2026-11-27T09:30:00.000Z") -> "2026-11-27 10:30" (in Paris)
    context_size(131072)       -> "128k"
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mistral_chat.services.chat import TurnResult
    from mistral_chat.services.model_info import ModelInfo
    from mistral_chat.services.unit_prices import UnitPrice

__all__ = [
    "answer_stats",
    "context_size",
    "deprecation",
    "finish_note",
    "list_price",
    "local_time",
    "money",
    "price_lines",
    "retirement",
    "turn_summary",
]

# a rate measured over a few milliseconds of generation is noise, not a speed
_MIN_GENERATION_MS = 250


def money(usd: float) -> str:
    """An estimated cost in dollars: 4 decimals from a cent up, 2 significant digits below."""
    if usd == 0 or usd >= 0.01:
        return f"${usd:.4f}"
    return f"${usd:.2g}" if usd >= 1e-4 else f"${usd:.6f}"


def local_time(moment: str | float | datetime | None) -> str:
    """A moment in local time to the minute: an ISO timestamp (``Z`` or an offset), epoch
    seconds or an aware datetime. ``-`` for none; an unreadable string is shown as it is."""
    if moment is None or moment == "" or moment == 0:
        return "-"
    if isinstance(moment, str):
        try:
            parsed = datetime.fromisoformat(moment)
        except ValueError:
            return moment
        if parsed.tzinfo is None:  # our stores write UTC
            parsed = parsed.replace(tzinfo=UTC)
    elif isinstance(moment, datetime):
        parsed = moment
    else:
        parsed = datetime.fromtimestamp(moment, UTC)
    return parsed.astimezone().strftime("%Y-%m-%d %H:%M")


def context_size(tokens: int | None) -> str:
    """A context window as people say it: 128k, 1M, or the exact count when it is not round."""
    if not tokens:
        return "-"
    mega = 1024 * 1024
    if tokens % mega == 0:
        return f"{tokens // mega}M"
    return f"{tokens // 1024}k" if tokens % 1024 == 0 else f"{tokens:,}"


def list_price(model: ModelInfo) -> str:
    """A model's list price for a table cell: ``$0.1/$0.3`` (USD per 1M input/output tokens),
    or its price in the unit Mistral charges it in (``$4/1000 pages``, ``$0.003/minute``,
    ``$16/1M characters``); ``-`` when the docs give none."""
    if model.price_in is not None:
        out = "-" if model.price_out is None else f"${model.price_out:g}"
        return f"${model.price_in:g}/{out}"
    other = [p for p in model.prices if p.usd and not p.label and p.per != "1M tokens"]
    return f"${other[0].usd:g}/{other[0].per}" if other else "-"


def price_lines(model: ModelInfo) -> list[tuple[str, str]]:
    """("input price", "$4 per 1000 pages; $5 per 1000 annotated pages") and the output's."""
    lines = []
    for direction in ("input", "output"):
        prices = [p for p in model.prices if p.direction == direction]
        if not prices:  # a card the docs do not describe: its per-token price, if any
            known = model.price_in if direction == "input" else model.price_out
            text = "-" if known is None else f"${known:g} per 1M tokens"
        else:
            text = "; ".join(_unit_price(p) for p in prices)
        lines.append((f"{direction} price", text))
    return lines


def _unit_price(price: UnitPrice) -> str:
    label = f" ({price.label})" if price.label else ""
    return f"${price.usd:g} per {price.per}{label}"


def retirement(when: date, *, today: date | None = None) -> str:
    """A deprecated model's retirement date, in the tense it has today.

    >>> retirement(date(2026, 7, 31), today=date(2026, 11, 28))
    'retired 2026-07-31'
    >>> retirement(date(2027, 1, 31), today=date(2026, 11, 28))
    'retires 2027-01-31'
    """
    verb = "retired" if when <= (today or date.today()) else "retires"
    return f"{verb} {when.isoformat()}"


def deprecation(when: date | None, replacement: str | None, *, today: date | None = None) -> str:
    """A table cell for a model's deprecation: retirement and replacement, or "" for none.

    >>> deprecation(date(2026, 7, 31), "mistral-medium-latest", today=date(2026, 11, 28))
    'retired 2026-07-31 -> mistral-medium-latest'
    """
    if when is None:
        return ""
    text = retirement(when, today=today)
    return f"{text} -> {replacement}" if replacement else text


def finish_note(finish_reason: str | None, *, in_chat: bool = False) -> str | None:
    """Why an answer ended early, for a warning line; None when it ended on its own.

    >>> finish_note("length")
    'the answer was cut at the max_tokens limit; raise it with --max-tokens'
    >>> finish_note("stop") is None
    True
    """
    if finish_reason == "length":
        how = "/set max_tokens" if in_chat else "--max-tokens"
        return f"the answer was cut at the max_tokens limit; raise it with {how}"
    if finish_reason == "model_length":
        return "the answer was cut where the model's context was full; " + (
            "/clear starts a new conversation" if in_chat else "start a new conversation"
        )
    return None


def turn_summary(result: TurnResult) -> str:
    """One line after an answer: model, tokens, time to first token, speed and cost."""
    stats = answer_stats(result.usage, result.ttft_ms, result.duration_ms, result.cost_usd)
    return " · ".join(part for part in (result.model, stats) if part)


def answer_stats(
    usage: Mapping[str, Any] | None,
    ttft_ms: int | None,
    duration_ms: int | None,
    cost_usd: float | None,
) -> str:
    """``12 in, 200 out · first token 0.25 s · 100 tokens/s · ~$0.000034``, what is known of it."""
    parts = []
    if usage:
        parts.append(f"{usage.get('prompt_tokens', 0)} in, {usage.get('completion_tokens', 0)} out")
    if ttft_ms is not None:
        parts.append(f"first token {ttft_ms / 1000:.2f} s")
    generating = (duration_ms or 0) - (ttft_ms or 0)
    tokens = (usage or {}).get("completion_tokens") or 0
    if tokens and generating >= _MIN_GENERATION_MS:
        parts.append(f"{tokens * 1000 / generating:.0f} tokens/s")
    if cost_usd is not None:
        parts.append(f"~{money(cost_usd)}")
    return " · ".join(parts)
