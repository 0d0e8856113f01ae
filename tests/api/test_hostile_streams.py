"""Streams from servers that misbehave on purpose (issue 10, items 1, 3, 5 and 6).

After `[DONE]` the answer is complete whatever the server does next; an event that cannot be
decoded (invalid UTF-8, JSON nested 100,000 deep, larger than the event cap) is a
`MistralError` that keeps what arrived; a server that drips bytes without finishing an event
cannot keep a stream waiting longer than its silence limit. Each test scripts the server's
bytes with `hostile_server`, and runs the sync and the async client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from hostile_server import Conn, HostileServer, chunk, completion_chunk, head, sse
from mistral_chat import AsyncClient, Client
from mistral_chat.api.errors import (
    APITimeoutError,
    InvalidResponseError,
    MistralError,
    ResponseTooLargeError,
    StreamInterrupted,
)

MESSAGES = [{"role": "user", "content": "hi"}]
SSE_HEAD = head(200, {"Content-Type": "text/event-stream"}, chunked=True)
HELLO = sse(completion_chunk("Hello"), completion_chunk(" world", finish_reason="stop"))


def stream_text(url: str, *, asynchronous: bool, timeout: float = 10.0) -> str:
    """The text of one streamed answer, read to its end, by the sync or the async client."""
    if not asynchronous:
        with (
            Client("key-0123456789abcdef", base_url=url, timeout=timeout, max_retries=0) as c,
            c.chat.stream("mistral-small-latest", MESSAGES) as stream,
        ):
            for _ in stream:
                pass
            return stream.text

    async def main() -> str:
        async with (
            AsyncClient("key-0123456789abcdef", base_url=url, timeout=timeout, max_retries=0) as c,
            c.chat.stream("mistral-small-latest", MESSAGES) as stream,
        ):
            async for _ in stream:
                pass
            return stream.text

    return asyncio.run(main())


both = pytest.mark.parametrize("asynchronous", [False, True], ids=["sync", "async"])


def serve(*after_head: Callable[[Conn], object] | bytes) -> Callable[[Conn], None]:
    """A script: read the request, send the SSE head, then each byte string or action."""

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(SSE_HEAD)
        for step in after_head:
            if isinstance(step, bytes):
                conn.send(step)
            else:
                step(conn)

    return script


# item 1: after [DONE] the answer is complete ----------------------------------------------


@both
def test_a_connection_held_open_after_done_ends_the_answer(asynchronous: bool) -> None:
    with HostileServer(serve(chunk(HELLO + sse(b"[DONE]")), Conn.hold)) as server:
        assert stream_text(server.url, asynchronous=asynchronous) == "Hello world"
        assert server.hung_up.wait(5)  # the client closed the connection it stopped reading


@both
def test_data_after_done_is_not_read(asynchronous: bool) -> None:
    flood = chunk(sse(completion_chunk("never shown")) * 100)

    def endless(conn: Conn) -> None:
        conn.flood(flood)

    with HostileServer(serve(chunk(HELLO + sse(b"[DONE]")), endless)) as server:
        assert stream_text(server.url, asynchronous=asynchronous) == "Hello world"


@both
def test_done_without_a_finish_reason_is_still_complete(asynchronous: bool) -> None:
    events = sse(completion_chunk("Hello"), b"[DONE]")
    with HostileServer(serve(chunk(events), Conn.hold)) as server:
        assert stream_text(server.url, asynchronous=asynchronous) == "Hello"


def test_a_well_behaved_stream_reuses_its_connection() -> None:
    """The short drain after [DONE] reads the chunked terminator, so the pool keeps the
    connection (the emulator's behaviour, and the API's)."""

    def script(conn: Conn) -> None:
        for _ in range(2):
            conn.read_request()
            conn.send(SSE_HEAD + chunk(HELLO + sse(b"[DONE]")) + chunk(b""))
        conn.hold()

    with (
        HostileServer(script) as server,
        Client("key-0123456789abcdef", base_url=server.url, max_retries=0) as client,
    ):
        for _ in range(2):
            assert client.chat.stream("m", MESSAGES).until_done().text == "Hello world"
        assert server.connections == 1


# item 3: events that cannot be decoded -------------------------------------------------

INVALID_UTF8 = (
    b'{"id":"c","object":"chat.completion.chunk","model":"m",'
    b'"choices":[{"index":0,"delta":{"content":"caf\xe9"}}]}'
)
DEEP = b"[" * 100_000 + b"]" * 100_000
DEEP_FIELD = b'{"id":"c","model":"m","choices":[],"usage":' + DEEP + b"}"


@both
@pytest.mark.parametrize("bad", [INVALID_UTF8, DEEP, DEEP_FIELD], ids=["utf8", "deep", "field"])
def test_an_undecodable_event_after_content_keeps_the_text(asynchronous: bool, bad: bytes) -> None:
    events = sse(completion_chunk("Hello"), bad)
    with (
        HostileServer(serve(chunk(events) + chunk(b""))) as server,
        pytest.raises(StreamInterrupted) as info,
    ):
        stream_text(server.url, asynchronous=asynchronous)
    assert info.value.partial_text == "Hello"
    assert "not a chat completion chunk" in str(info.value)


@both
@pytest.mark.parametrize("bad", [INVALID_UTF8, DEEP, DEEP_FIELD], ids=["utf8", "deep", "field"])
def test_an_undecodable_first_event_is_not_the_api_s_answer(asynchronous: bool, bad: bytes) -> None:
    with (
        HostileServer(serve(chunk(sse(bad)) + chunk(b""))) as server,
        pytest.raises(InvalidResponseError) as info,
    ):
        stream_text(server.url, asynchronous=asynchronous)
    assert not isinstance(info.value, StreamInterrupted)


@both
def test_an_error_event_nested_deep_is_still_one_error(asynchronous: bool) -> None:
    event = b'{"object":"error","message":' + DEEP + b"}"
    with (
        HostileServer(serve(chunk(sse(completion_chunk("Hi"), event)) + chunk(b""))) as server,
        pytest.raises(MistralError),
    ):
        stream_text(server.url, asynchronous=asynchronous)


# item 5: one event has a size cap ----------------------------------------------------------

HUGE_EVENT = b"data: " + b"x" * (17 << 20) + b"\n\n"


@both
def test_an_event_past_the_cap_after_content_is_an_interruption(asynchronous: bool) -> None:
    with (
        HostileServer(serve(chunk(sse(completion_chunk("Hello"))), chunk(HUGE_EVENT))) as server,
        pytest.raises(StreamInterrupted, match="larger than 16 MiB") as info,
    ):
        stream_text(server.url, asynchronous=asynchronous)
    assert info.value.partial_text == "Hello"


@both
def test_a_first_event_past_the_cap_is_too_large(asynchronous: bool) -> None:
    with (
        HostileServer(serve(chunk(HUGE_EVENT))) as server,
        pytest.raises(ResponseTooLargeError, match="larger than 16 MiB") as info,
    ):
        stream_text(server.url, asynchronous=asynchronous)
    assert info.value.limit == 16 << 20


def test_an_event_just_under_the_cap_is_read() -> None:
    big = completion_chunk("y" * ((16 << 20) - 400), finish_reason="stop")
    with HostileServer(serve(chunk(sse(big, b"[DONE]")) + chunk(b""))) as server:
        assert len(stream_text(server.url, asynchronous=False)) == (16 << 20) - 400


# item 6: a silence limit between events -------------------------------------------------


@both
def test_dripping_bytes_without_an_event_ends_with_the_silence_limit(asynchronous: bool) -> None:
    """One byte every 20 ms never makes an event: the stream gives up after its 0.5 s of
    silence, with the text that came before it."""

    def drip(conn: Conn) -> None:
        conn.drip(chunk(b": " + b"." * 100_000), every=0.02)

    with (
        HostileServer(serve(chunk(sse(completion_chunk("Hello"))), drip)) as server,
        pytest.raises(StreamInterrupted, match=r"no event for 0\.5 s") as info,
    ):
        stream_text(server.url, asynchronous=asynchronous, timeout=0.5)
    assert info.value.partial_text == "Hello"


@both
def test_dripping_the_head_cannot_outlast_the_timeout(asynchronous: bool) -> None:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.drip(SSE_HEAD + b"X-Padding: " + b"." * 100_000, every=0.02)

    with HostileServer(script) as server, pytest.raises(APITimeoutError):
        stream_text(server.url, asynchronous=asynchronous, timeout=0.5)


@both
def test_a_slow_but_steady_stream_may_last_longer_than_the_timeout(asynchronous: bool) -> None:
    """The limit is on silence, not on the whole answer: 30 events 0.1 s apart stream for
    3 s under a 2 s timeout."""

    def steady(conn: Conn) -> None:
        for i in range(30):
            conn.send(chunk(sse(completion_chunk(f"{i} "))))
            conn.sleep(0.1)
        conn.send(chunk(sse(completion_chunk("end", finish_reason="stop"), b"[DONE]")))
        conn.send(chunk(b""))

    with HostileServer(serve(steady)) as server:
        text = stream_text(server.url, asynchronous=asynchronous, timeout=2.0)
    assert text.endswith("29 end")


# the same rules for the other event streams (speech, transcription) ---------------------

DELTA = {"type": "speech.audio.delta", "audio_data": "AAAA"}
SPEECH_DONE = {"type": "speech.audio.done", "usage": {"prompt_tokens": 1}}


def speech_events(url: str, timeout: float = 10.0) -> int:
    with (
        Client("key-0123456789abcdef", base_url=url, timeout=timeout, max_retries=0) as c,
        c.audio.speech_stream("voxtral-mini-tts", "hello") as stream,
    ):
        return sum(1 for _ in stream)


def test_a_speech_stream_after_its_last_event_does_not_wait() -> None:
    with HostileServer(serve(chunk(sse(DELTA, SPEECH_DONE)), Conn.hold)) as server:
        assert speech_events(server.url) == 2


def test_a_dripping_speech_stream_ends_with_the_silence_limit() -> None:
    def drip(conn: Conn) -> None:
        conn.drip(chunk(b": " + b"." * 100_000), every=0.02)

    with (
        HostileServer(serve(chunk(sse(DELTA)), drip)) as server,
        pytest.raises(StreamInterrupted),
    ):
        speech_events(server.url, timeout=0.5)


BAD_UTF8_DELTA = b'{"type": "speech.audio.delta", "audio_data": "caf\xe9"}'


@pytest.mark.parametrize("bad", [BAD_UTF8_DELTA, DEEP, HUGE_EVENT], ids=["utf8", "deep", "huge"])
def test_an_unreadable_speech_event_is_one_error(bad: bytes) -> None:
    body = bad if bad is HUGE_EVENT else sse(bad)
    with (
        HostileServer(serve(chunk(body) + chunk(b""))) as server,
        pytest.raises(InvalidResponseError),
    ):
        speech_events(server.url)
    with (
        HostileServer(serve(chunk(sse(DELTA)) + chunk(body) + chunk(b""))) as server,
        pytest.raises(StreamInterrupted),
    ):
        speech_events(server.url)
