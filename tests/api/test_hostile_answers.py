"""Whole (non-streamed) answers from servers that misbehave on purpose (issue 10, items 1, 4,
6, 7 and 11): a deadline per request, a size cap per answer, and an error path that cannot
crash, show the key, or follow a redirect that would resend the prompt elsewhere."""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import pytest

from hostile_server import (
    Conn,
    HostileServer,
    chunk,
    completion,
    gzip_bomb,
    head,
    json_answer,
)
from mistral_chat import AsyncClient, Client
from mistral_chat.api.errors import (
    APIStatusError,
    APITimeoutError,
    InvalidBaseURL,
    InvalidResponseError,
    RateLimitError,
    RequestTimeoutError,
    ResponseTooLargeError,
    UnprocessableEntityError,
    UnsafeRedirectError,
)
from mistral_chat.errors import ExitCode, UsageError

KEY = "sk-hostile-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "hi"}]
MODELS = {"object": "list", "data": [{"id": "mistral-small-latest", "object": "model"}]}


def client(url: str, **kw: Any) -> Client:
    kw.setdefault("max_retries", 0)
    return Client(KEY, base_url=url, **kw)


def answer(data: bytes) -> Any:
    """A script that reads each request on the connection and answers `data`."""

    def script(conn: Conn) -> None:
        while True:
            conn.read_request()
            conn.send(data)

    return script


# item 1 and 6: a deadline per request ----------------------------------------------------


def drip_body(doc: Any) -> Any:
    body = json.dumps(doc).encode()

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"Content-Type": "application/json"}, length=len(body)))
        conn.drip(body, every=0.02)

    return script


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.models.list(),
        lambda c: c.files.retrieve("file-1"),
        lambda c: c.chat.complete("mistral-small-latest", MESSAGES),
    ],
    ids=["models", "file", "complete"],
)
def test_an_answer_dripped_one_byte_at_a_time_cannot_outlast_the_timeout(call: Any) -> None:
    doc = {**completion("x" * 2000), "data": [], "id": "file-1"}
    with (
        HostileServer(drip_body(doc)) as server,
        client(server.url, timeout=0.5) as c,
        pytest.raises(APITimeoutError),
    ):
        call(c)
        assert len(server.requests) == 1


def test_a_dripped_head_cannot_outlast_the_timeout() -> None:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.drip(b"HTTP/1.1 200 OK\r\nX-Padding: " + b"." * 100_000, every=0.02)

    with (
        HostileServer(script) as server,
        client(server.url, timeout=0.5) as c,
        pytest.raises(APITimeoutError),
    ):
        c.models.list()


def test_the_async_client_keeps_the_deadline_too() -> None:
    async def main(url: str) -> None:
        async with AsyncClient(KEY, base_url=url, timeout=0.5, max_retries=0) as c:
            await c.models.list()

    with HostileServer(drip_body(MODELS)) as server, pytest.raises(APITimeoutError):
        asyncio.run(main(server.url))


def test_a_whole_answer_then_a_connection_held_open_does_not_hang() -> None:
    """`--no-stream`: a chunked answer that never ends is a timeout, not a wait forever."""

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"Content-Type": "application/json"}, chunked=True))
        conn.send(chunk(json.dumps(completion("Hello")).encode()))
        conn.hold()

    with (
        HostileServer(script) as server,
        client(server.url, timeout=0.5) as c,
        pytest.raises(APITimeoutError),
    ):
        c.chat.complete("mistral-small-latest", MESSAGES)


def test_each_retry_gets_its_own_deadline() -> None:
    body = json.dumps(MODELS).encode()
    fast = answer(json_answer(MODELS))
    with (
        HostileServer([drip_body(MODELS), fast]) as server,
        client(server.url, timeout=0.5, max_retries=1) as c,
    ):
        c._sleep = lambda _: None
        assert [m.id for m in c.models.list()] == ["mistral-small-latest"]
        assert len(body) > 25  # the dripped answer could not have ended within 0.5 s


# item 7: a size cap on JSON answers ------------------------------------------------------


def test_a_2_gib_models_list_stops_at_the_cap() -> None:
    sent: list[int] = []

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"Content-Type": "application/json"}, length=2 << 30))
        sent.append(conn.flood(b'{"id": "x"},' * 10_000, limit=2 << 30))

    with (
        HostileServer(script) as server,
        client(server.url) as c,
        pytest.raises(ResponseTooLargeError, match="larger than 16 MiB") as info,
    ):
        c.models.list()
    assert info.value.limit == 16 << 20
    assert sent and sent[0] < 256 << 20  # the client hung up long before 2 GiB


@pytest.mark.parametrize("status", [200, 500])
def test_a_gzip_bomb_stops_at_the_cap(status: int) -> None:
    bomb = gzip_bomb(64 << 20)  # 64 MiB of spaces in about 64 KiB
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    data = head(status, headers, length=len(bomb)) + bomb
    with HostileServer(answer(data)) as server, client(server.url) as c:
        if status == 200:
            with pytest.raises(ResponseTooLargeError):
                c.models.list()
        else:  # an error answer is read up to 1 MiB, enough for its message
            with pytest.raises(APIStatusError) as info:
                c.models.list()
            assert info.value.status_code == 500


def test_an_encoding_the_client_did_not_ask_for_is_refused() -> None:
    body = b"\x00garbage"
    headers = {"Content-Type": "application/json", "Content-Encoding": "br"}
    with (
        HostileServer(answer(head(200, headers, length=len(body)) + body)) as server,
        client(server.url) as c,
        pytest.raises(InvalidResponseError, match="'br'"),
    ):
        c.models.list()
        assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_a_gzipped_answer_within_the_cap_is_read() -> None:
    import gzip

    body = gzip.compress(json.dumps(MODELS).encode())
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with (
        HostileServer(answer(head(200, headers, length=len(body)) + body)) as server,
        client(server.url) as c,
    ):
        assert [m.id for m in c.models.list()] == ["mistral-small-latest"]


# item 4: Retry-After that no clock can hold -----------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("inf", 86400.0), ("1e400", 86400.0), ("nan", None), ("-5", 0.0), ("-inf", 0.0)],
)
def test_retry_after_is_always_finite(value: str, expected: float | None) -> None:
    data = json_answer({"message": "slow down"}, 429, {"Retry-After": value})
    with (
        HostileServer(answer(data)) as server,
        client(server.url) as c,
        pytest.raises(RateLimitError) as info,
    ):
        c.models.list()
    wait = info.value.retry_after
    assert wait == expected
    assert wait is None or (math.isfinite(wait) and wait >= 0)
    round(wait or 0)  # what the CLI does with it: must not overflow


# item 11: the error path -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("loc", "shown"),
    [(None, "bad value"), (7, "7: bad value"), ("model", "model: bad value")],
)
def test_a_422_with_an_odd_loc_is_described(loc: Any, shown: str) -> None:
    data = json_answer({"detail": [{"loc": loc, "msg": "bad value", "type": "x"}]}, 422)
    with (
        HostileServer(answer(data)) as server,
        client(server.url) as c,
        pytest.raises(UnprocessableEntityError) as info,
    ):
        c.chat.complete("m", MESSAGES)
    assert info.value.message == shown


def test_an_error_body_nested_100000_deep_is_one_error() -> None:
    body = b'{"message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    data = head(400, {"Content-Type": "application/json"}, length=len(body)) + body
    with (
        HostileServer(answer(data)) as server,
        client(server.url) as c,
        pytest.raises(APIStatusError) as info,
    ):
        c.models.list()
    assert info.value.status_code == 400
    assert len(info.value.message) <= 300


@pytest.mark.parametrize("kind", ["json", "text"])
def test_a_5000_character_message_is_cut(kind: str) -> None:
    said = "word " * 1000
    if kind == "json":
        data = json_answer({"message": said}, 400)
    else:
        body = said.encode()
        data = head(400, {"Content-Type": "text/plain"}, length=len(body)) + body
    with (
        HostileServer(answer(data)) as server,
        client(server.url) as c,
        pytest.raises(APIStatusError) as info,
    ):
        c.models.list()
    assert len(info.value.message) <= 300 and info.value.message.endswith("…")
    assert len(str(info.value)) <= 300


@pytest.mark.parametrize(
    "data",
    [
        json_answer({"message": f"invalid key {KEY}"}, 401),
        json_answer({"detail": [{"loc": ["body"], "msg": f"key {KEY} is bad"}]}, 422),
        head(502, {"Content-Type": "text/html"}, length=len(f"<title>{KEY}</title>"))
        + f"<title>{KEY}</title>".encode(),
        json_answer({"unexpected": KEY}, 200),
    ],
    ids=["json", "422", "html", "preview"],
)
def test_a_key_echoed_back_is_never_in_an_error(data: bytes) -> None:
    with (
        HostileServer(answer(data)) as server,
        client(server.url) as c,
        pytest.raises((APIStatusError, InvalidResponseError)) as info,
    ):
        c.models.retrieve("m")  # the 200 case is not a model card
    err = info.value
    shown = [str(err), err.message, repr(getattr(err, "body", "")), getattr(err, "preview", "")]
    assert not [text for text in shown if KEY in text]
    assert any("...cdef" in text for text in shown)


def test_a_key_echoed_in_a_stream_error_is_hidden() -> None:
    event = json.dumps({"object": "error", "message": f"bad key {KEY}"}).encode()
    data = head(200, {"Content-Type": "text/event-stream"}, chunked=True)
    data += chunk(b"data: " + event + b"\n\n") + chunk(b"")
    with (
        HostileServer(answer(data)) as server,
        client(server.url) as c,
        pytest.raises(Exception) as info,
    ):
        c.chat.stream("m", MESSAGES).until_done()
    assert KEY not in str(info.value) and "...cdef" in str(info.value)


def test_a_base_url_with_a_password_is_refused() -> None:
    with pytest.raises(InvalidBaseURL) as info:
        Client(KEY, base_url="https://user:secret@api.example.com")
    assert "secret" not in str(info.value)
    assert isinstance(info.value, UsageError) and isinstance(info.value, ValueError)
    assert info.value.exit_code == ExitCode.USAGE


def test_a_cross_origin_307_is_not_followed_with_the_prompt() -> None:
    with HostileServer(answer(json_answer(completion("stolen")))) as elsewhere:
        moved = head(307, {"Location": f"{elsewhere.url}/v1/chat/completions"}, length=0)
        with (
            HostileServer(answer(moved)) as server,
            client(server.url) as c,
            pytest.raises(UnsafeRedirectError) as info,
        ):
            c.chat.complete("m", [{"role": "user", "content": "my secret prompt"}])
        assert elsewhere.requests == []
    assert info.value.location.startswith(elsewhere.url)
    assert info.value.exit_code == ExitCode.UNAVAILABLE


def test_a_same_origin_307_is_followed() -> None:
    def script(conn: Conn) -> None:
        while True:
            if conn.read_request().path == "/v1/chat/completions":
                conn.send(head(307, {"Location": "/v2/chat"}, length=0))
            else:
                conn.send(json_answer(completion("moved")))

    with HostileServer(script) as server, client(server.url) as c:
        answer_ = c.chat.complete("m", MESSAGES)
    assert answer_.choices[0].message.content == "moved"
    assert [r.path for r in server.requests] == ["/v1/chat/completions", "/v2/chat"]
    assert server.requests[1].json()["messages"] == MESSAGES


def test_a_cross_origin_get_redirect_is_followed_without_the_key() -> None:
    with HostileServer(answer(json_answer(MODELS))) as elsewhere:
        moved = head(302, {"Location": f"{elsewhere.url}/models"}, length=0)
        with HostileServer(answer(moved)) as server, client(server.url) as c:
            assert [m.id for m in c.models.list()] == ["mistral-small-latest"]
        assert "authorization" not in elsewhere.requests[0].headers


def test_408_is_retried_then_unavailable() -> None:
    data = json_answer({"message": "request timeout"}, 408)
    with HostileServer(answer(data)) as server, client(server.url, max_retries=1) as c:
        c._sleep = lambda _: None
        with pytest.raises(RequestTimeoutError) as info:
            c.models.list()
    assert info.value.attempts == 2 and len(server.requests) == 2
    assert info.value.exit_code == ExitCode.UNAVAILABLE
