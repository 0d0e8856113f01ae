"""The server itself: recording, keep-alive, clean stop, the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx2
import pytest
from _emulator_helpers import AUTH, sse_data

import mistral_chat
from mistral_chat.emulator import Emulator, serve_forever

BODY = {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "hi"}]}


def test_requests_are_recorded(client: httpx2.Client, emu: Emulator) -> None:
    client.get("/v1/files", params={"mimetypes": ["a", "b"], "page": 0})
    client.post("/v1/chat/completions", json=BODY)
    first, second = emu.requests
    assert (first.method, first.path) == ("GET", "/v1/files")
    assert first.query == {"mimetypes": ["a", "b"], "page": "0"}
    assert first.json is None
    assert second.json == BODY
    assert second.headers["authorization"] == "Bearer test-key"


def test_keep_alive_survives_streams(client: httpx2.Client, emu: Emulator) -> None:
    for _ in range(3):
        with client.stream("POST", "/v1/chat/completions", json={**BODY, "stream": True}) as r:
            assert sse_data(list(r.iter_lines()))[-1] == "[DONE]"
        client.get("/v1/models")
    assert emu.connections == 1
    with httpx2.Client(base_url=emu.base_url, headers=AUTH) as other:
        other.get("/v1/models")
    assert emu.connections == 2


def test_stop_ends_idle_and_streaming_connections() -> None:
    emu = Emulator().start()
    before = threading.active_count()
    with httpx2.Client(base_url=emu.base_url, headers=AUTH) as client:
        client.get("/v1/models")  # leaves an idle keep-alive connection
        slow = {
            **BODY,
            "messages": [{"role": "user", "content": "emulator:markdown 500 delay=100"}],
        }
        with client.stream("POST", "/v1/chat/completions", json={**slow, "stream": True}) as r:
            lines = r.iter_lines()
            next(lines)
            emu.stop()
            with pytest.raises(httpx2.HTTPError):
                list(lines)
    assert threading.active_count() < before
    emu.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = emu.base_url


def test_serve_forever_returns_on_keyboard_interrupt() -> None:
    seen: list[str] = []

    def ready(url: str) -> None:
        seen.append(url)
        with httpx2.Client() as c:
            assert c.get(url + "/v1/models", headers=AUTH).status_code == 200
        raise KeyboardInterrupt

    serve_forever("127.0.0.1", 0, None, ready)
    assert seen and seen[0].startswith("http://127.0.0.1:")


def test_command_line_prints_url_and_exits_130_on_ctrl_c() -> None:
    src = str(Path(mistral_chat.__path__[0]).parent)
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat.emulator", "--port", "0", "--api-key", "k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        with httpx2.Client(base_url=url) as c:
            assert c.get("/v1/models", headers={"Authorization": "Bearer k"}).status_code == 200
            assert c.get("/v1/models", headers={"Authorization": "Bearer x"}).status_code == 401
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130
    assert err == "" and out == ""


def test_fifty_concurrent_requests_are_all_accepted() -> None:
    from concurrent.futures import ThreadPoolExecutor

    with Emulator() as emu:

        def ask(n: int) -> int:
            with httpx2.Client(base_url=emu.base_url, timeout=30) as c:
                r = c.post(
                    "/v1/chat/completions",
                    headers={"Authorization": "Bearer k"},
                    json={
                        "model": "mistral-small-latest",
                        "messages": [{"role": "user", "content": f"n{n}"}],
                    },
                )
                return r.status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            codes = list(pool.map(ask, range(50)))
    assert codes == [200] * 50
