"""Docstring examples of chat_options and chat_turns (behaviour: test_conversation.py)."""

from __future__ import annotations

import doctest

from mistral_chat.services import chat_options, chat_turns


def test_doctests() -> None:
    options = doctest.testmod(chat_options)
    assert options.attempted >= 2 and options.failed == 0
    assert doctest.testmod(chat_turns).failed == 0
