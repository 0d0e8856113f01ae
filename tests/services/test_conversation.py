"""ChatSession against an in-process emulator, with a real Client and a real HistoryStore."""

from __future__ import annotations

import doctest
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.api import BadRequestError, Client, ServerError
from mistral_chat.emulator import Emulator
from mistral_chat.services import chat
from mistral_chat.services.chat import ChatSession, QuietView, list_price_cost, resume
from mistral_chat.services.chat import latest as latest_session
from mistral_chat.services.chat_options import InvalidOption, validate_option
from mistral_chat.services.images import test_image
from mistral_chat.storage import ConversationNotFound, HistoryStore

MODEL = "mistral-small-latest"


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as e:
        yield e


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    emu.clear_faults()
    with Client("test-key", base_url=emu.base_url, max_retries=2) as c:
        c._sleep = lambda s: None  # retries without waiting
        yield c


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(tmp_path / "history.db", secrets=["test-key-secret-value"]) as s:
        yield s


def chat_bodies(emu: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions" and r.json]


def test_doctests() -> None:
    assert doctest.testmod(chat.session).failed == 0


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("temperature", "0", ("temperature", 0.0)),
        ("temperature", 1.5, ("temperature", 1.5)),
        ("top-p", "1", ("top_p", 1.0)),
        ("max_tokens", "0", ("max_tokens", 0)),
        ("seed", 3.0, ("random_seed", 3)),
        ("safe_prompt", "on", ("safe_prompt", True)),
        ("safe-prompt", False, ("safe_prompt", False)),
        ("temperature", "default", ("temperature", None)),
    ],
)
def test_validate_option_accepts(name: str, value: object, expected: tuple[str, Any]) -> None:
    assert validate_option(name, value) == expected


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("temperature", "1.6", "between 0 and 1.5"),
        ("temperature", -0.1, "between 0 and 1.5"),
        ("temperature", "warm", "must be a number"),
        ("temperature", "nan", "finite"),
        ("top_p", 0, "greater than 0"),
        ("top_p", "1.01", "at most 1"),
        ("max_tokens", -1, "0 or more"),
        ("max_tokens", "2.5", "whole number"),
        ("seed", 1.5, "whole number"),
        ("seed", True, "whole number"),
        ("safe_prompt", "maybe", "on or off"),
        ("frequency", 1, "unknown option"),
    ],
)
def test_validate_option_refuses(name: str, value: object, message: str) -> None:
    with pytest.raises(InvalidOption, match=message):
        validate_option(name, value)


def test_stream_turn_is_logged_and_second_request_carries_the_first(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    start = len(emu.requests)
    session = ChatSession(client, store, model=MODEL, system="Be brief.", options={"seed": 7})
    seen: list[str] = []
    first = session.send("Hello there", view=QuietView(seen.append))
    assert first.status == "complete"
    assert "You said: Hello there" in first.text
    assert "".join(seen) == first.text
    assert first.usage and first.usage["completion_tokens"] > 0
    assert first.ttft_ms is not None and first.duration_ms is not None
    assert first.cost_usd is not None and first.cost_usd > 0
    assert first.conversation_id == session.conversation_id

    second = session.send("And again")
    assert "Messages: 4 (system 1, user 2, assistant 1)" in second.text
    bodies = chat_bodies(emu, start)
    assert len(bodies) == 2
    assert bodies[1]["random_seed"] == 7
    assert bodies[1]["messages"][1] == {"role": "user", "content": "Hello there"}
    assert bodies[1]["messages"][2]["content"] == first.text

    assert session.conversation_id is not None
    conv = store.get_conversation(session.conversation_id)
    assert conv.system == "Be brief." and conv.options == {"random_seed": 7}
    assert [m.role for m in conv.messages] == ["user", "assistant", "user", "assistant"]
    assert conv.messages[1].text == first.text
    assert conv.messages[1].status == "complete"
    assert conv.messages[1].usage == first.usage
    assert session.usage_total["total_tokens"] == sum(
        r.usage["total_tokens"] for r in (first, second) if r.usage
    )


def test_non_streaming_turn(client: Client, store: HistoryStore) -> None:
    session = ChatSession(client, store, model=MODEL, stream=False)
    result = session.send("No stream please")
    assert "You said: No stream please" in result.text
    assert result.finish_reason == "stop"
    assert session.conversation_id is not None
    stored = store.get_conversation(session.conversation_id).messages
    assert stored[-1].text == result.text and stored[-1].status == "complete"


def test_resume_by_prefix_and_latest(client: Client, store: HistoryStore, emu: Emulator) -> None:
    first = ChatSession(client, store, model=MODEL, options={"temperature": 0.2})
    first.send("Remember the word pineapple")
    conv_id = first.conversation_id
    assert conv_id is not None

    start = len(emu.requests)
    resumed = resume(client, store, conv_id[:8])
    assert resumed.options == {"temperature": 0.2} and resumed.model == MODEL
    resumed.send("What was the word?")
    body = chat_bodies(emu, start)[0]
    assert body["messages"][0]["content"] == "Remember the word pineapple"
    assert body["temperature"] == 0.2
    assert len(store.get_conversation(conv_id).messages) == 4

    latest = latest_session(client, store, model="ministral-8b-latest")
    assert latest.conversation_id == conv_id
    assert store.get_conversation(conv_id).model == "ministral-8b-latest"

    with pytest.raises(ConversationNotFound):
        resume(client, store, "zzzz")


def test_latest_on_empty_history_starts_afresh(client: Client, store: HistoryStore) -> None:
    session = latest_session(client, store, model=None)
    assert session.conversation_id is None and session.model == MODEL


def test_an_api_error_keeps_the_question_and_it_is_not_resent(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = ChatSession(client, store, model=MODEL)
    session.send("kept")
    emu.inject("status", status=503, times=3, path="/v1/chat/completions")
    with pytest.raises(ServerError) as info:
        session.send("also kept")
    assert info.value.attempts == 3
    # nothing a user typed is lost to an error: in memory and in the history
    assert [t.message["content"] for t in session.turns][::2] == ["kept", "also kept"]
    assert session.conversation_id is not None
    stored = store.get_conversation(session.conversation_id).messages
    assert [m.text for m in stored if m.role == "user"] == ["kept", "also kept"]
    # the next question goes without the unanswered one; /retry would send it again
    start = len(emu.requests)
    session.send("next")
    sent = chat_bodies(emu, start)[0]["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["kept", "next"]


def test_a_failed_retry_keeps_the_previous_answer(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = ChatSession(client, store, model=MODEL)
    first = session.send("first question")
    emu.inject("status", status=503, times=3, path="/v1/chat/completions")
    with pytest.raises(ServerError):
        session.retry()
    assert [t.message["role"] for t in session.turns] == ["user", "assistant"]
    assert session.turns[1].message["content"] == first.text
    assert session.conversation_id is not None
    stored = store.get_conversation(session.conversation_id).messages
    assert [m.role for m in stored] == ["user", "assistant"] and stored[1].text == first.text
    # the conversation goes on with the answer it had
    start = len(emu.requests)
    session.send("second")
    sent = next(r.json for r in emu.requests[start:] if r.path == "/v1/chat/completions")
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    # a retry that works replaces the answer, in memory and in the history
    again = session.retry()
    stored = store.get_conversation(session.conversation_id).messages
    assert [m.role for m in stored] == ["user", "assistant", "user", "assistant"]
    assert stored[-1].text == again.text and len(session.turns) == 4


def test_a_failed_first_turn_keeps_its_question(client: Client, store: HistoryStore) -> None:
    session = ChatSession(client, store, model="no-such-model")
    with pytest.raises(BadRequestError, match="no-such-model"):
        session.send("hello")
    assert [t.message["content"] for t in session.turns] == ["hello"]
    (conv,) = store.list_conversations()
    assert [m.text for m in store.get_conversation(conv.id).messages] == ["hello"]
    session.set_model(MODEL)
    again = session.retry()  # the question kept is the one answered
    assert "You said: hello" in again.text


def test_cut_stream_keeps_the_partial_answer(
    client: Client, store: HistoryStore, emu: Emulator
) -> None:
    session = ChatSession(client, store, model=MODEL)
    emu.inject("cut", after_chunks=3, path="/v1/chat/completions")
    result = session.send("emulator:markdown 50")
    assert result.status == "interrupted"
    assert result.text and result.error is not None
    assert session.conversation_id is not None
    stored = store.get_conversation(session.conversation_id).messages[-1]
    assert stored.status == "interrupted" and stored.text == result.text
    # the conversation goes on, carrying the partial answer
    assert session.send("go on").status == "complete"


def test_keyboard_interrupt_keeps_what_streamed(client: Client, store: HistoryStore) -> None:
    session = ChatSession(client, store, model=MODEL)
    received: list[str] = []

    def on_text(delta: str) -> None:
        received.append(delta)
        if len(received) == 5:
            raise KeyboardInterrupt

    result = session.send("emulator:markdown 100", view=QuietView(on_text))
    assert result.status == "interrupted" and isinstance(result.error, KeyboardInterrupt)
    assert result.text == "".join(received)
    assert session.conversation_id is not None
    stored = store.get_conversation(session.conversation_id).messages[-1]
    assert stored.status == "interrupted" and stored.text == result.text


def test_streaming_answer_is_checkpointed(client: Client, store: HistoryStore) -> None:
    session = ChatSession(client, store, model=MODEL, checkpoint_interval_s=0.0)
    snapshots: list[str] = []

    def on_text(delta: str) -> None:
        assert session.conversation_id is not None
        last = store.get_conversation(session.conversation_id).messages[-1]
        snapshots.append(last.text)

    session.send("emulator:markdown 30", view=QuietView(on_text))
    # with a zero interval every delta is saved before the next one is shown
    assert len(snapshots) > 3 and snapshots[-1] and snapshots[-1] != snapshots[1]


def test_images_go_out_and_only_metadata_is_stored(
    client: Client, store: HistoryStore, tmp_path: Path
) -> None:
    path = tmp_path / "red.png"
    path.write_bytes(test_image("red", (64, 48)).data)
    from mistral_chat.services.attachments import classify

    session = ChatSession(client, store, model=MODEL)
    result = session.send("what colour?", [classify(str(path))])
    assert "Image 1: PNG 64x48, dominant colour red" in result.text
    assert session.conversation_id is not None
    user = store.get_conversation(session.conversation_id).messages[0]
    assert user.attachments[0].name == "red.png" and user.attachments[0].mime_type == "image/png"
    assert "base64" not in json.dumps(user.content)
    # resumed, the image is replaced by a note rather than sent as nothing
    resumed = resume(client, store, session.conversation_id)
    assert "not kept in history" in json.dumps(resumed.messages)
    assert resumed.send("and now?").status == "complete"


def test_no_store_means_no_history(client: Client) -> None:
    session = ChatSession(client, None, model=MODEL)
    result = session.send("off the record")
    assert result.conversation_id is None and "off the record" in result.text


def test_undo_retry_clear_and_settings(client: Client, store: HistoryStore) -> None:
    session = ChatSession(client, store, model=MODEL)
    session.send("one")
    session.send("two")
    assert session.undo() == 2
    assert len(session.turns) == 2
    again = session.retry()
    assert "You said: one" in again.text and len(session.turns) == 2
    assert session.conversation_id is not None
    conv_id = session.conversation_id
    assert len(store.get_conversation(conv_id).messages) == 2

    session.set_model("ministral-8b-latest")
    session.set_system("Answer in French.")
    session.set_option("temperature", "0.5")
    conv = store.get_conversation(conv_id)
    assert conv.model == "ministral-8b-latest" and conv.system == "Answer in French."
    assert conv.options == {"temperature": 0.5}
    assert session.messages[0] == {"role": "system", "content": "Answer in French."}

    session.clear()
    assert session.turns == [] and session.conversation_id is None
    assert session.messages == [{"role": "system", "content": "Answer in French."}]
    session.send("fresh")
    assert session.conversation_id != conv_id
    assert session.undo() == 2 and session.undo() == 0
    with pytest.raises(ValueError, match="nothing to retry"):
        session.retry()


def test_list_price_cost() -> None:
    cost = list_price_cost(MODEL, {"prompt_tokens": 1_000_000, "completion_tokens": 0})
    assert cost is not None and cost > 0
    assert list_price_cost("my-own-model", {"prompt_tokens": 10}) is None


def test_empty_message_is_refused(client: Client) -> None:
    with pytest.raises(ValueError, match="nothing to send"):
        ChatSession(client, None, model=MODEL).send("")


def test_any_failure_after_text_arrived_keeps_the_text(client: Client, store: HistoryStore) -> None:
    session = ChatSession(client, store, model=MODEL)
    received: list[str] = []

    def on_text(delta: str) -> None:
        received.append(delta)
        if len(received) == 5:
            raise RuntimeError("a bug while drawing")

    result = session.send("emulator:markdown 100", view=QuietView(on_text))
    assert result.status == "interrupted" and isinstance(result.error, RuntimeError)
    assert result.text.startswith("".join(received)) and result.text
    assert session.conversation_id is not None
    question, answer = store.get_conversation(session.conversation_id).messages
    assert question.text == "emulator:markdown 100"
    assert answer.status == "interrupted" and answer.text == result.text
