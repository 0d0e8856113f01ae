"""Function calling in chat completions: ``emulator:call`` markers, parallel calls, rounds,
tool_choice, and the API's checks on tool fields."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest
from _emulator_helpers import chat, check, reply_text, sse_data


def function(name: str, **properties: Any) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"the {name} tool",
            "parameters": {"type": "object", "properties": properties},
        },
    }


TOOLS = [function("get_time", timezone={"type": "string"}), function("add", a={"type": "integer"})]


def streamed(client: httpx2.Client, messages: list[dict[str, Any]], **extra: Any) -> list[Any]:
    body = {"model": "mistral-small-latest", "messages": messages, "stream": True, **extra}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200, r.read()
        events = sse_data(list(r.iter_lines()))
    assert events[-1] == "[DONE]"
    for event in events[:-1]:
        check(event, "CompletionChunk")
    return events[:-1]


def calls_of(response: httpx2.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    body = response.json()
    check(body, "ChatCompletionResponse")
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    return body["choices"][0]["message"]["tool_calls"]  # type: ignore[no-any-return]


def merged(events: list[Any]) -> list[dict[str, Any]]:
    """Streamed tool call fragments joined by index, as a client must."""
    calls: dict[int, dict[str, Any]] = {}
    for event in events:
        for part in event["choices"][0]["delta"].get("tool_calls") or []:
            slot = calls.setdefault(part["index"], {"id": part["id"], "name": "", "arguments": ""})
            slot["name"] = part["function"]["name"]
            slot["arguments"] += part["function"]["arguments"]
    return [calls[i] for i in sorted(calls)]


def user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def test_one_marker_is_one_call_streamed_or_not(client: httpx2.Client) -> None:
    messages = user('What time is it? emulator:call get_time {"timezone": "Europe/Paris"}')
    (call,) = calls_of(chat(client, messages, tools=TOOLS))
    assert call["function"] == {"name": "get_time", "arguments": '{"timezone": "Europe/Paris"}'}
    assert len(call["id"]) == 9 and call["id"].isalnum()
    events = streamed(client, messages, tools=TOOLS)
    assert merged(events) == [{"id": call["id"], **call["function"]}]
    assert events[-1]["choices"][0]["finish_reason"] == "tool_calls"


def test_several_markers_are_parallel_calls(client: httpx2.Client) -> None:
    messages = user('emulator:call get_time {"timezone": "UTC"} and emulator:call add {"a": 2}')
    calls = calls_of(chat(client, messages, tools=TOOLS))
    assert [c["function"]["name"] for c in calls] == ["get_time", "add"]
    assert [c["index"] for c in calls] == [0, 1]
    assert len({c["id"] for c in calls}) == 2
    assert [c["name"] for c in merged(streamed(client, messages, tools=TOOLS))] == [
        "get_time",
        "add",
    ]
    # parallel_tool_calls false: only the first
    one = calls_of(chat(client, messages, tools=TOOLS, parallel_tool_calls=False))
    assert [c["function"]["name"] for c in one] == ["get_time"]


def test_same_call_twice_gets_two_ids(client: httpx2.Client) -> None:
    calls = calls_of(chat(client, user("emulator:call add {} emulator:call add {}"), tools=TOOLS))
    assert calls[0]["id"] != calls[1]["id"]


def test_marker_without_arguments_and_with_broken_json(client: httpx2.Client) -> None:
    (call,) = calls_of(chat(client, user("emulator:call get_time"), tools=TOOLS))
    assert call["function"]["arguments"] == "{}"
    text = 'emulator:call add {"a": 1 emulator:call get_time {}'
    broken, fine = calls_of(chat(client, user(text), tools=TOOLS))
    assert broken["function"]["arguments"] == '{"a": 1'
    assert fine["function"] == {"name": "get_time", "arguments": "{}"}


def test_a_tool_not_offered_is_still_called(client: httpx2.Client) -> None:
    """So that a client's refusal of unknown tools can be tested."""
    (call,) = calls_of(chat(client, user("emulator:call rm_rf {}"), tools=TOOLS))
    assert call["function"]["name"] == "rm_rf"


def test_no_tools_or_tool_choice_none_means_text(client: httpx2.Client) -> None:
    messages = user("emulator:call get_time {}")
    assert reply_text(chat(client, messages)).startswith("You said: emulator:call get_time {}")
    none = chat(client, messages, tools=TOOLS, tool_choice="none")
    assert none.json()["choices"][0]["finish_reason"] == "stop"


def answer(messages: list[dict[str, Any]], calls: list[dict[str, Any]], *results: str) -> None:
    messages.append({"role": "assistant", "content": None, "tool_calls": calls})
    for call, result in zip(calls, results, strict=True):
        messages.append({"role": "tool", "content": result, "tool_call_id": call["id"]})


def test_results_are_quoted_with_the_function_names(client: httpx2.Client) -> None:
    messages = user('emulator:call get_time {"timezone": "UTC"} emulator:call add {"a": 2}')
    calls = calls_of(chat(client, messages, tools=TOOLS))
    answer(messages, calls, "12:00", "4")
    response = chat(client, messages, tools=TOOLS)
    text = reply_text(response)
    assert "Tool result: get_time: 12:00\n\nTool result: add: 4" in text
    assert response.json()["choices"][0]["finish_reason"] == "stop"
    streamed_text = "".join(e["choices"][0]["delta"]["content"] for e in streamed(client, messages))
    assert streamed_text == text


def test_rounds_repeat_the_calls_then_answer(client: httpx2.Client) -> None:
    messages = user("emulator:call get_time {} emulator:rounds 3")
    ids = []
    for _ in range(3):
        (call,) = calls_of(chat(client, messages, tools=TOOLS))
        ids.append(call["id"])
        answer(messages, [call], "12:00")
    assert len(set(ids)) == 3
    text = reply_text(chat(client, messages, tools=TOOLS))
    # the answer quotes the results it answers: the last round's
    assert "Tool result: get_time: 12:00\n\nMessages: 7 (user 1, assistant 3, tool 3)" in text


@pytest.mark.parametrize("choice", ["any", "required"])
def test_tool_choice_forces_the_first_function(client: httpx2.Client, choice: str) -> None:
    (call,) = calls_of(chat(client, user("hello"), tools=TOOLS, tool_choice=choice))
    assert call["function"] == {"name": "get_time", "arguments": '{"timezone": "emulator"}'}
    named = {"type": "function", "function": {"name": "add"}}
    (call,) = calls_of(chat(client, user("hello"), tools=TOOLS, tool_choice=named))
    assert call["function"] == {"name": "add", "arguments": '{"a": 1}'}
    missing = {"type": "function", "function": {"name": "nope"}}
    assert chat(client, user("hello"), tools=TOOLS, tool_choice=missing).status_code == 400


def error(response: httpx2.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["object"] == "error" and body["param"] is None
    return str(body["message"])


def test_function_names_are_checked(client: httpx2.Client) -> None:
    for bad in ("has space", "a" * 65, "dots.not.allowed", ""):
        message = error(chat(client, user("hi"), tools=[function(bad)]))
        assert message == (
            f"Function name was {bad} but must be a-z, A-Z, 0-9, or contain underscores and "
            "dashes, with a maximum length of 64."
        )
    assert chat(client, user("hi"), tools=[function("srv__get-time_2")]).status_code == 200


CALL = {"id": "abcDEF123", "type": "function", "function": {"name": "add", "arguments": "{}"}}


def conversation(call: dict[str, Any], *tool_messages: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        *tool_messages,
    ]


def test_tool_call_ids_are_checked(client: httpx2.Client) -> None:
    bad_call = {**CALL, "id": "call_1"}
    result = {"role": "tool", "content": "1", "tool_call_id": "call_1"}
    response = chat(client, conversation(bad_call, result))
    assert (
        error(response) == "Tool call id was call_1 but must be a-z, A-Z, 0-9, with a length of 9."
    )
    assert response.json()["type"] == "invalid_function_call"
    assert response.json()["code"] == "3280"
    # the spec's default id is the string "null", which the API refuses
    no_id = {k: v for k, v in CALL.items() if k != "id"}
    message = error(chat(client, conversation(no_id, {**result, "tool_call_id": "abcDEF123"})))
    assert message.startswith("Tool call id was null but")


def test_tool_messages_must_answer_the_calls(client: httpx2.Client) -> None:
    undefined = {"role": "tool", "content": "1"}
    assert error(chat(client, conversation(CALL, undefined))) == "Tool call id has to be defined."
    stranger = {"role": "tool", "content": "1", "tool_call_id": "zzzzzzzzz"}
    assert "zzzzzzzzz does not match any tool call" in error(
        chat(client, conversation(CALL, stranger))
    )
    missing = conversation(CALL)
    assert error(chat(client, missing)) == "Not the same number of function calls and responses"
    answered = {"role": "tool", "content": "1", "tool_call_id": "abcDEF123"}
    twice = conversation(CALL, answered, answered)
    assert error(chat(client, twice)) == "Not the same number of function calls and responses"
    orphan = [{"role": "user", "content": "hi"}, answered]
    assert "does not match any tool call" in error(chat(client, orphan))
    assert reply_text(chat(client, conversation(CALL, answered))).startswith("You said: hi")


def test_validation_of_tool_fields_is_a_422(client: httpx2.Client) -> None:
    bad = chat(client, user("hi"), tools=[{"type": "function", "function": {"name": "x"}}])
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "parameters"
    choice = chat(client, user("hi"), tools=TOOLS, tool_choice="sometimes")
    assert choice.status_code == 422
    parallel = chat(client, user("hi"), tools=TOOLS, parallel_tool_calls="yes")
    assert parallel.status_code == 422


def test_arguments_sent_back_as_objects_are_accepted(client: httpx2.Client) -> None:
    call = {**CALL, "function": {"name": "add", "arguments": {"a": 1}}}
    answered = {"role": "tool", "content": "1", "tool_call_id": "abcDEF123", "name": "add"}
    assert "Tool result: add: 1" in reply_text(chat(client, conversation(call, answered)))


def test_json_mode_lists_the_results(client: httpx2.Client) -> None:
    answered = {"role": "tool", "content": "4", "tool_call_id": "abcDEF123"}
    response = chat(client, conversation(CALL, answered), response_format={"type": "json_object"})
    assert json.loads(reply_text(response))["tool_results"] == [{"name": "add", "content": "4"}]


def test_only_the_assistant_may_follow_tool_results(client: httpx2.Client) -> None:
    answered = {"role": "tool", "content": "1", "tool_call_id": "abcDEF123"}
    then_user = [*conversation(CALL, answered), *user("and now?")]
    response = chat(client, then_user)
    assert error(response) == "Unexpected role 'user' after role 'tool'"
    assert (response.json()["type"], response.json()["code"]) == (
        "invalid_request_message_order",
        "3230",
    )
    bridged = [*conversation(CALL, answered), {"role": "assistant", "content": "1"}]
    assert reply_text(chat(client, [*bridged, *user("and now?")])).startswith("You said: and now?")
