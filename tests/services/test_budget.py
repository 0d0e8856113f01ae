"""The request guard (context window, --max-cost) and compaction, against the emulator."""

from __future__ import annotations

import doctest
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.chat import ChatSession, QuietView, resume
from mistral_chat.services.chat import budget as budget_module
from mistral_chat.services.chat.budget import (
    ASSUMED_ANSWER_TOKENS,
    ContextOverflow,
    OverBudget,
    RequestGuard,
    estimated_cost,
)
from mistral_chat.services.chat.compaction import SUMMARY_REQUEST, NothingToCompact
from mistral_chat.services.tokens import TokenCount, count_messages
from mistral_chat.storage import HistoryStore

MODEL = "mistral-small-latest"  # $0.15 in, $0.60 out per million tokens


def test_doctests() -> None:
    assert doctest.testmod(budget_module).failed == 0


class Counter:
    """count_messages, remembering whether it was needed (it loads a tokenizer)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, model: str, messages: Sequence[Mapping[str, Any]]) -> TokenCount:
        self.calls += 1
        return count_messages(model, messages)


def ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_a_request_that_clearly_fits_is_not_counted() -> None:
    counter = Counter()
    guard = RequestGuard(max_cost=1.0, context_length=lambda m: 1000, counter=counter)
    guard(MODEL, ask("short question"), {})
    assert counter.calls == 0


def test_a_request_near_the_window_is_counted_and_refused_only_if_it_does_not_fit() -> None:
    counter = Counter()
    guard = RequestGuard(context_length=lambda m: 300, hint="/compact makes room", counter=counter)
    words = "word " * 250  # 1,250 bytes (the bound is over 300), 250 tokens: it fits
    guard(MODEL, ask(words), {})
    assert counter.calls == 1
    with pytest.raises(ContextOverflow) as caught:
        guard(MODEL, ask(words), {"max_tokens": 100})
    exact = count_messages(MODEL, ask(words)).tokens
    assert str(caught.value) == (
        f"this message would not fit in {MODEL}'s context: ~{exact:,} tokens + 100 for "
        "max_tokens of 300; nothing was sent; /compact makes room"
    )
    unknown = RequestGuard(context_length=lambda m: None, counter=counter)
    unknown(MODEL, ask("word " * 100_000), {})  # no window known: no check, no count
    assert counter.calls == 2


def test_max_cost_counts_input_at_list_price_plus_the_answer() -> None:
    text = "word " * 2000
    tokens = count_messages(MODEL, ask(text)).tokens
    cost = estimated_cost(MODEL, tokens, ASSUMED_ANSWER_TOKENS)
    assert cost == pytest.approx(tokens * 0.15e-6 + ASSUMED_ANSWER_TOKENS * 0.6e-6)
    assert cost is not None
    RequestGuard(max_cost=cost * 1.01)(MODEL, ask(text), {})
    with pytest.raises(
        OverBudget,
        match=r"would cost about \$0\.0009 \(~2,00\d tokens in, 1,000 "
        r"out for an assumed answer, at mistral-small-latest's list price\), more "
        r"than --max-cost \$0\.0008; nothing was sent",
    ):
        RequestGuard(max_cost=0.0008)(MODEL, ask(text), {})
    # max_tokens bounds the answer: cheaper than the assumed thousand
    RequestGuard(max_cost=0.0008)(MODEL, ask(text), {"max_tokens": 100})


def test_max_cost_refuses_when_the_price_is_unknown() -> None:
    with pytest.raises(OverBudget, match="the list price of my-local-model is not known"):
        RequestGuard(max_cost=1.0)("my-local-model", ask("hi"), {})


# -- compaction ---------------------------------------------------------------------------------


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    emulator.clear_faults()
    with Client("test", base_url=emulator.base_url, max_retries=0) as c:
        yield c


def chat_bodies(emulator: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emulator.requests[since:] if r.path == "/v1/chat/completions"]


def texts(messages: list[dict[str, Any]]) -> list[str]:
    def one(content: Any) -> str:
        if isinstance(content, str):
            return content
        return "".join(c.get("text", "") for c in content)

    return [f"{m['role']}: {one(m['content']).splitlines()[0][:40]}" for m in messages]


def test_compact_summarises_older_turns_and_the_history_keeps_them(
    client: Client, store: HistoryStore, emulator: Emulator
) -> None:
    session = ChatSession(client, store, model=MODEL, system="Be brief.")
    for word in ("alpha", "beta", "gamma"):
        session.send(f"say {word}", view=QuietView())
    start = len(emulator.requests)
    done = session.compact(keep=1)
    assert done is not None and (done.summarised, done.kept) == (4, 2)
    summary_request = chat_bodies(emulator, start)[0]
    assert texts(summary_request["messages"]) == [
        "system: Be brief.",
        "user: say alpha",
        "assistant: You said: say alpha",
        "user: say beta",
        "assistant: You said: say beta",
        f"user: {SUMMARY_REQUEST[:40]}",
    ]
    start = len(emulator.requests)
    session.send("say delta", view=QuietView())
    sent = texts(chat_bodies(emulator, start)[0]["messages"])
    assert sent[0] == "system: Be brief."
    assert sent[1] == f"user: {SUMMARY_REQUEST[:40]}"
    assert sent[2].startswith("assistant: You said: Summarise our")
    assert sent[3:] == [
        "user: say gamma",
        "assistant: You said: say gamma",
        "user: say delta",
    ]
    # every original is still in the history, the marker is not sent, and a continued
    # conversation starts from the summary
    conv = store.get_conversation(session.conversation_id or "")
    assert [m.role for m in conv.messages].count("user") == 5
    assert "say alpha" in conv.messages[0].text
    again = resume(client, store, conv.id, catalog=None)
    assert texts(again.messages) == [*sent, "assistant: You said: say delta"]
    assert "compaction" not in json.dumps(again.messages)


def test_nothing_to_compact(client: Client) -> None:
    session = ChatSession(client, None, model=MODEL)
    session.send("only one", view=QuietView())
    with pytest.raises(NothingToCompact, match="has 1 exchange and the last 1 are kept"):
        session.compact(keep=1)
    assert session.compact(keep=0) is not None  # everything into the summary
    assert [t.role for t in session.turns] == ["user", "assistant"]


def test_the_guard_applies_to_the_summary_request_too(client: Client, emulator: Emulator) -> None:
    session = ChatSession(client, None, model=MODEL)
    session.send("one", view=QuietView())
    session.send("two", view=QuietView())
    session.before_send = RequestGuard(max_cost=0.0)
    start = len(emulator.requests)
    with pytest.raises(OverBudget):
        session.compact()
    with pytest.raises(OverBudget):
        session.send("three", view=QuietView())
    assert chat_bodies(emulator, start) == []
    assert len(session.turns) == 4  # nothing changed
