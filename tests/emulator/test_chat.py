"""Chat completions: the description format, streaming, reasoning, tools, markdown."""

from __future__ import annotations

import base64
import json
import re
import time
from typing import Any

import httpx2
import pytest
from _emulator_helpers import chat, check, image_uri, reply_text, sse_data

from mistral_chat.emulator import Emulator


def stream(client: httpx2.Client, body: dict[str, Any]) -> list[Any]:
    with client.stream("POST", "/v1/chat/completions", json={**body, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["transfer-encoding"] == "chunked"
        return sse_data(list(r.iter_lines()))


def test_plain_text_reply(client: httpx2.Client) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "hello"}, {"type": "text", "text": "there"}],
        },
    ]
    response = chat(client, messages)
    assert reply_text(response) == (
        "You said: hello there\n\nSystem: Be brief.\n\nMessages: 4 (system 1, user 2, assistant 1)"
    )
    body = response.json()
    assert body["object"] == "chat.completion" and body["model"] == "mistral-small-latest"
    choice = body["choices"][0]
    assert choice["finish_reason"] == "stop" and choice["message"]["tool_calls"] is None
    usage = body["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


def test_deterministic(client: httpx2.Client) -> None:
    messages = [{"role": "user", "content": "same"}]
    first, second = chat(client, messages).json(), chat(client, messages).json()
    assert first["choices"] == second["choices"] and first["usage"] == second["usage"]


@pytest.mark.parametrize(
    ("fmt", "colour", "name"),
    [
        ("PNG", (255, 0, 0), "red"),
        ("JPEG", (0, 0, 255), "blue"),
        ("WEBP", (0, 128, 0), "green"),
        ("GIF", (255, 255, 0), "yellow"),
    ],
)
def test_image_data_uri_lines(
    client: httpx2.Client, fmt: str, colour: tuple[int, int, int], name: str
) -> None:
    uri = image_uri(fmt, (64, 48), colour)
    content = [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": uri}}]
    text = reply_text(chat(client, [{"role": "user", "content": content}]))
    mime = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}[fmt]
    pattern = (
        rf"Image 1: {fmt} 64x48, dominant colour {name} \(#[0-9a-f]{{6}}\), sent as data URI {mime}"
    )
    assert re.search(pattern, text), text
    if fmt == "PNG":
        assert "dominant colour red (#ff0000)" in text


def test_mime_mismatch_and_garbage_are_400(client: httpx2.Client) -> None:
    png_as_jpeg = image_uri("PNG").replace("data:image/png", "data:image/jpeg")
    garbage = "data:image/png;base64," + base64.b64encode(b"not an image").decode()
    for uri in (png_as_jpeg, garbage, "data:image/png;base64,@@@"):
        content = [{"type": "image_url", "image_url": uri}]
        response = chat(client, [{"role": "user", "content": content}])
        assert response.status_code == 400, uri[:40]
        assert response.json()["object"] == "error"


def test_urls_documents_and_files_lines(client: httpx2.Client) -> None:
    upload = client.post(
        "/v1/files", files={"file": ("notes.txt", b"x" * 45)}, data={"purpose": "ocr"}
    )
    file_id = upload.json()["id"]
    pdf = client.post(
        "/v1/files",
        files={"file": ("report.pdf", b"%PDF-1.7\n" + b"0" * 2039)},
        data={"purpose": "ocr"},
    ).json()
    url = client.get(f"/v1/files/{pdf['id']}/url").json()["url"]
    content = [
        {"type": "text", "text": "see"},
        {"type": "image_url", "image_url": image_uri("PNG")},
        {"type": "image_url", "image_url": "https://example.com/cat.jpg"},
        {"type": "document_url", "document_url": url, "document_name": "report.pdf"},
        {"type": "document_url", "document_url": "https://example.com/paper.pdf"},
        {"type": "file", "file_id": file_id},
    ]
    text = reply_text(chat(client, [{"role": "user", "content": content}]))
    assert "\n\n" in text  # facts are paragraphs, so markdown keeps them apart
    assert [line for line in text.splitlines() if line] == [
        "You said: see",
        "Image 1: PNG 64x48, dominant colour red (#ff0000), sent as data URI image/png",
        "Image 2: URL https://example.com/cat.jpg",
        "Document 1: report.pdf (2048 bytes, application/pdf) via signed URL",
        "Document 2: URL https://example.com/paper.pdf",
        "File 1: notes.txt (45 bytes)",
        "Messages: 1 (user 1)",
    ]


def test_unknown_file_chunk_is_404(client: httpx2.Client) -> None:
    content = [{"type": "file", "file_id": "00000000-0000-4000-8000-000000000000"}]
    assert chat(client, [{"role": "user", "content": content}]).status_code == 404
    content = [{"type": "file", "file_id": "nope"}]
    assert chat(client, [{"role": "user", "content": content}]).status_code == 422


def test_expired_signed_document_is_400(client: httpx2.Client, emu: Emulator) -> None:
    pdf = client.post("/v1/files", files={"file": ("a.pdf", b"%PDF-1.7\n")}).json()
    url = emu.signed_url(pdf["id"], expires_at=int(time.time()) - 1)
    content = [{"type": "document_url", "document_url": url}]
    assert chat(client, [{"role": "user", "content": content}]).status_code == 400


def test_stream_chunks(client: httpx2.Client) -> None:
    events = stream(
        client,
        {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "hi there"}]},
    )
    assert events[-1] == "[DONE]"
    chunks = events[:-1]
    for chunk in chunks:
        check(chunk, "CompletionChunk")
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "You said: hi there\n\nMessages: 1 (user 1)"
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert "usage" in chunks[-1] and all("usage" not in c for c in chunks[:-1])
    assert len({c["id"] for c in chunks}) == 1


def test_max_tokens_truncates(client: httpx2.Client) -> None:
    response = chat(client, [{"role": "user", "content": "one two three four"}], max_tokens=3)
    assert reply_text(response) == "You said: one "
    assert response.json()["choices"][0]["finish_reason"] == "length"
    assert response.json()["usage"]["completion_tokens"] == 3
    events = stream(
        client,
        {
            "model": "mistral-small-latest",
            "messages": [{"role": "user", "content": "x"}],
            "max_tokens": 2,
        },
    )
    assert events[-2]["choices"][0]["finish_reason"] == "length"


def test_reasoning_model_thinks_first(client: httpx2.Client) -> None:
    messages = [{"role": "user", "content": "why"}]
    response = chat(client, messages, model="magistral-medium-latest")
    content = response.json()["choices"][0]["message"]["content"]
    check(response.json(), "ChatCompletionResponse")
    assert [c["type"] for c in content] == ["thinking", "text"]
    assert content[0]["thinking"][0]["type"] == "text" and content[0]["thinking"][0]["text"]
    assert content[1]["text"].startswith("You said: why")
    events = stream(client, {"model": "magistral-medium-latest", "messages": messages})
    deltas = [e["choices"][0]["delta"] for e in events[:-1]]
    assert isinstance(deltas[1]["content"], list) and deltas[1]["content"][0]["type"] == "thinking"
    assert isinstance(deltas[-1]["content"], str)
    plain = chat(client, messages, model="mistral-medium-latest")
    assert isinstance(plain.json()["choices"][0]["message"]["content"], str)


TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
        },
    }
]


def test_tool_call(client: httpx2.Client) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": 'emulator:tool {"city": "Paris"}'}
    ]
    response = chat(client, messages, tools=TOOLS)
    body = response.json()
    check(body, "ChatCompletionResponse")
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    call = choice["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"city": "Paris"}
    events = stream(client, {"model": "mistral-small-latest", "messages": messages, "tools": TOOLS})
    parts = [tc for e in events[:-1] for tc in e["choices"][0]["delta"].get("tool_calls") or []]
    assert len(parts) >= 2 and {p["index"] for p in parts} == {0}
    assert "".join(p["function"]["arguments"] for p in parts) == call["function"]["arguments"]
    assert events[-2]["choices"][0]["finish_reason"] == "tool_calls"
    # The tool's answer comes back: no second call, the result is described.
    messages += [
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {
            "role": "tool",
            "content": '{"temp": 21}',
            "tool_call_id": call["id"],
            "name": "get_weather",
        },
    ]
    text = reply_text(chat(client, messages, tools=TOOLS))
    assert 'Tool result: get_weather: {"temp": 21}' in text
    assert "Messages: 3 (user 1, assistant 1, tool 1)" in text


def test_markdown_prompt(client: httpx2.Client) -> None:
    messages = [{"role": "user", "content": "emulator:markdown 200"}]
    response = chat(client, messages)
    text = reply_text(response)
    assert response.json()["usage"]["completion_tokens"] == 200
    assert text.startswith("# ") and "\n## " in text and "\n- " in text
    assert "```python\ndef " in text
    assert text == reply_text(chat(client, messages))
    events = stream(client, {"model": "mistral-small-latest", "messages": messages})
    assert "".join(e["choices"][0]["delta"]["content"] for e in events[:-1]) == text


def test_markdown_delay(client: httpx2.Client) -> None:
    started = time.monotonic()
    body = {
        "model": "mistral-small-latest",
        "messages": [{"role": "user", "content": "emulator:markdown 6 delay=50"}],
    }
    events = stream(client, body)
    assert time.monotonic() - started >= 0.2
    assert len(events) == 8  # role chunk, six tokens, [DONE]
