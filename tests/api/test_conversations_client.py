"""`client.conversations` and `client.agents` against the emulator, sync and async; the chat
stream's tool calls and final message."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import httpx2
import pytest
from PIL import Image

from mistral_chat.api import AsyncClient, Client, StreamInterrupted
from mistral_chat.api.errors import BadRequestError, InvalidResponseError, NotFoundError
from mistral_chat.emulator import Emulator

MODEL = "mistral-small-latest"
GET_TIME = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    emulator.clear_faults()
    with Client("test", base_url=emulator.base_url, max_retries=0) as c:
        yield c


def test_start_with_hosted_tools(client: Client) -> None:
    reply = client.conversations.start(
        "Who won Euro 2024?", model=MODEL, tools=[{"type": "web_search"}]
    )
    assert reply.conversation_id.startswith("conv_")
    assert reply.text.startswith("You said: Who won Euro 2024?")
    assert reply.references[0].url == ("https://encyclopedia.example.com/wiki/who-won-euro-2024")
    assert [e.name for e in reply.tool_executions] == ["web_search"]
    assert reply.usage.connectors == {"web_search": 1}


def test_function_calls_results_and_history(client: Client) -> None:
    reply = client.conversations.start("emulator:call get_time {}", model=MODEL, tools=[GET_TIME])
    (call,) = reply.function_calls
    assert call.name == "get_time" and call.arguments_json == "{}" and call.tool_call_id
    answer = client.conversations.append(
        reply.conversation_id, [{"tool_call_id": call.tool_call_id, "result": "12:00"}]
    )
    assert "Tool result: get_time: 12:00" in answer.text
    history = client.conversations.history(reply.conversation_id)
    assert [e.type for e in history.entries] == [
        "message.input",
        "function.call",
        "function.result",
        "message.output",
    ]
    assert history.text == answer.text
    messages = client.conversations.messages(reply.conversation_id).messages
    assert [m.role for m in messages] == ["user", "assistant"]
    info = client.conversations.get(reply.conversation_id)
    assert info.model == MODEL and info.tools[0]["function"]["name"] == "get_time"
    restarted = client.conversations.restart(
        reply.conversation_id, history.entries[0].id, None, store=False
    )
    assert restarted.conversation_id != reply.conversation_id
    assert reply.conversation_id in {c.id for c in client.conversations.list()}
    client.conversations.delete(reply.conversation_id)
    with pytest.raises(NotFoundError):
        client.conversations.get(reply.conversation_id)


def test_a_generated_image_downloads(client: Client) -> None:
    reply = client.conversations.start(
        "a blue square", model=MODEL, tools=[{"type": "image_generation"}]
    )
    (image,) = reply.files
    assert image.file_name == "image_generated_0" and image.file_type == "png"
    buffer = io.BytesIO()
    client.files.download(image.file_id, buffer)
    with Image.open(io.BytesIO(buffer.getvalue())) as picture:
        assert picture.getpixel((1, 1)) == (0, 0, 255)


def test_streamed_turn_accumulates_to_the_whole_answer(client: Client) -> None:
    whole = client.conversations.start(
        "red", model=MODEL, tools=[{"type": "web_search"}], store=False
    )
    deltas = []
    with client.conversations.start_stream(
        "red", model=MODEL, tools=[{"type": "web_search"}]
    ) as stream:
        for event in stream:
            deltas.append(stream.delta)
            assert event.type
        response = stream.response()
    assert "".join(deltas) == response.text == whole.text
    assert response.references == whole.references
    assert [o.type for o in response.outputs] == ["tool.execution", "message.output"]
    assert stream.conversation_id == response.conversation_id and stream.usage is not None
    again = client.conversations.append_stream(response.conversation_id, "more").until_done()
    assert again.conversation_id == response.conversation_id
    assert again.text.startswith("You said: more")


def test_streamed_function_call(client: Client) -> None:
    stream = client.conversations.start_stream(
        'emulator:call get_time {"tz": "UTC"}', model=MODEL, tools=[GET_TIME]
    ).until_done()
    (call,) = stream.response().function_calls
    assert call.name == "get_time" and call.arguments == '{"tz": "UTC"}'


def test_a_stream_that_fails_keeps_what_came(emulator: Emulator, client: Client) -> None:
    emulator.inject("stream_error", path="/v1/conversations", after_chunks=3)
    with pytest.raises(StreamInterrupted) as caught:
        client.conversations.start_stream("one two three four", model=MODEL).until_done()
    assert "the server reported an error" in str(caught.value)
    assert caught.value.partial_text == "You said: "
    emulator.inject("cut", path="/v1/conversations", after_chunks=2)
    with pytest.raises(StreamInterrupted):
        client.conversations.start_stream("one two", model=MODEL).until_done()


def test_refusals(client: Client) -> None:
    with pytest.raises(BadRequestError, match="Invalid model"):
        client.conversations.start("hi", model="gpt-4")
    with pytest.raises(ValueError, match="a model or an agent_id"):
        client.conversations.start("hi")
    with pytest.raises(TypeError, match="unknown conversation option"):
        client.conversations.start("hi", model=MODEL, temperature=0.2)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="invalid conversation id"):
        client.conversations.get("..")


def test_a_page_where_events_were_expected() -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, html="<html>proxy</html>")

    transport = httpx2.MockTransport(handler)
    with (
        Client("k", transport=transport, max_retries=0) as c,
        pytest.raises(InvalidResponseError, match="HTML page"),
    ):
        c.conversations.start_stream("hi", model=MODEL)


def test_agents(client: Client) -> None:
    agents = client.agents.list()
    assert [a.id for a in agents][-4:] == [
        "ag_emulator_researcher",
        "ag_emulator_coder",
        "ag_emulator_illustrator",
        "ag_emulator_plain",
    ]
    page = client.agents.page(page_size=2)
    assert len(page.data) == 2 and page.next_page_token
    made = client.agents.create(MODEL, "Timekeeper", tools=[GET_TIME], instructions="Be punctual.")
    assert made.tool_types == ["function:get_time"]
    assert client.agents.get(made.id).instructions == "Be punctual."
    reply = client.conversations.start("hi", agent_id=made.id)
    assert reply.outputs[-1].agent_id == made.id and "System: Be punctual." in reply.text
    client.agents.delete(made.id)
    with pytest.raises(NotFoundError):
        client.agents.get(made.id)


def test_async_conversations(emulator: Emulator) -> None:
    async def run() -> tuple[str, str, list[str]]:
        async with AsyncClient("test", base_url=emulator.base_url) as c:
            reply = await c.conversations.start("hello", agent_id="ag_emulator_coder")
            async with c.conversations.append_stream(reply.conversation_id, "again") as stream:
                async for _ in stream:
                    pass
            agents = await c.agents.list()
            return reply.text, stream.text, [a.id for a in agents]

    text, streamed, agents = asyncio.run(run())
    assert "Code interpreter output:" in text and streamed.startswith("You said: again")
    assert "ag_emulator_coder" in agents


def test_chat_stream_parallel_tool_calls_and_message(client: Client) -> None:
    messages = [
        {"role": "user", "content": 'emulator:call get_time {} emulator:call get_time {"a": 1}'}
    ]
    stream = client.chat.stream(MODEL, messages, tools=[GET_TIME]).until_done()
    calls = stream.tool_calls
    assert [c["function"]["arguments"] for c in calls] == ["{}", '{"a": 1}']
    assert stream.message == {"role": "assistant", "content": None, "tool_calls": calls}
    whole = client.chat.complete(MODEL, messages, tools=[GET_TIME]).choices[0].message
    assert whole.to_request()["tool_calls"] == calls
    follow = [*messages, stream.message]
    follow += [{"role": "tool", "content": "noon", "tool_call_id": c["id"]} for c in calls]
    answer = client.chat.complete(MODEL, follow, tools=[GET_TIME])
    assert "Tool result: get_time: noon" in str(answer.choices[0].message.content)
