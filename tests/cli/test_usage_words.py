"""argparse's own messages reworded: the pure function, by its doctests and the untouched rest."""

from __future__ import annotations

import doctest

from mistral_chat.cli import _usage
from mistral_chat.cli._usage import plain_usage_error


def test_doctests() -> None:
    assert doctest.testmod(_usage).failed == 0


def test_other_messages_pass_through_unchanged() -> None:
    for message in (
        "the following arguments are required: ID",
        "unrecognized arguments: --bogus",
        "argument -m/--model: expected one argument",
    ):
        assert plain_usage_error(message) == message


def test_a_far_off_word_gets_no_guess() -> None:
    text = plain_usage_error("argument SHELL: invalid choice: 'xyz' (choose from 'bash', 'zsh')")
    assert text == "unknown shell 'xyz' (choose from 'bash', 'zsh')"
