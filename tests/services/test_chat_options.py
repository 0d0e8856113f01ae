"""Docstring examples of chat_options and the chat turn (behaviour: test_conversation.py)."""

from __future__ import annotations

import doctest

from mistral_chat.services import chat_options
from mistral_chat.services.chat import outbox, results


def test_doctests() -> None:
    options = doctest.testmod(chat_options)
    assert options.attempted >= 2 and options.failed == 0
    assert doctest.testmod(results).failed == 0
    assert doctest.testmod(outbox).failed == 0
