"""Chat request validation: 422 ``detail[]`` shapes, and the 400 errors after it."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from _emulator_helpers import check

USER = [{"role": "user", "content": "hi"}]


def post(client: httpx2.Client, body: Any) -> httpx2.Response:
    return client.post("/v1/chat/completions", json=body)


@pytest.mark.parametrize(
    ("body", "type_", "loc"),
    [
        ({"messages": USER}, "missing", ["body", "model"]),
        ({"model": "mistral-small-latest"}, "missing", ["body", "messages"]),
        ({"model": 3, "messages": USER}, "string_type", ["body", "model"]),
        ({"model": "m", "messages": USER, "foo": 1}, "extra_forbidden", ["body", "foo"]),
        (
            {"model": "m", "messages": USER, "temperature": 2},
            "less_than_equal",
            ["body", "temperature"],
        ),
        (
            {"model": "m", "messages": USER, "temperature": -0.1},
            "greater_than_equal",
            ["body", "temperature"],
        ),
        ({"model": "m", "messages": USER, "top_p": 0}, "greater_than", ["body", "top_p"]),
        (
            {"model": "m", "messages": USER, "max_tokens": -1},
            "greater_than_equal",
            ["body", "max_tokens"],
        ),
        ({"model": "m", "messages": USER, "n": 0}, "greater_than_equal", ["body", "n"]),
        ({"model": "m", "messages": USER, "stream": "yes"}, "bool_type", ["body", "stream"]),
        ({"model": "m", "messages": USER, "tool_choice": "maybe"}, "enum", ["body", "tool_choice"]),
        (
            {"model": "m", "messages": [{"role": "robot", "content": "x"}]},
            "union_tag_invalid",
            ["body", "messages", 0],
        ),
        (
            {"model": "m", "messages": [{"content": "x"}]},
            "union_tag_not_found",
            ["body", "messages", 0],
        ),
        (
            {"model": "m", "messages": [{"role": "user"}]},
            "missing",
            ["body", "messages", 0, "user", "content"],
        ),
        (
            {"model": "m", "messages": [{"role": "user", "content": [{"type": "video"}]}]},
            "union_tag_invalid",
            ["body", "messages", 0, "user", "content", 0],
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "user", "content": [{"type": "text", "text": 1}]}],
            },
            "string_type",
            ["body", "messages", 0, "user", "content", 0, "text", "text"],
        ),
        (
            {
                "model": "m",
                "messages": [
                    {"role": "user", "content": [{"type": "text", "text": "a", "extra": 1}]}
                ],
            },
            "extra_forbidden",
            ["body", "messages", 0, "user", "content", 0, "text", "extra"],
        ),
        (
            {
                "model": "m",
                "messages": [{"role": "system", "content": [{"type": "file", "file_id": "x"}]}],
            },
            "union_tag_invalid",
            ["body", "messages", 0, "system", "content", 0],
        ),
    ],
)
def test_422_detail(client: httpx2.Client, body: Any, type_: str, loc: list[Any]) -> None:
    response = post(client, body)
    assert response.status_code == 422, response.text
    check(response.json(), "HTTPValidationError")
    detail = response.json()["detail"]
    assert len(detail) == 1
    assert detail[0]["type"] == type_
    assert detail[0]["loc"] == loc
    assert detail[0]["msg"]
    assert "input" in detail[0]


def test_range_message_and_ctx(client: httpx2.Client) -> None:
    detail = post(client, {"model": "m", "messages": USER, "temperature": 2}).json()["detail"][0]
    assert detail["msg"] == "Input should be less than or equal to 1.5"
    assert detail["input"] == 2 and detail["ctx"] == {"le": 1.5}


def test_bad_json(client: httpx2.Client) -> None:
    response = client.post(
        "/v1/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_valid_edge_values_pass(client: httpx2.Client) -> None:
    body = {
        "model": "mistral-small-latest",
        "messages": USER,
        "temperature": 1.5,
        "top_p": 1,
        "max_tokens": 0,
        "n": 2,
        "stop": ["x"],
        "random_seed": 0,
        "response_format": {"type": "json_object"},
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "presence_penalty": -2,
        "prediction": {"type": "content", "content": ""},
        "safe_prompt": True,
    }
    response = post(client, body)
    assert response.status_code == 200, response.text
    body = response.json()
    check(body, "ChatCompletionResponse")
    assert [c["index"] for c in body["choices"]] == [0, 1]
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["choices"][0]["message"]["content"] == ""


def test_unknown_model_is_invalid_model(client: httpx2.Client) -> None:
    response = post(client, {"model": "gpt-4", "messages": USER})
    assert response.status_code == 400
    assert response.json() == {
        "object": "error",
        "message": "Invalid model: gpt-4",
        "type": "invalid_model",
        "param": None,
        "code": "1500",
    }


def test_non_chat_model_is_refused(client: httpx2.Client) -> None:
    response = post(client, {"model": "mistral-embed", "messages": USER})
    assert response.status_code == 400
    assert response.json()["object"] == "error"


def test_image_to_text_only_model_is_400(client: httpx2.Client) -> None:
    content = [{"type": "image_url", "image_url": "https://example.com/cat.jpg"}]
    response = post(
        client, {"model": "codestral-latest", "messages": [{"role": "user", "content": content}]}
    )
    assert response.status_code == 400
    assert "image" in response.json()["message"]


def test_every_problem_gets_its_entry(client: httpx2.Client) -> None:
    body = {"model": 3, "messages": [{"role": "user"}], "foo": 1}
    response = post(client, body)
    assert response.status_code == 422, response.text
    check(response.json(), "HTTPValidationError")
    detail = response.json()["detail"]
    assert [(d["type"], d["loc"]) for d in detail] == [
        ("string_type", ["body", "model"]),
        ("missing", ["body", "messages", 0, "user", "content"]),
        ("extra_forbidden", ["body", "foo"]),
    ]
    assert [d["input"] for d in detail] == [3, {"role": "user"}, 1]
    assert all(d["msg"] for d in detail)


def test_entries_follow_the_spec_order_not_the_input_order(client: httpx2.Client) -> None:
    # pydantic: each object's fields in declaration order, unknown fields last
    body = {"zzz": 0, "n": 0, "messages": [{"role": "robot"}], "temperature": 2, "aaa": 1}
    detail = post(client, body).json()["detail"]
    assert [d["loc"] for d in detail] == [
        ["body", "model"],
        ["body", "temperature"],
        ["body", "messages", 0],
        ["body", "n"],
        ["body", "zzz"],
        ["body", "aaa"],
    ]
    assert detail[1]["ctx"] == {"le": 1.5}
    assert detail[2]["type"] == "union_tag_invalid"


def test_problems_inside_list_items_are_all_listed(client: httpx2.Client) -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": 1, "x": 2}, {"type": "image_url"}]},
        {"role": "assistant", "content": "fine"},
        {"content": "no role"},
    ]
    tools = [
        {"type": "function", "function": {"name": "f"}},
        {"type": "document_library", "library_ids": []},
    ]
    detail = post(client, {"model": "m", "messages": messages, "tools": tools}).json()["detail"]
    assert [(d["type"], d["loc"]) for d in detail] == [
        ("string_type", ["body", "messages", 0, "user", "content", 0, "text", "text"]),
        ("extra_forbidden", ["body", "messages", 0, "user", "content", 0, "text", "x"]),
        ("missing", ["body", "messages", 0, "user", "content", 1, "image_url", "image_url"]),
        ("union_tag_not_found", ["body", "messages", 2]),
        ("missing", ["body", "tools", 0, "function", "function", "parameters"]),
        ("too_short", ["body", "tools", 1, "document_library", "library_ids"]),
    ]


def test_unknown_field_with_any_name(client: httpx2.Client) -> None:
    detail = post(client, {"model": "m", "messages": USER, "max-tokens": 5}).json()["detail"]
    assert detail == [
        {
            "type": "extra_forbidden",
            "loc": ["body", "max-tokens"],
            "msg": "Extra inputs are not permitted",
            "input": 5,
        }
    ]


def smallest_chat_model(client: httpx2.Client) -> tuple[str, int]:
    cards = client.get("/v1/models").json()["data"]
    chat_cards = [c for c in cards if c["capabilities"]["completion_chat"]]
    card = min(chat_cards, key=lambda c: c["max_context_length"])
    return card["id"], card["max_context_length"]


def test_prompt_longer_than_the_context_window_is_400(client: httpx2.Client) -> None:
    model, context = smallest_chat_model(client)
    # The emulator counts one token per word, plus 3 per message (as in usage).
    prompt = "word " * context
    response = post(client, {"model": model, "messages": [{"role": "user", "content": prompt}]})
    assert response.status_code == 400, response.text[:300]
    assert response.json() == {
        "object": "error",
        "message": f"Prompt contains {context + 3} tokens and 0 draft tokens, too large for "
        f"model with {context} maximum context length",
        "type": "invalid_request_message_error",
        "param": None,
        "code": "3051",
    }


def test_max_tokens_counts_as_draft_tokens(client: httpx2.Client) -> None:
    model, context = smallest_chat_model(client)
    messages = [{"role": "user", "content": "word " * (context - 103)}]  # context - 100 tokens
    ok = post(client, {"model": model, "messages": messages, "max_tokens": 100})
    assert ok.status_code == 200, ok.text[:300]
    assert ok.json()["usage"]["prompt_tokens"] == context - 100
    too_long = post(client, {"model": model, "messages": messages, "max_tokens": 101})
    assert too_long.status_code == 400
    assert too_long.json()["message"] == (
        f"Prompt contains {context - 100} tokens and 101 draft tokens, too large for model "
        f"with {context} maximum context length"
    )
    streamed = post(client, {"model": model, "messages": messages, "stream": True, "n": 2})
    assert streamed.status_code == 200
    larger = post(
        client, {"model": "mistral-small-latest", "messages": messages, "max_tokens": 101}
    )
    assert larger.status_code == 200
