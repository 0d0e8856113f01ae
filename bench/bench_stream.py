"""Stream consumption: `Client.chat.stream` against a raw httpx2 + msgspec loop, paired.

    uv run python bench/bench_stream.py [--chunks 50000] [--rounds 7]

The local server sends one chat chunk per HTTP chunk (chunked transfer encoding), as the API
does, from a body built beforehand so the server is never the bottleneck. The baseline is the
loop a careful hand-written client would use: httpx2's `iter_lines()` and msgspec decoding each
`data:` line into a small Struct. Both run in the same rounds, alternately (bench/_paired.py);
we report the CPU time of the reading thread per run (`time.thread_time`, so the server thread
in this process is not counted), chunks per second of wall time, and the ratios.

The client does more than the raw loop on purpose: it accumulates the answer (text, usage,
finish reason), checks each event for an error object, keeps the silence limit and bounds
decompression; the ratio is what that costs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import msgspec

from _paired import interleaved, ratio
from mistral_chat import Client

MESSAGES = [{"role": "user", "content": "x"}]


class _Delta(msgspec.Struct):
    content: str | None = None


class _Choice(msgspec.Struct):
    delta: _Delta
    finish_reason: str | None = None


class _Chunk(msgspec.Struct):
    id: str
    choices: list[_Choice]


def build_body(n: int) -> bytes:
    """The whole chunked body: one HTTP chunk per event, then `[DONE]` and the terminator."""
    parts = []
    for i in range(n):
        chunk: dict[str, object] = {
            "id": "cmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1764000000,
            "model": "mistral-small-latest",
            "choices": [{"index": 0, "delta": {"content": f"tok{i % 97} "}, "finish_reason": None}],
        }
        if i == n - 1:
            chunk["choices"] = [{"index": 0, "delta": {"content": ""}, "finish_reason": "stop"}]
            chunk["usage"] = {"prompt_tokens": 5, "completion_tokens": n, "total_tokens": n + 5}
        parts.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    framed = [b"%x\r\n%s\r\n" % (len(p), p) for p in parts]
    return b"".join(framed) + b"0\r\n\r\n"


def serve(body: bytes) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def raw_loop(url: str, n: int) -> tuple[float, float]:
    """(thread CPU seconds, wall seconds) of the hand-written loop."""
    payload = {"model": "mistral-small-latest", "messages": MESSAGES, "stream": True}
    decode = msgspec.json.Decoder(_Chunk).decode
    cpu, wall = time.thread_time(), time.perf_counter()
    count, text = 0, []
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
                chunk = decode(data)
                text.append(chunk.choices[0].delta.content or "")
                count += 1
    assert count == n, count
    return time.thread_time() - cpu, time.perf_counter() - wall


def client_loop(url: str, n: int) -> tuple[float, float]:
    """(thread CPU seconds, wall seconds) of `Client.chat.stream`."""
    cpu, wall = time.thread_time(), time.perf_counter()
    count = 0
    with (
        Client("k", base_url=url) as client,
        client.chat.stream("mistral-small-latest", MESSAGES) as stream,
    ):
        for _ in stream:
            count += 1
    assert count == n and stream.finish_reason == "stop", count
    return time.thread_time() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    server = serve(build_body(args.chunks))
    url = f"http://127.0.0.1:{server.server_address[1]}"
    walls: dict[str, list[float]] = {"raw": [], "client": []}

    def measure(label: str, loop: object) -> float:
        cpu, wall = loop(url, args.chunks)  # type: ignore[operator]
        walls[label].append(wall)
        return float(cpu)

    cpus = interleaved(
        {
            "raw": lambda: measure("raw", raw_loop),
            "client": lambda: measure("client", client_loop),
        },
        args.rounds,
    )
    server.shutdown()
    n = args.chunks
    print(f"{n} chunks, one per HTTP chunk; {args.rounds} rounds, interleaved; medians")
    for label, name in (("raw", "httpx2 iter_lines + msgspec"), ("client", "Client.chat.stream")):
        cpu_us = statistics.median(cpus[label]) / n * 1e6
        rate = n / statistics.median(walls[label])
        print(f"{name:28s} {cpu_us:6.2f} us CPU per chunk, {rate:10,.0f} chunks/s wall")
    print(f"client/raw CPU: {ratio(cpus['client'], cpus['raw']):.2f}x (target <= 1.50x)")
    print(f"client/raw wall: {ratio(walls['client'], walls['raw']):.2f}x")


if __name__ == "__main__":
    main()
