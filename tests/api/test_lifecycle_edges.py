"""Client construction and lifecycle at the edges: keys, timeouts, who owns the connections,
use after close, cancellation, retries that must or must not happen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx2
import pytest

from mistral_chat.api import AsyncClient, Client, errors

KEY = "sk-test-0123456789abcdefWXYZ"
Handler = Callable[[httpx2.Request], httpx2.Response]


def models_ok(request: httpx2.Request) -> httpx2.Response:
    return httpx2.Response(200, json={"object": "list", "data": [{"id": "m", "capabilities": {}}]})


def client_for(handler: Handler, **kw: object) -> Client:
    client = Client(
        KEY, base_url="https://api.example", transport=httpx2.MockTransport(handler), **kw
    )  # type: ignore[arg-type]
    client._sleep = lambda seconds: None
    return client


# -- keys ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   ", "\n"])
def test_a_blank_key_is_refused_at_construction(key: str) -> None:
    with pytest.raises(ValueError, match="no API key"):
        Client(key)


def test_no_key_and_no_variable_is_refused_at_construction() -> None:
    # the autouse fixture removed MISTRAL_API_KEY
    with pytest.raises(ValueError, match="MISTRAL_API_KEY"):
        Client()
    with pytest.raises(ValueError, match="MISTRAL_API_KEY"):
        AsyncClient()


def test_a_key_read_from_a_file_with_its_newline_works() -> None:
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.headers["authorization"])
        return models_ok(request)

    client = Client(
        f"  {KEY}\n", base_url="https://api.example", transport=httpx2.MockTransport(handler)
    )
    with client:
        client.models.list()
    assert seen == [f"Bearer {KEY}"]


@pytest.mark.parametrize("key", ["sk-abc\x00def0123456", "sk-abc\ndef0123456", "ключ-0123456789"])
def test_a_key_no_header_can_carry_is_refused_without_showing_it(key: str) -> None:
    # before: sent anyway; httpx2's "Illegal header value b'Bearer <key>'" came back as a
    # connection error (retried) with the whole key in its message, or a UnicodeEncodeError
    with pytest.raises(ValueError, match="API key") as info:
        Client(key)
    assert key not in str(info.value) and key.strip()[:6] not in str(info.value)


def test_repr_never_shows_the_key() -> None:
    with client_for(models_ok) as client:
        assert KEY not in repr(client) and "WXYZ" in repr(client)
    assert "0123" not in repr(AsyncClient("short-0123", base_url="https://api.example"))


# -- options ------------------------------------------------------------------------------------


def test_timeout_none_means_no_read_timeout() -> None:
    with client_for(models_ok, timeout=None) as client:
        assert client.http.timeout.read is None and client.http.timeout.connect == 10.0
        assert [m.id for m in client.models.list()] == ["m"]


@pytest.mark.parametrize("timeout", [0, -1.0, float("nan")])
def test_a_timeout_that_cannot_be_waited_is_refused(timeout: float) -> None:
    # before: timeout=0 built a client whose every request failed as "could not reach"
    with pytest.raises(ValueError, match="timeout"):
        Client(KEY, timeout=timeout)


@pytest.mark.parametrize("timeout", [(1, 2), "30", True])
def test_a_timeout_that_is_not_seconds_is_a_type_error(timeout: object) -> None:
    # before: (1, 2) failed with "'<' not supported between instances of 'tuple' and 'float'"
    with pytest.raises(TypeError, match="timeout"):
        Client(KEY, timeout=timeout)  # type: ignore[arg-type]


def test_max_retries_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="max_retries"):
        Client(KEY, max_retries=-1)


def test_http_client_and_transport_together_are_refused() -> None:
    # before: the transport was silently ignored
    with httpx2.Client() as http, pytest.raises(ValueError, match="transport"):
        Client(KEY, http_client=http, transport=httpx2.MockTransport(models_ok))


# -- lifecycle ----------------------------------------------------------------------------------


def test_close_twice_is_harmless() -> None:
    client = client_for(models_ok)
    client.close()
    client.close()


def test_an_injected_http_client_is_left_open_and_a_created_one_closed() -> None:
    http = httpx2.Client(transport=httpx2.MockTransport(models_ok))
    with Client(KEY, base_url="https://api.example", http_client=http) as client:
        client.models.list()
    assert not http.is_closed
    http.close()
    with client_for(models_ok) as owned:
        pass
    assert owned.http.is_closed


def test_a_closed_client_refuses_requests_even_with_an_injected_http_client() -> None:
    # before: with an injected http_client, close() changed nothing and requests went on
    http = httpx2.Client(transport=httpx2.MockTransport(models_ok))
    client = Client(KEY, base_url="https://api.example", http_client=http)
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.models.list()
    with pytest.raises(RuntimeError, match="closed"):
        client.chat.stream("m", [{"role": "user", "content": "hi"}])
    assert not http.is_closed
    http.close()
    owned = client_for(models_ok)
    owned.close()
    with pytest.raises(RuntimeError, match="closed"):
        owned.models.list()


def test_a_closed_async_client_refuses_requests() -> None:
    async def main() -> None:
        http = httpx2.AsyncClient(transport=httpx2.MockTransport(models_ok))
        client = AsyncClient(KEY, base_url="https://api.example", http_client=http)
        await client.close()
        with pytest.raises(RuntimeError, match="closed"):
            await client.models.list()
        await http.aclose()

    asyncio.run(main())


# -- retries ------------------------------------------------------------------------------------


def test_max_retries_zero_makes_one_attempt() -> None:
    seen: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(1)
        return httpx2.Response(503)

    with client_for(handler, max_retries=0) as client, pytest.raises(errors.ServerError) as info:
        client.models.list()
    assert seen == [1] and info.value.attempts == 1


@pytest.mark.parametrize(
    ("header", "waits"),
    [("-5", [0.0]), ("garbage", None), ("99999999", []), ("inf", [])],
)
def test_odd_retry_after_values(header: str, waits: list[float] | None) -> None:
    """Negative: retry now; garbage: ordinary backoff; longer than a minute: give up at once."""
    answers = [httpx2.Response(429, headers={"Retry-After": header}), None]
    slept: list[float] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        return answers.pop(0) or models_ok(request)

    client = client_for(handler)
    client._sleep = slept.append
    with client:
        if waits == []:
            with pytest.raises(errors.RateLimitError):
                client.models.list()
        else:
            client.models.list()
    if waits is None:
        assert len(slept) == 1 and 0 <= slept[0] <= 1
    else:
        assert slept == waits


def test_a_chat_whose_connection_breaks_after_sending_is_retried() -> None:
    """The spec retries connection errors; the chat body is bytes, so it can be sent again."""
    bodies: list[bytes] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(request.read())
        if len(bodies) == 1:
            raise httpx2.RemoteProtocolError("server disconnected without sending a response")
        return httpx2.Response(
            200,
            json={
                "id": "x",
                "model": "m",
                "object": "chat.completion",
                "created": 1,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": "ok"},
                        "finish_reason": "stop",
                    }
                ],
            },
        )

    with client_for(handler) as client:
        answer = client.chat.complete("m", [{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content == "ok"
    assert len(bodies) == 2 and bodies[0] == bodies[1]


# -- async cancellation and concurrency ---------------------------------------------------------


class _Hang(httpx2.AsyncByteStream):
    """An event stream that sends one comment, then nothing."""

    def __init__(self, closed: list[bool]) -> None:
        self._closed = closed

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b": keep-alive\n\n"
        await asyncio.sleep(3600)

    async def aclose(self) -> None:
        self._closed.append(True)


def test_a_timeout_while_waiting_for_the_first_event_closes_the_response() -> None:
    closed: list[bool] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.url.path.endswith("/models"):
            return models_ok(request)
        return httpx2.Response(
            200, headers={"content-type": "text/event-stream"}, stream=_Hang(closed)
        )

    async def main() -> int:
        async with AsyncClient(
            KEY, base_url="https://api.example", transport=httpx2.MockTransport(handler)
        ) as client:

            async def first() -> None:
                async with client.chat.stream("m", [{"role": "user", "content": "hi"}]) as s:
                    async for _ in s:
                        pass

            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(first(), 0.05)
            assert closed == [True]
            return len(await client.models.list())

    assert asyncio.run(main()) == 1


def test_many_concurrent_requests_on_one_async_client() -> None:
    async def handler_body(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(0.01)
        return models_ok(request)

    class Slow(httpx2.AsyncBaseTransport):
        def __init__(self) -> None:
            self.active = 0
            self.peak = 0

        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                return await handler_body(request)
            finally:
                self.active -= 1

    transport = Slow()

    async def main() -> list[int]:
        async with AsyncClient(KEY, base_url="https://api.example", transport=transport) as c:
            lists = await asyncio.gather(*(c.models.list() for _ in range(100)))
            return [len(x) for x in lists]

    assert asyncio.run(main()) == [1] * 100
    assert transport.peak > 1 and transport.active == 0
