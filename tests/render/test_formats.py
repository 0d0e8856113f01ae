"""One spelling for costs, times, context sizes and the line after an answer."""

from __future__ import annotations

import doctest
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mistral_chat.render import formats
from mistral_chat.render.answer import AnswerView, show_thinking
from mistral_chat.render.formats import context_size, local_time, money, turn_summary
from mistral_chat.services.chat import TurnResult

from ._screen import color_terminal, piped_terminal, visible, written


def test_doctests() -> None:
    assert doctest.testmod(formats).failed == 0


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    ("usd", "shown"),
    [
        (0, "$0.0000"),
        (1.5, "$1.5000"),
        (0.01, "$0.0100"),
        (0.0034, "$0.0034"),
        (0.000012, "$0.000012"),
    ],
)
def test_money(usd: float, shown: str) -> None:
    assert money(usd) == shown


@pytest.mark.usefixtures("paris")
def test_local_time_reads_every_stamp_we_store() -> None:
    # 09:30 UTC on 27 November is 10:30 in Paris (UTC+1 in winter)
    assert local_time("2026-11-27T09:30:00.000Z") == "2026-11-27 10:30"
    assert local_time("2026-11-27T09:30:00") == "2026-11-27 10:30"  # naive = UTC
    assert local_time("2026-11-27T10:30:00+01:00") == "2026-11-27 10:30"
    epoch = datetime(2026, 11, 27, 9, 30, tzinfo=UTC).timestamp()
    assert local_time(int(epoch)) == "2026-11-27 10:30"
    assert local_time(datetime(2026, 7, 1, 9, 30, tzinfo=UTC)) == "2026-07-01 11:30"  # summer
    assert local_time(None) == local_time(0) == local_time("") == "-"
    assert local_time("yesterday") == "yesterday"


@pytest.mark.parametrize(
    ("tokens", "shown"),
    [
        (None, "-"),
        (0, "-"),
        (131072, "128k"),
        (1048576, "1M"),
        (32000, "32,000"),
        (2048 * 1024, "2M"),
    ],
)
def test_context_size(tokens: int | None, shown: str) -> None:
    assert context_size(tokens) == shown


def test_turn_summary_shows_what_is_known() -> None:
    full = TurnResult(
        text="x",
        model="mistral-small-latest",
        usage={"prompt_tokens": 12, "completion_tokens": 200, "total_tokens": 212},
        ttft_ms=250,
        duration_ms=2250,
        cost_usd=0.000034,
    )
    assert turn_summary(full) == (
        "mistral-small-latest · 12 in, 200 out · first token 0.25 s · 100 tokens/s · ~$0.000034"
    )
    # 8 tokens in 20 ms of generation is not a speed worth printing
    quick = TurnResult(
        text="x", model="m", usage={"completion_tokens": 8}, ttft_ms=5, duration_ms=25
    )
    assert turn_summary(quick) == "m · 0 in, 8 out · first token 0.01 s"
    assert turn_summary(TurnResult(text="x", model="m")) == "m"


def test_answer_view_ends_the_raw_answer_line_even_when_interrupted() -> None:
    term = piped_terminal()
    with pytest.raises(KeyboardInterrupt), AnswerView(term) as view:
        view.on_text("partial ")
        view.on_text("answer")
        raise KeyboardInterrupt
    assert written(term.stdout) == "partial answer\n" and view.received


def test_answer_view_renders_markdown_on_a_terminal_and_nothing_when_hidden() -> None:
    term = color_terminal()
    with AnswerView(term) as view:
        for piece in ["# Title\n\n", "Some **bold", "** text."]:
            view.on_text(piece)
    shown = visible(written(term.stdout))
    assert "Title" in shown and "Some bold text." in shown and "**" not in shown
    hidden = piped_terminal()
    with AnswerView(hidden, show=False) as view:
        view.on_text("secret")
    assert written(hidden.stdout) == "" and view.received


def test_answer_view_shows_reasoning_dimmed_on_stderr_before_the_answer() -> None:
    term = color_terminal()
    with AnswerView(term, show_thinking=True) as view:
        view.on_thinking("Let me ")
        view.on_thinking("think.")
        view.on_text("Answer.")
        view.on_thinking("late thought")  # after the answer began: never drawn
    err = written(term.stderr)
    assert "\x1b[2;3mLet me \x1b[0m" in err and err.endswith("think.\x1b[0m\n\n")
    assert "late thought" not in err
    assert "Answer." in visible(written(term.stdout))


def test_answer_view_hidden_reasoning_only_relabels_the_spinner() -> None:
    term = color_terminal()
    with AnswerView(term, "m is thinking", reasoning="m is reasoning") as view:
        view.on_thinking("secret plan")
        assert view._spinner.message == "m is reasoning"
    assert "secret plan" not in written(term.stderr) + written(term.stdout)
    piped = piped_terminal()
    with AnswerView(piped, show_thinking=True) as view:
        view.on_thinking("only reasoning, then Ctrl-C")
    assert written(piped.stderr) == "only reasoning, then Ctrl-C\n"  # its line is ended


def test_show_thinking_quotes_when_piped_and_dims_on_a_terminal() -> None:
    piped = piped_terminal()
    show_thinking(piped, "one\ntwo\n")
    assert written(piped.stdout) == "> one\n> two\n"
    term = color_terminal()
    show_thinking(term, "one")
    assert written(term.stdout) == "\x1b[2;3mone\x1b[0m\n"
