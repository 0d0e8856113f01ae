"""``/v1/conversations``: start, append, restart, history, streaming, hosted tools, checks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from _emulator_helpers import AUTH, check
from PIL import Image

from mistral_chat.emulator import Emulator

MODEL = "mistral-small-latest"
GET_TIME = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


def start(client: httpx2.Client, inputs: Any, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/conversations", json={"model": MODEL, "inputs": inputs, **extra})
    assert response.status_code == 200, response.text
    body = response.json()
    check(body, "ConversationResponse", full=True)
    return body  # type: ignore[no-any-return]


def append(client: httpx2.Client, conversation_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(f"/v1/conversations/{conversation_id}", json=body)
    assert response.status_code == 200, response.text
    check(response.json(), "ConversationResponse", full=True)
    return response.json()  # type: ignore[no-any-return]


def events(client: httpx2.Client, path: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The streamed events, each checked against the spec; ``event:`` names the data's type."""
    with client.stream("POST", path, json={**body, "stream": True}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = list(response.iter_lines())
    found, name = [], None
    for line in lines:
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            data = json.loads(line.removeprefix("data: "))
            assert data["type"] == name
            check({"event": name, "data": data}, "ConversationEvents", full=True)
            found.append(data)
    return found


def text_of(output: dict[str, Any]) -> str:
    content = output["content"]
    if isinstance(content, str):
        return content
    return "".join(c["text"] for c in content if c["type"] == "text")


def test_start_with_a_string_answers_and_keeps_the_history(client: httpx2.Client) -> None:
    body = start(client, "hello", instructions="Be brief.")
    assert body["object"] == "conversation.response"
    assert body["conversation_id"].startswith("conv_")
    (output,) = body["outputs"]
    assert output["type"] == "message.output" and output["model"] == MODEL
    assert (
        output["content"]
        == "You said: hello\n\nSystem: Be brief.\n\nMessages: 2 (system 1, user 1)"
    )
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    assert usage["connectors"] is None
    history = client.get(f"/v1/conversations/{body['conversation_id']}/history").json()
    check(history, "ConversationHistory", full=True)
    assert [e["type"] for e in history["entries"]] == ["message.input", "message.output"]
    assert history["entries"][0]["content"] == "hello" and history["entries"][0]["role"] == "user"
    assert history["entries"][1] == output


def test_append_continues_the_same_conversation(client: httpx2.Client) -> None:
    first = start(client, [{"role": "user", "content": "one"}])
    cid = first["conversation_id"]
    second = append(client, cid, inputs="two")
    assert second["conversation_id"] == cid
    assert text_of(second["outputs"][-1]).endswith("Messages: 3 (user 2, assistant 1)")
    messages = client.get(f"/v1/conversations/{cid}/messages").json()
    check(messages, "ConversationMessages", full=True)
    assert [m["role"] for m in messages["messages"]] == ["user", "assistant", "user", "assistant"]
    info = client.get(f"/v1/conversations/{cid}").json()
    check(info, "ModelConversation", full=True)
    assert info["model"] == MODEL and info["id"] == cid
    assert info["completion_args"]["tool_choice"] == "auto"


def test_restart_copies_up_to_the_entry_into_a_new_conversation(client: httpx2.Client) -> None:
    first = start(client, "one")
    cid = first["conversation_id"]
    append(client, cid, inputs="two")
    entries = client.get(f"/v1/conversations/{cid}/history").json()["entries"]
    response = client.post(
        f"/v1/conversations/{cid}/restart",
        json={"from_entry_id": entries[1]["id"], "inputs": "three"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    check(body, "ConversationResponse", full=True)
    assert body["conversation_id"] != cid
    assert text_of(body["outputs"][-1]).startswith("You said: three")
    restarted = client.get(f"/v1/conversations/{body['conversation_id']}/history").json()
    assert [e["id"] for e in restarted["entries"][:2]] == [e["id"] for e in entries[:2]]
    assert len(restarted["entries"]) == 4
    assert len(client.get(f"/v1/conversations/{cid}/history").json()["entries"]) == 4
    unknown = client.post(f"/v1/conversations/{cid}/restart", json={"from_entry_id": "msg_nope"})
    assert unknown.status_code == 404


def test_function_calls_and_results(client: httpx2.Client) -> None:
    body = start(client, 'emulator:call get_time {"tz": "UTC"}', tools=[GET_TIME])
    (call,) = body["outputs"]
    assert call["type"] == "function.call" and call["name"] == "get_time"
    assert call["arguments"] == '{"tz": "UTC"}' and len(call["tool_call_id"]) == 9
    result = {"tool_call_id": call["tool_call_id"], "result": "12:00"}
    answer = append(client, body["conversation_id"], inputs=[result])
    assert "Tool result: get_time: 12:00" in text_of(answer["outputs"][-1])
    history = client.get(f"/v1/conversations/{body['conversation_id']}/history").json()
    kinds = [e["type"] for e in history["entries"]]
    assert kinds == ["message.input", "function.call", "function.result", "message.output"]


def test_a_result_for_no_call_is_refused(client: httpx2.Client) -> None:
    body = start(client, "emulator:call get_time", tools=[GET_TIME])
    cid = body["conversation_id"]
    response = client.post(
        f"/v1/conversations/{cid}", json={"inputs": [{"tool_call_id": "zzzzzzzzz", "result": "x"}]}
    )
    assert response.status_code == 400
    assert "zzzzzzzzz does not match any tool call" in response.json()["message"]
    # a new question while a call waits for its result
    waiting = client.post(f"/v1/conversations/{cid}", json={"inputs": "and?"})
    assert waiting.json()["message"] == "Not the same number of function calls and responses"


def test_streamed_start_and_append(client: httpx2.Client) -> None:
    body = {"model": MODEL, "inputs": "hi there", "tools": [GET_TIME]}
    found = events(client, "/v1/conversations", body)
    assert found[0]["type"] == "conversation.response.started"
    assert found[-1]["type"] == "conversation.response.done"
    deltas = [e for e in found if e["type"] == "message.output.delta"]
    assert len(deltas) > 3 and {d["output_index"] for d in deltas} == {0}
    text = "".join(d["content"] for d in deltas)
    assert text == "You said: hi there\n\nMessages: 1 (user 1)"
    cid = found[0]["conversation_id"]
    history = client.get(f"/v1/conversations/{cid}/history").json()["entries"]
    assert history[-1]["content"] == text and history[-1]["id"] == deltas[0]["id"]
    again = events(client, f"/v1/conversations/{cid}", {"inputs": "emulator:call get_time {}"})
    assert again[0]["conversation_id"] == cid
    call_events = [e for e in again if e["type"] == "function.call.delta"]
    assert len(call_events) == 2
    assert "".join(e["arguments"] for e in call_events) == "{}"


def test_web_search_answers_with_references_built_from_the_query(client: httpx2.Client) -> None:
    body = start(client, "Who won Euro 2024?", tools=[{"type": "web_search"}])
    execution, message = body["outputs"]
    assert execution["type"] == "tool.execution" and execution["name"] == "web_search"
    assert json.loads(execution["arguments"]) == {"query": "Who won Euro 2024?"}
    references = [c for c in message["content"] if c["type"] == "tool_reference"]
    assert [r["url"] for r in references] == [
        "https://encyclopedia.example.com/wiki/who-won-euro-2024",
        "https://guide.example.org/who-won-euro-2024",
        "https://forum.example.net/t/who-won-euro-2024",
    ]
    assert all(r["tool"] == "web_search" and "Who won Euro 2024?" in r["title"] for r in references)
    assert 'Web search for "Who won Euro 2024?": 3 results.' in text_of(message)
    assert body["usage"]["connectors"] == {"web_search": 1}
    premium = start(client, "news", tools=[{"type": "web_search_premium"}])
    refs = [c for c in premium["outputs"][-1]["content"] if c["type"] == "tool_reference"]
    assert len(refs) == 4 and refs[-1]["url"] == "https://wire.example.com/news/news"


def test_code_interpreter_returns_the_code_it_ran(client: httpx2.Client) -> None:
    body = start(
        client, "Run this:\n```python\nprint(6 * 7)\n```", tools=[{"type": "code_interpreter"}]
    )
    execution, message = body["outputs"]
    assert execution["info"] == {"code": "print(6 * 7)", "code_output": "print(6 * 7)"}
    assert "Code interpreter output:\n\n```\nprint(6 * 7)\n```" in text_of(message)


def test_image_generation_stores_a_png(client: httpx2.Client) -> None:
    body = start(client, "a red square", tools=[{"type": "image_generation"}])
    execution, message = body["outputs"]
    assert execution["name"] == "image_generation"
    (chunk,) = [c for c in message["content"] if c["type"] == "tool_file"]
    assert chunk["file_name"] == "image_generated_0" and chunk["file_type"] == "png"
    info = client.get(f"/v1/files/{chunk['file_id']}").json()
    assert info["filename"] == "image_generated_0.png" and info["mimetype"] == "image/png"
    assert info["source"] == "mistral"
    data = client.get(f"/v1/files/{chunk['file_id']}/content").content
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.size == (256, 256)
        assert image.getpixel((0, 0)) == (255, 0, 0)
    # the image sent back in a question is a file the model can see
    followup = append(
        client,
        body["conversation_id"],
        inputs=[{"role": "user", "content": [{"type": "text", "text": "this one"}, chunk]}],
    )
    assert "File 1: image_generated_0.png" in text_of(followup["outputs"][-1])


def test_document_library_answers_from_the_library(client: httpx2.Client) -> None:
    library = client.post("/v1/libraries", json={"name": "Papers"}).json()
    for name in ("pixtral.pdf", "notes.md"):
        files = {"file": (name, f"%PDF-1.4 {name}".encode())}
        assert client.post(f"/v1/libraries/{library['id']}/documents", files=files).status_code in (
            200,
            201,
        )
    tools = [{"type": "document_library", "library_ids": [library["id"]]}]
    execution, message = start(client, "vision encoder", tools=tools)["outputs"]
    assert json.loads(execution["arguments"])["library_ids"] == [library["id"]]
    references = [c for c in message["content"] if c["type"] == "tool_reference"]
    assert sorted(r["title"] for r in references) == ["notes.md", "pixtral.pdf"]
    assert all(r["tool"] == "document_library" and "url" not in r for r in references)
    assert 'Document library Papers: 2 passages for "vision encoder".' in text_of(message)
    for unknown in ("lib-1", "3fa85f64-5717-4562-b3fc-2c963f66afa6"):
        body = {
            "model": MODEL,
            "inputs": "x",
            "tools": [{"type": "document_library", "library_ids": [unknown]}],
        }
        response = client.post("/v1/conversations", json=body)
        assert (
            response.status_code == 404
            and response.json()["message"] == f"Library {unknown} not found."
        )


def test_hosted_tools_stream_their_executions(client: httpx2.Client) -> None:
    body = {
        "model": MODEL,
        "inputs": "blue",
        "tools": [{"type": "web_search"}, {"type": "image_generation"}],
    }
    found = events(client, "/v1/conversations", body)
    kinds = [e["type"] for e in found]
    assert kinds[:5] == [
        "conversation.response.started",
        "tool.execution.started",
        "tool.execution.done",
        "tool.execution.started",
        "tool.execution.done",
    ]
    chunks = [e["content"] for e in found if isinstance(e.get("content"), dict)]
    assert [c["type"] for c in chunks] == ["tool_reference"] * 3 + ["tool_file"]
    assert found[-1]["usage"]["connectors"] == {"web_search": 1, "image_generation": 1}


def test_hosted_tools_wait_for_function_results(client: httpx2.Client) -> None:
    tools = [GET_TIME, {"type": "web_search"}]
    body = start(client, "emulator:call get_time {} time in Paris", tools=tools)
    assert [o["type"] for o in body["outputs"]] == ["function.call"]
    result = {"tool_call_id": body["outputs"][0]["tool_call_id"], "result": "12:00"}
    answer = append(client, body["conversation_id"], inputs=[result])
    assert [o["type"] for o in answer["outputs"]] == ["tool.execution", "message.output"]
    assert json.loads(answer["outputs"][0]["arguments"]) == {"query": "time in Paris"}
    again = append(
        client, body["conversation_id"], inputs=[], completion_args={"tool_choice": "none"}
    )
    assert [o["type"] for o in again["outputs"]] == ["message.output"]


def test_agent_conversations_use_the_agents_tools(client: httpx2.Client) -> None:
    body = start_agent(client, "ag_emulator_researcher", "Who won?")
    assert [o["name"] for o in body["outputs"][:1]] == ["web_search"]
    assert body["outputs"][-1]["agent_id"] == "ag_emulator_researcher"
    assert body["outputs"][-1]["model"] == "mistral-medium-latest"
    assert "System: Search the web" in text_of(body["outputs"][-1])
    info = client.get(f"/v1/conversations/{body['conversation_id']}").json()
    check(info, "AgentConversation", full=True)
    listed = client.get("/v1/conversations").json()
    assert [c["id"] for c in listed] == [body["conversation_id"]]


def start_agent(client: httpx2.Client, agent_id: str, inputs: str) -> dict[str, Any]:
    response = client.post("/v1/conversations", json={"agent_id": agent_id, "inputs": inputs})
    assert response.status_code == 200, response.text
    check(response.json(), "ConversationResponse", full=True)
    return response.json()  # type: ignore[no-any-return]


def test_what_is_refused(client: httpx2.Client) -> None:
    def post(path: str, body: Any) -> httpx2.Response:
        return client.post(path, json=body)

    assert post("/v1/conversations", {"inputs": "hi"}).status_code == 400
    both = post(
        "/v1/conversations", {"inputs": "hi", "model": MODEL, "agent_id": "ag_emulator_plain"}
    )
    assert both.status_code == 400
    assert post("/v1/conversations", {"inputs": "hi", "model": "gpt-4"}).json()["message"] == (
        "Invalid model: gpt-4"
    )
    assert post("/v1/conversations", {"inputs": "hi", "agent_id": "ag_nope"}).status_code == 404
    missing = post("/v1/conversations", {"model": MODEL})
    assert missing.status_code == 422 and missing.json()["detail"][0]["loc"] == ["body", "inputs"]
    bad_entry = post(
        "/v1/conversations", {"model": MODEL, "inputs": [{"role": "robot", "content": "x"}]}
    )
    assert bad_entry.status_code == 422
    bad_type = post("/v1/conversations", {"model": MODEL, "inputs": [{"type": "message.nope"}]})
    assert bad_type.status_code == 422
    assert "message.input" in bad_type.json()["detail"][0]["msg"]
    hot = post(
        "/v1/conversations",
        {"model": MODEL, "inputs": "hi", "completion_args": {"temperature": 1.2}},
    )
    assert hot.status_code == 422
    assert post("/v1/conversations/conv_nope", {"inputs": "hi"}).status_code == 404
    assert post("/v1/conversations/../../etc", {"inputs": "hi"}).status_code == 404
    cid = start(client, "hi")["conversation_id"]
    extra = post(f"/v1/conversations/{cid}", {"inputs": "hi", "model": MODEL})
    assert extra.status_code == 422 and extra.json()["detail"][0]["type"] == "extra_forbidden"
    assert post(f"/v1/conversations/{cid}/restart", {"inputs": "x"}).status_code == 422


def test_store_false_keeps_nothing_and_delete_forgets(client: httpx2.Client) -> None:
    body = start(client, "secret", store=False)
    assert client.get(f"/v1/conversations/{body['conversation_id']}").status_code == 404
    cid = start(client, "kept")["conversation_id"]
    append(client, cid, inputs="not kept", store=False)
    assert len(client.get(f"/v1/conversations/{cid}/history").json()["entries"]) == 2
    assert client.delete(f"/v1/conversations/{cid}").status_code == 204
    assert client.get(f"/v1/conversations/{cid}").status_code == 404


def test_list_pages_and_metadata(client: httpx2.Client) -> None:
    ids = [start(client, str(n), metadata={"n": n})["conversation_id"] for n in range(3)]
    listed = client.get("/v1/conversations", params={"page_size": 2}).json()
    assert [c["id"] for c in listed] == ids[::-1][:2]
    page = client.get("/v1/conversations", params={"page": 1, "page_size": 2}).json()
    assert [c["id"] for c in page] == ids[:1]
    picked = client.get("/v1/conversations", params={"metadata": json.dumps({"n": 1})}).json()
    assert [c["id"] for c in picked] == [ids[1]]
    assert client.get("/v1/conversations", params={"page": "x"}).status_code == 422


def test_conversations_outlive_the_emulator(tmp_path: Path) -> None:
    """As files do: ``-c`` with ``--emulator`` starts a new emulator on the same state."""
    with (
        Emulator(state_dir=tmp_path) as emu,
        httpx2.Client(base_url=emu.base_url, headers=AUTH) as c,
    ):
        cid = start(c, "first")["conversation_id"]
    with (
        Emulator(state_dir=tmp_path) as emu,
        httpx2.Client(base_url=emu.base_url, headers=AUTH) as c,
    ):
        assert text_of(append(c, cid, inputs="second")["outputs"][-1]).startswith(
            "You said: second"
        )


@pytest.mark.parametrize("form", ["json_object", "text"])
def test_completion_args_apply(client: httpx2.Client, form: str) -> None:
    args = {"response_format": {"type": form}, "max_tokens": 3}
    body = start(client, "one two three four five six", completion_args=args)
    content = text_of(body["outputs"][-1])
    assert body["usage"]["completion_tokens"] == 3
    assert content.startswith('{"you_said": ' if form == "json_object" else "You said: one")


def test_reasoning_models_think_first(client: httpx2.Client) -> None:
    body = client.post(
        "/v1/conversations", json={"model": "magistral-medium-latest", "inputs": "why?"}
    ).json()
    content = body["outputs"][-1]["content"]
    assert content[0]["type"] == "thinking" and content[1]["type"] == "text"


def test_stream_faults_end_with_the_error_event(emu: Emulator, client: httpx2.Client) -> None:
    emu.inject("stream_error", path="/v1/conversations", after_chunks=2)
    found = events(client, "/v1/conversations", {"model": MODEL, "inputs": "one two three"})
    assert [e["type"] for e in found] == [
        "conversation.response.started",
        "message.output.delta",
        "conversation.response.error",
    ]
    assert found[-1]["code"] == 3000
    emu.inject("cut", path="/v1/conversations", after_chunks=2)
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.stream(
            "POST", "/v1/conversations", json={"model": MODEL, "inputs": "x", "stream": True}
        ) as r,
    ):
        list(r.iter_lines())
