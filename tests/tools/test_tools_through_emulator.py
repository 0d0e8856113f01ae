"""A tool call from the emulator's model, run by the Toolbox, its result in the answer: the
loop the chat turn will run, done by hand with the wire client."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.tools import Toolbox, load_functions, server_spec, start_server

MODEL = "mistral-small-latest"


def one_round(client: Client, toolbox: Toolbox, question: str) -> str:
    messages: list[dict[str, Any]] = [{"role": "user", "content": question}]
    first = client.chat.complete(MODEL, messages, tools=toolbox.specs())
    message = first.choices[0].message
    assert first.choices[0].finish_reason == "tool_calls" and message.tool_calls
    calls = [c.to_dict() for c in message.tool_calls]
    messages.append({"role": "assistant", "content": None, "tool_calls": calls})
    for call in message.tool_calls:
        result = toolbox.call(call.function.name, call.function.arguments, timeout=30)
        messages.append(
            {
                "role": "tool",
                "content": result.text,
                "tool_call_id": call.id,
                "name": call.function.name,
            }
        )
    answer = client.chat.complete(MODEL, messages, tools=toolbox.specs())
    return str(answer.choices[0].message.content)


def test_a_real_mcp_server_answers_through_the_emulator(emulator: Emulator, tmp_path: Path) -> None:
    command = f"{Path(sys.executable).parent / 'mcp-server-time'} --local-timezone Europe/Paris"
    server = start_server(server_spec(command), log_dir=tmp_path)
    question = 'What time is it in Tokyo? emulator:call get_current_time {"timezone": "Asia/Tokyo"}'
    with Toolbox([server]) as toolbox, Client("test", base_url=emulator.base_url) as client:
        text = one_round(client, toolbox, question)
    line = next(p for p in text.split("\n\n") if p.startswith("Tool result: get_current_time: "))
    result = json.loads(line.removeprefix("Tool result: get_current_time: "))
    assert result["timezone"] == "Asia/Tokyo" and result["datetime"].endswith("+09:00")


def test_a_functions_file_answers_through_the_emulator(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "maths.py"
    path.write_text("def add(a: int, b: int) -> int:\n    'Add.'\n    return a + b\n")
    question = 'emulator:call add {"a": 20, "b": 22} emulator:call add {"a": 1, "b": 1}'
    with (
        Toolbox([load_functions(path)]) as toolbox,
        Client("test", base_url=emulator.base_url) as client,
    ):
        text = one_round(client, toolbox, question)
    assert "Tool result: add: 42\n\nTool result: add: 2" in text


def test_a_tool_that_was_not_offered_is_refused_and_the_model_told(
    emulator: Emulator, tmp_path: Path
) -> None:
    path = tmp_path / "maths.py"
    path.write_text("def add(a: int, b: int) -> int:\n    return a + b\n")
    with (
        Toolbox([load_functions(path)]) as toolbox,
        Client("test", base_url=emulator.base_url) as client,
    ):
        text = one_round(client, toolbox, "emulator:call delete_everything {}")
    assert (
        "Tool result: delete_everything: error: no tool named 'delete_everything' was offered (offered: add)"
        in text
    )
