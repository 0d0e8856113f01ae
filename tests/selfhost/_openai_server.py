"""A minimal OpenAI-compatible server, as vLLM, llama.cpp's server and Ollama are to a client.

- `GET /v1/models` lists models with no `capabilities` (OpenAI's card: id, object, created,
  owned_by);
- `POST /v1/chat/completions` answers OpenAI-style, streamed (`data: {...}` chunks, then
  `data: [DONE]`) or whole, with a description of what it received (images and their data URI
  types, the text of every user message), like the emulator;
- there is no Files API: anything else is FastAPI's 404 `{"detail": "Not Found"}` (vLLM);
- with `api_key`, every request without `Authorization: Bearer <api_key>` gets OpenAI's 401.

Every request is kept in `requests` (method, path, headers, JSON body) for the tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["OpenAICompatibleServer", "SeenRequest"]


@dataclass
class SeenRequest:
    method: str
    path: str
    headers: dict[str, str]
    json: Any = None


@dataclass
class OpenAICompatibleServer:
    """Serve on 127.0.0.1 in a thread while the `with` block runs."""

    models: list[str] = field(default_factory=lambda: ["local-vlm"])
    api_key: str | None = None
    requests: list[SeenRequest] = field(default_factory=list)

    def __enter__(self) -> OpenAICompatibleServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"  # as such servers are usually written

    def chat_bodies(self) -> list[Any]:
        return [r.json for r in self.requests if r.path == "/v1/chat/completions"]


class _Handler(BaseHTTPRequestHandler):
    owner: OpenAICompatibleServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if self.headers.get("Content-Type", "").startswith("application/json") and raw:
            body = json.loads(raw)
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        self.owner.requests.append(SeenRequest(method, path, headers, body))
        key = self.owner.api_key
        if key is not None and headers.get("authorization") != f"Bearer {key}":
            error = {
                "message": "Incorrect API key provided",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
            return self._json(401, {"error": error})
        if method == "GET" and path == "/v1/models":
            cards = [
                {"id": m, "object": "model", "created": 1700000000, "owned_by": "local"}
                for m in self.owner.models
            ]
            return self._json(200, {"object": "list", "data": cards})
        if method == "POST" and path == "/v1/chat/completions" and isinstance(body, dict):
            return self._chat(body)
        return self._json(404, {"detail": "Not Found"})

    def _chat(self, body: dict[str, Any]) -> None:
        model = body.get("model")
        if model not in self.owner.models:
            message = f"The model `{model}` does not exist."
            error = {"object": "error", "message": message, "type": "NotFoundError", "code": 404}
            return self._json(404, error)
        text = describe(body["messages"])
        if not body.get("stream"):
            return self._json(200, _completion(model, text))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in _chunks(model, text):
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()
        self.close_connection = True

    def _json(self, status: int, doc: Any) -> None:
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def describe(messages: list[dict[str, Any]]) -> str:
    """What the server received: each user message's text and images, one line each."""
    lines = []
    for i, m in enumerate(messages, 1):
        content = m.get("content")
        parts = content if isinstance(content, list) else [{"type": "text", "text": content}]
        texts = [p.get("text", "") for p in parts if p.get("type") == "text"]
        images = []
        for p in parts:
            if p.get("type") == "image_url":
                url = p["image_url"]["url"] if isinstance(p["image_url"], dict) else p["image_url"]
                images.append(url.split(";", 1)[0] if url.startswith("data:") else url)
        summary = " | ".join(t.replace("\n", " ") for t in texts)
        lines.append(f"{i}. {m['role']}: {summary} [images: {', '.join(images) or 'none'}]")
    return "\n".join(lines)


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-local",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _chunks(model: str, text: str) -> Iterator[dict[str, Any]]:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": "chatcmpl-local",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }

    yield chunk({"role": "assistant", "content": ""})
    for line in text.splitlines(keepends=True):
        yield chunk({"content": line})
    yield chunk({}, "stop")
