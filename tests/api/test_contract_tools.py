"""Request bodies with tools, tool messages, conversations and agents validate against the
vendored spec (the whole published one: the trimmed copy has no conversations)."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
import yaml

from mistral_chat.api import Client
from mistral_chat.services.tools import Toolbox, load_functions, server_spec, start_server

FULL_SPEC = Path(__file__).parents[1] / "data" / "mistral-openapi.yaml"
GET_TIME = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}},
}


@cache
def spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(FULL_SPEC.read_text(), Loader=loader)  # type: ignore[no-any-return]


def check(body: Any, path: str, method: str = "post") -> None:
    schema = spec()["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({**schema, "components": spec()["components"]})
    errors = sorted(validator.iter_errors(body), key=str)
    assert not errors, [e.message[:200] for e in errors[:3]]


def check_query(params: dict[str, Any], path: str, method: str = "get") -> None:
    declared = {p["name"]: p for p in spec()["paths"][path][method].get("parameters", [])}
    for name, value in params.items():
        assert name in declared, name
        schema = declared[name].get("schema", {})
        if schema.get("type") == "integer":
            int(value)


class Recorder:
    """Answers each request with a minimal valid answer and keeps the request."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        if path.startswith("/v1/agents"):
            if path.endswith("/pages"):
                return httpx2.Response(200, json={"object": "list", "data": []})
            return httpx2.Response(200, json={"id": "ag_1", "name": "n", "model": "m"})
        if path == "/v1/chat/completions":
            return httpx2.Response(200, json={"choices": []})
        body = json.loads(request.content or b"{}")
        if body.get("stream"):
            done = {"type": "conversation.response.done", "usage": {}}
            events = f"event: conversation.response.done\ndata: {json.dumps(done)}\n\n"
            return httpx2.Response(
                200, content=events.encode(), headers={"content-type": "text/event-stream"}
            )
        if request.method == "GET":
            return httpx2.Response(200, json=[] if path == "/v1/conversations" else {"id": "c"})
        return httpx2.Response(200, json={"conversation_id": "c", "outputs": [], "usage": {}})

    def bodies(self) -> list[tuple[str, Any]]:
        return [(r.url.path, json.loads(r.content)) for r in self.requests if r.method == "POST"]


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def client(recorder: Recorder) -> Client:
    return Client("k", base_url="https://api.example", transport=httpx2.MockTransport(recorder))


ENTRIES = [
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "look"},
            {"type": "image_url", "image_url": "https://x/y.png"},
        ],
    },
    {"type": "function.result", "tool_call_id": "abcDEF123", "result": "12:00"},
    {"object": "entry", "type": "message.input", "role": "user", "content": "and?"},
]
ALL_TOOLS = [
    GET_TIME,
    {"type": "web_search"},
    {"type": "web_search_premium"},
    {"type": "code_interpreter"},
    {"type": "image_generation"},
    {"type": "document_library", "library_ids": ["lib-1"]},
]
FULL_START = {
    "store": True,
    "handoff_execution": "server",
    "instructions": "Be brief.",
    "tools": ALL_TOOLS,
    "completion_args": {"temperature": 0.3, "max_tokens": 10, "tool_choice": "auto", "stop": ["x"]},
    "name": "n",
    "description": "d",
    "metadata": {"k": "v"},
}


@pytest.mark.parametrize("stream", [False, True])
def test_conversation_bodies_validate(client: Client, recorder: Recorder, stream: bool) -> None:
    c = client.conversations
    with client:
        if stream:
            c.start_stream("hi", model="m", **FULL_START).until_done()
            c.start_stream(ENTRIES, agent_id="ag_1", agent_version=2).until_done()
            c.append_stream(
                "conv_1", "more", store=False, completion_args={"top_p": 0.5}
            ).until_done()
            c.restart_stream("conv_1", "msg_1", ENTRIES, metadata={"a": 1}).until_done()
        else:
            c.start("hi", model="m", **FULL_START)
            c.start(ENTRIES, agent_id="ag_1", agent_version=2)
            c.append("conv_1", ENTRIES, handoff_execution="client")
            c.append(
                "conv_1",
                None,
                tool_confirmations=[{"tool_call_id": "abcDEF123", "confirmation": "allow"}],
            )
            c.restart("conv_1", "msg_1", "again", completion_args={"temperature": 0})
    suffix = "#stream" if stream else ""
    for path, body in recorder.bodies():
        if path == "/v1/conversations":
            check(body, "/v1/conversations" + suffix)
        elif path.endswith("/restart"):
            check(body, "/v1/conversations/{conversation_id}/restart" + suffix)
        else:
            check(body, "/v1/conversations/{conversation_id}" + suffix)
        assert body["stream"] is stream


def test_agent_and_listing_requests_validate(client: Client, recorder: Recorder) -> None:
    with client:
        client.agents.create(
            "m", "n", instructions="i", tools=ALL_TOOLS, completion_args={"temperature": 0.1}
        )
        client.agents.page(page_size=5, page_token="t", name="n", search="s")
        client.conversations.list(page=1, page_size=10)
    check(recorder.bodies()[0][1], "/v1/agents")
    check_query(dict(recorder.requests[1].url.params), "/v1/agents/pages")
    check_query(dict(recorder.requests[2].url.params), "/v1/conversations")


def test_the_check_can_fail() -> None:
    with pytest.raises(AssertionError):
        check({"inputs": "hi", "completion_args": {"temperature": 3}}, "/v1/conversations")
    with pytest.raises(AssertionError):
        check(
            {"inputs": "hi", "stream": False, "modle": "m"}, "/v1/conversations/{conversation_id}"
        )


def test_a_tool_loop_validates(client: Client, recorder: Recorder, tmp_path: Path) -> None:
    """The bodies of a loop: tools from a real MCP server and a functions file, the answer
    sent back with its calls, and the tool messages."""
    fns = tmp_path / "fns.py"
    fns.write_text(
        "def add(a: int, b: list[int] | None = None) -> int:\n    'Add.'\n    return a\n"
    )
    command = f"{Path(sys.executable).parent / 'mcp-server-time'}"
    server = start_server(server_spec(command), log_dir=tmp_path)
    with Toolbox([server, load_functions(fns)]) as toolbox, client:
        specs = toolbox.specs()
        messages: list[dict[str, Any]] = [{"role": "user", "content": "time?"}]
        client.chat.complete(
            "m", messages, tools=specs, tool_choice="auto", parallel_tool_calls=True
        )
        messages.append(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "abcDEF123",
                        "type": "function",
                        "function": {"name": "get_current_time", "arguments": "{}"},
                    },
                    {
                        "id": "ghiJKL456",
                        "type": "function",
                        "function": {"name": "add", "arguments": '{"a": 1}'},
                    },
                ],
            }
        )
        for call_id, name in (("abcDEF123", "get_current_time"), ("ghiJKL456", "add")):
            result = toolbox.call(name, "{}", 30)
            messages.append(
                {"role": "tool", "content": result.text, "tool_call_id": call_id, "name": name}
            )
        client.chat.complete("m", messages, tools=specs)
    for _, body in recorder.bodies():
        check(body, "/v1/chat/completions")
