"""The emulator's error bodies, as the client library surfaces them (`mistral_chat.Client`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mistral_chat import Client
from mistral_chat.api import errors
from mistral_chat.emulator import Emulator


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    emulator.clear_faults()
    with Client("test-key", base_url=emulator.base_url, max_retries=0) as c:
        yield c


def test_every_validation_message_reaches_the_exception(client: Client) -> None:
    with pytest.raises(errors.UnprocessableEntityError) as caught:
        client.chat.complete("mistral-small-latest", [{"role": "user"}], temperature=9, top_p=0)
    exc = caught.value
    assert [d["loc"] for d in exc.details or []] == [
        ["body", "temperature"],
        ["body", "top_p"],
        ["body", "messages", 0, "user", "content"],
    ]
    for expected in (
        "temperature: Input should be less than or equal to 1.5",
        "top_p: Input should be greater than 0",
        "messages.0.user.content: Field required",
    ):
        assert expected in str(exc)


def test_prompt_too_long_is_a_bad_request(client: Client) -> None:
    cards = [c for c in client.models.list() if c.capabilities.completion_chat]
    small = min(cards, key=lambda c: c.max_context_length)
    prompt = "word " * small.max_context_length
    with pytest.raises(errors.BadRequestError) as caught:
        client.chat.complete(small.id, [{"role": "user", "content": prompt}], max_tokens=7)
    exc = caught.value
    assert exc.status_code == 400
    assert exc.message == (
        f"Prompt contains {small.max_context_length + 3} tokens and 7 draft tokens, too large "
        f"for model with {small.max_context_length} maximum context length"
    )
    assert isinstance(exc.body, dict) and exc.body["code"] == "3051"
