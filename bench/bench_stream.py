"""Stream consumption: `Client.chat.stream` against a raw loop, same server, same run.

    uv run python bench/bench_stream.py [--chunks 200000] [--repeat 3]

A local server sends a pre-built SSE body of N chat chunks (so the server is never the
bottleneck). The baseline is the loop a hand-written client would use: httpx2 line iteration
plus `json.loads` of each `data:` line. We report chunks per second for both and their ratio
(best of --repeat runs each, interleaved so machine noise hits both alike).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2

from mistral_chat import Client


def build_body(n: int) -> bytes:
    parts = []
    for i in range(n):
        chunk = {
            "id": "cmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1764000000,
            "model": "mistral-small-latest",
            "choices": [{"index": 0, "delta": {"content": f"tok{i % 97} "}, "finish_reason": None}],
        }
        if i == n - 1:
            chunk["choices"][0]["finish_reason"] = "stop"  # type: ignore[index]
            chunk["usage"] = {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": n + 5}
        parts.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def raw_loop(url: str, n: int) -> float:
    payload = {
        "model": "mistral-small-latest",
        "messages": [{"role": "user", "content": "x"}],
        "stream": True,
    }
    start = time.perf_counter()
    count = 0
    with (
        httpx2.Client() as http,
        http.stream(
            "POST",
            url + "/v1/chat/completions",
            json=payload,
            headers={"Authorization": "Bearer k"},
        ) as response,
    ):
        for line in response.iter_lines():
            if line.startswith("data: "):
                data = line[6:]
                if data == "[DONE]":
                    break
                json.loads(data)
                count += 1
    elapsed = time.perf_counter() - start
    assert count == n, count
    return count / elapsed


def client_loop(url: str, n: int) -> float:
    start = time.perf_counter()
    count = 0
    with Client("k", base_url=url) as client:
        with client.chat.stream("mistral-small-latest", [{"role": "user", "content": "x"}]) as s:
            for _ in s:
                count += 1
        assert s.finish_reason == "stop"
    elapsed = time.perf_counter() - start
    assert count == n, count
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    server = serve(build_body(args.chunks))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    raw, ours = [], []
    for _ in range(args.repeat):
        raw.append(raw_loop(url, args.chunks))
        ours.append(client_loop(url, args.chunks))
    server.shutdown()
    best_raw, best_ours = max(raw), max(ours)
    print(f"chunks per run: {args.chunks}, runs: {args.repeat} (best of each)")
    print(f"raw loop (httpx2 iter_lines + json.loads): {best_raw:,.0f} chunks/s")
    print(f"Client.chat.stream:                        {best_ours:,.0f} chunks/s")
    print(f"ratio client/raw: {best_ours / best_raw:.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
