"""The chat's context line, overflow refusal, /context, /compact, /template and --max-cost,
in-process with scripted lines (the pseudo-terminal view is in tests/cli/test_chat_pty.py)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.cli.chat import _Interactive
from mistral_chat.cli.context import AppContext
from mistral_chat.emulator import Emulator
from mistral_chat.repl.prompt import ScriptedReader
from mistral_chat.services.chat.compaction import SUMMARY_REQUEST
from mistral_chat.services.templates import Template, TemplateStore
from repl_support import repl_app

SMALL = "voxtral-small-latest"  # 32,768 tokens: the smallest chat context the emulator serves


@pytest.fixture
def app(emulator: Emulator, mistral_home: Path) -> Iterator[AppContext]:
    yield from repl_app(emulator, mistral_home, width=200)


def run(app: AppContext, lines: list[str], **options: Any) -> tuple[str, str]:
    args = argparse.Namespace(
        model=None, system=None, continue_=False, conversation=None, bare_start=False
    )
    for key, value in options.items():
        setattr(args, key, value)
    _Interactive(app, args, ScriptedReader(lines)).run()
    out = app.terminal.stdout.getvalue()  # type: ignore[attr-defined]
    err = app.terminal.stderr.getvalue()  # type: ignore[attr-defined]
    return out, err


def chats(emulator: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emulator.requests[since:] if r.path == "/v1/chat/completions"]


def test_the_usage_line_says_how_full_the_context_is(app: AppContext) -> None:
    _, err = run(app, ["hello there", "/quit"])
    # the emulator's own count: 5 in, 12 out of mistral-small-latest's 262,144
    assert re.search(
        r"^mistral-small-latest · 5 in, \d+ out · .* · context <1% of 262,144$", err, re.M
    )


def test_a_nearly_full_context_warns_and_an_overflow_is_not_sent(
    app: AppContext, emulator: Emulator
) -> None:
    start = len(emulator.requests)
    big = "word " * 27_000  # the emulator counts 27,003 tokens: 82% of 32,768
    # the emulator's answer repeats the question: 10 tokens of it are enough
    _, err = run(app, ["/set max_tokens 10", big, "word " * 10_000, "/quit"], model=SMALL)
    assert re.search(r"· context 8\d% of 32,768$", err, re.M)
    assert re.search(
        rf"^warning: the conversation fills 8\d% of {SMALL}'s context \([\d,]+ of 32,768 "
        r"tokens\); /compact summarises older turns to make room$",
        err,
        re.M,
    )
    assert re.search(
        rf"^error: this message would not fit in {SMALL}'s context: ~3\d,\d\d\d tokens \+ 10 "
        r"for max_tokens of 32,768; "
        r"nothing was sent; /compact summarises older turns to make room, /clear starts afresh$",
        err,
        re.M,
    )
    assert len(chats(emulator, start)) == 1  # only the first message went


def test_context_counts_with_mistral_common(app: AppContext) -> None:
    out, _ = run(app, ["/context", "hello", "/context", "/quit"])
    found = re.findall(r"^context: ~([\d,]+) tokens of 262,144 \(<1%\) for mistral-small-latest, "
                       r"before your next message \(mistral-common tekken_240911, approximate: its "
                       r"own tokenizer is not shipped\)$", out, re.M)  # fmt: skip
    assert len(found) == 2 and int(found[1].replace(",", "")) > int(found[0].replace(",", ""))


def test_compact_replaces_older_turns_with_a_summary(app: AppContext, emulator: Emulator) -> None:
    start = len(emulator.requests)
    out, err = run(app, ["one", "two", "three", "/compact", "four", "/compact 5", "/quit"])
    assert "compacted 4 messages into this summary; kept the last 1 exchange. " in out
    assert "The history keeps every original message." in out
    assert (
        "error: nothing to compact: the conversation has 3 exchanges and the last 5 are kept" in err
    )
    bodies = chats(emulator, start)
    assert bodies[3]["messages"][-1] == {"role": "user", "content": SUMMARY_REQUEST}
    after = [m["role"] for m in bodies[4]["messages"]]
    assert after == ["user", "assistant", "user", "assistant", "user"]
    assert bodies[4]["messages"][2]["content"] == "three"


def test_template_in_the_chat(app: AppContext, emulator: Emulator, mistral_home: Path) -> None:
    TemplateStore(mistral_home / "templates").save(
        Template(
            "fr",
            model="codestral-latest",
            system="Réponds en français.",
            prompt="Traduis : {input}",
            options={"temperature": 0.4},
        )
    )
    start = len(emulator.requests)
    out, err = run(
        app, ["/template fr", "good morning", "/template -", "plain", "/template", "/quit"]
    )
    assert "model: codestral-latest (the conversation is kept)" in out
    assert (
        "template fr: system message set, temperature=0.4, your messages go into its prompt "
        "(/template - stops that)" in out
    )
    assert "messages are sent as typed again (the model and options stay)" in out
    assert "no template prompt is active; templates: fr" in out
    first, second = chats(emulator, start)
    assert first["model"] == "codestral-latest" and first["temperature"] == 0.4
    assert first["messages"] == [
        {"role": "system", "content": "Réponds en français."},
        {"role": "user", "content": "Traduis : good morning"},
    ]
    assert second["messages"][-1] == {"role": "user", "content": "plain"}
    out, err = run(app, ["/template nope", "/quit"])
    assert "error: no template 'nope' (templates: fr)" in err


def test_chat_starts_from_a_template_and_keeps_max_cost(
    app: AppContext, emulator: Emulator, mistral_home: Path
) -> None:
    TemplateStore(mistral_home / "templates").save(Template("terse", system="One line."))
    start = len(emulator.requests)
    # "hi" with the assumed 1,000-token answer: about $0.0006; 3,000 words more: about $0.0011
    _, err = run(app, ["hi", "word " * 3000, "/quit"], template="terse", max_cost=0.001)
    assert "error: this request would cost about $0.0011 (~3,0" in err
    assert "more than --max-cost $0.001; nothing was sent" in err
    bodies = chats(emulator, start)
    assert len(bodies) == 1
    assert bodies[0]["messages"][0] == {"role": "system", "content": "One line."}
