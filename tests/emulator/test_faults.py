"""Injected faults: status, html, slow, cut, stream_error, finish_error; times and path; the
HTTP control endpoint."""

from __future__ import annotations

import time

import httpx2
import pytest
from _emulator_helpers import check, sse_data

from mistral_chat.emulator import Emulator

BODY = {"model": "mistral-small-latest", "messages": [{"role": "user", "content": "a b c d e"}]}


def test_status_with_retry_after(client: httpx2.Client, emu: Emulator) -> None:
    emu.inject("status", status=429, retry_after=2, times=2)
    for _ in range(2):
        response = client.get("/v1/models")
        assert response.status_code == 429
        assert response.headers["retry-after"] == "2"
        body = response.json()
        assert body["object"] == "error" and body["code"] == "429"
    assert client.get("/v1/models").status_code == 200
    emu.inject("status", status=503, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    response = client.get("/v1/models")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "Wed, 21 Oct 2015 07:28:00 GMT"


def test_html_error_page(client: httpx2.Client, emu: Emulator) -> None:
    emu.inject("html")
    response = client.get("/v1/models")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "<html>" in response.text
    emu.inject("html", status=504)
    assert client.get("/v1/models").status_code == 504


def test_path_filter_and_clear(client: httpx2.Client, emu: Emulator) -> None:
    emu.inject("status", status=500, path="/v1/chat")
    assert client.get("/v1/models").status_code == 200  # not matched, fault kept
    assert client.post("/v1/chat/completions", json=BODY).status_code == 500
    assert client.post("/v1/chat/completions", json=BODY).status_code == 200
    emu.inject("status", status=500, times=5)
    emu.clear_faults()
    assert client.get("/v1/models").status_code == 200


def test_fault_on_upload_drains_the_body(client: httpx2.Client, emu: Emulator) -> None:
    emu.inject("status", status=500, path="/v1/files")
    failed = client.post("/v1/files", files={"file": ("a.txt", b"x" * 300_000)})
    assert failed.status_code == 500
    assert client.post("/v1/files", files={"file": ("a.txt", b"x")}).status_code == 200
    assert emu.connections == 1  # the connection survived the unread upload


def test_slow(client: httpx2.Client, emu: Emulator) -> None:
    emu.inject("slow", delay=0.3)
    started = time.monotonic()
    assert client.get("/v1/models").status_code == 200
    assert time.monotonic() - started >= 0.3
    emu.inject("slow", delay=2)
    with pytest.raises(httpx2.ReadTimeout):
        client.get("/v1/models", timeout=0.2)
    assert client.get("/v1/models").status_code == 200


def test_abandoned_slow_request_leaves_later_faults_alone(
    client: httpx2.Client, emu: Emulator
) -> None:
    # The CI failure of 2026-11-27: a timed-out slow request woke up and took a 503 meant for
    # the next request.
    emu.inject("slow", delay=0.4, path="/v1/files")
    with pytest.raises(httpx2.ReadTimeout):
        client.get("/v1/files", timeout=0.1)
    emu.inject("status", status=503, path="/v1/files")
    emu.inject("cut", after_chunks=1)
    time.sleep(0.8)  # the slow handler has woken up and finished by now
    assert client.get("/v1/files").status_code == 503
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.stream("POST", "/v1/chat/completions", json={**BODY, "stream": True}) as r,
    ):
        r.read()


def test_cut_stream(client: httpx2.Client, emu: Emulator) -> None:
    emu.inject("cut", after_chunks=2)
    assert client.post("/v1/chat/completions", json=BODY).status_code == 200  # not a stream
    lines: list[str] = []
    with (
        pytest.raises(httpx2.RemoteProtocolError),
        client.stream("POST", "/v1/chat/completions", json={**BODY, "stream": True}) as r,
    ):
        lines.extend(r.iter_lines())
    events = sse_data(lines)
    assert len(events) == 2 and "[DONE]" not in events
    for event in events:
        check(event, "CompletionChunk")
    # The next stream is whole, on a new connection.
    with client.stream("POST", "/v1/chat/completions", json={**BODY, "stream": True}) as r:
        assert sse_data(list(r.iter_lines()))[-1] == "[DONE]"
    assert emu.connections == 2


def test_stream_error_and_finish_error_end_cleanly(client: httpx2.Client, emu: Emulator) -> None:
    stream = {**BODY, "stream": True}
    emu.inject("stream_error", after_chunks=2)
    with client.stream("POST", "/v1/chat/completions", json=stream) as r:
        events = sse_data(list(r.iter_lines()))
    assert len(events) == 4 and events[-1] == "[DONE]"
    check(events[1], "CompletionChunk")
    error = events[2]
    assert error["object"] == "error" and error["message"].startswith("Internal server error")

    emu.inject("finish_error", after_chunks=2)
    with client.stream("POST", "/v1/chat/completions", json=stream) as r:
        events = sse_data(list(r.iter_lines()))
    assert len(events) == 4 and events[-1] == "[DONE]"
    check(events[2], "CompletionChunk")
    last = events[2]
    assert last["choices"][0]["finish_reason"] == "error"
    assert last["id"] == events[0]["id"]  # the same stream's chunk shape
    assert emu.connections == 1  # both ended cleanly: the connection was reused


def test_inject_validates() -> None:
    with Emulator() as emu:
        with pytest.raises(ValueError, match="kind"):
            emu.inject("explode")
        with pytest.raises(ValueError, match="status"):
            emu.inject("status")


def test_control_endpoint(emu: Emulator) -> None:
    with httpx2.Client(base_url=emu.base_url) as anonymous:
        fault = {"kind": "status", "status": 503, "times": 1, "path": None, "retry_after": 1}
        assert anonymous.post("/_emulator/faults", json=fault).status_code == 200
        bad = anonymous.post("/_emulator/faults", json={"kind": "nope"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "kind"]
        response = anonymous.get("/v1/models", headers={"Authorization": "Bearer k"})
        assert response.status_code == 503 and response.headers["retry-after"] == "1"
        anonymous.post("/_emulator/faults", json={"kind": "status", "status": 500, "times": 3})
        assert anonymous.delete("/_emulator/faults").status_code == 200
        assert anonymous.get("/v1/models", headers={"Authorization": "Bearer k"}).status_code == 200
        recorded = anonymous.get("/_emulator/requests").json()["data"]
        assert [r["path"] for r in recorded] == ["/v1/models", "/v1/models"]
