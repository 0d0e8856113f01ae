"""Every resource against the emulator on loopback, and the issue's acceptance lines."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.api import AsyncClient, Client, content, errors
from mistral_chat.emulator import Emulator

USER = [{"role": "user", "content": "Bonjour"}]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    emu.clear_faults()
    with Client("test-key", base_url=emu.base_url + "/v1") as c:
        yield c


def test_models_list_and_retrieve(client: Client) -> None:
    cards = client.models.list()
    ids = {c.id for c in cards}
    assert "mistral-small-latest" in ids or any("mistral-small-latest" in c.aliases for c in cards)
    assert any(c.capabilities.vision for c in cards)
    assert any(c.deprecation for c in cards)
    tuned = [c for c in cards if c.type == "fine-tuned"]
    assert tuned and ":" in tuned[0].id
    assert client.models.retrieve(tuned[0].id).id == tuned[0].id
    with pytest.raises(errors.NotFoundError):
        client.models.retrieve("no-such-model")


def test_complete_and_stream_describe_what_was_sent(client: Client) -> None:
    answer = client.chat.complete("mistral-small-latest", USER, temperature=0.2)
    assert answer.choices[0].message.content is not None
    assert "You said: Bonjour" in str(answer.choices[0].message.content)
    assert answer.usage is not None and answer.usage.total_tokens > 0
    with client.chat.stream("mistral-small-latest", USER) as stream:
        pieces = [c.choices[0].delta.content for c in stream if c.choices]
    assert len(pieces) > 1 and "You said: Bonjour" in stream.text
    assert stream.finish_reason == "stop" and stream.usage is not None


def test_image_data_uri_is_described(client: Client) -> None:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buf, "PNG")
    msg = content.message(
        "user",
        [
            content.text("What colour?"),
            content.image_url(content.data_uri(buf.getvalue(), "image/png")),
        ],
    )
    vision = next(c.id for c in client.models.list() if c.capabilities.vision)
    answer = client.chat.complete(vision, [msg])
    assert "Image 1: PNG 64x48, dominant colour red" in str(answer.choices[0].message.content)


def test_unknown_model_and_validation_errors(client: Client) -> None:
    with pytest.raises(errors.BadRequestError) as bad:
        client.chat.complete("no-such-model", USER)
    assert "no-such-model" in bad.value.message
    with pytest.raises(errors.UnprocessableEntityError) as invalid:
        client.chat.complete("mistral-small-latest", USER, temperature=9)
    assert invalid.value.details and "temperature" in invalid.value.message


def test_bad_key_is_authentication_error(emu: Emulator) -> None:
    with (
        Emulator(api_key="right") as strict,
        Client("wrong", base_url=strict.base_url) as c,
        pytest.raises(errors.AuthenticationError),
    ):
        c.models.list()


def test_files_round_trip(client: Client, tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_bytes(b"hello files\n" * 1000)
    progress: list[int] = []
    uploaded = client.files.upload(src, purpose="ocr", on_progress=lambda d, t: progress.append(d))
    assert uploaded.filename == "notes.txt" and uploaded.bytes == src.stat().st_size
    assert progress and progress[-1] == src.stat().st_size
    listed = client.files.list(search="notes", include_total=True)
    assert uploaded.id in {f.id for f in listed.data}
    assert client.files.retrieve(uploaded.id).bytes == uploaded.bytes
    out = tmp_path / "copy.txt"
    assert client.files.download(uploaded.id, out) == uploaded.bytes
    assert out.read_bytes() == src.read_bytes()
    assert not list(tmp_path.glob(".copy.txt.*"))  # the temporary file was renamed into place
    sink = io.BytesIO()
    client.files.download(uploaded.id, sink)
    assert sink.getvalue() == src.read_bytes()
    url = client.files.signed_url(uploaded.id, expiry_hours=1)
    assert client.http.get(url).content == src.read_bytes()  # served without our key
    with pytest.raises(ValueError, match="168"):
        client.files.signed_url(uploaded.id, expiry_hours=500)
    assert client.files.delete(uploaded.id).deleted
    with pytest.raises(errors.NotFoundError):
        client.files.retrieve(uploaded.id)


def test_document_by_signed_url_is_resolved(client: Client, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"0" * 2039)
    uploaded = client.files.upload(pdf, purpose="ocr")
    url = client.files.signed_url(uploaded.id)
    msg = content.message(
        "user", [content.text("Summarise"), content.document_url(url, name="report.pdf")]
    )
    answer = client.chat.complete("mistral-small-latest", [msg])
    assert "Document 1: report.pdf (2048 bytes" in str(answer.choices[0].message.content)


# --- the acceptance lines -------------------------------------------------------


def test_429_with_retry_after_then_success_waits_at_least_one_second(
    client: Client, emu: Emulator
) -> None:
    emu.inject("status", status=429, retry_after=1, times=1, path="/v1/models")
    start = time.monotonic()
    client.models.list()
    assert time.monotonic() - start >= 1.0


def test_three_503s_with_two_retries_is_a_server_error_after_three_attempts(emu: Emulator) -> None:
    emu.inject("status", status=503, times=3, path="/v1/chat")
    before = len(emu.requests)
    with Client("k", base_url=emu.base_url, max_retries=2) as c:
        c._sleep = lambda s: None  # the waits are the policy's business, tested elsewhere
        with pytest.raises(errors.ServerError) as info:
            c.chat.complete("mistral-small-latest", USER)
    assert info.value.attempts == 3
    assert len([r for r in emu.requests[before:] if r.path == "/v1/chat/completions"]) == 3


def test_cut_after_three_chunks_keeps_their_text(client: Client, emu: Emulator) -> None:
    with client.chat.stream("mistral-small-latest", USER) as full:
        expected = [c.choices[0].delta.content for c in full if c.choices][:3]
    emu.inject("cut", after_chunks=3, times=1, path="/v1/chat")
    got: list[str] = []
    with pytest.raises(errors.StreamInterrupted) as info:
        for chunk in client.chat.stream("mistral-small-latest", USER):
            got.append(str(chunk.choices[0].delta.content))
    assert info.value.chunks == 3 and got == expected
    assert info.value.partial_text == "".join(str(e) for e in expected)


def test_html_error_page_and_slow_first_byte(client: Client, emu: Emulator) -> None:
    emu.inject("html", status=502, times=3, path="/v1/models")
    client._sleep = lambda s: None
    with pytest.raises(errors.ServerError) as info:
        client.models.list()
    assert "<" not in info.value.message
    emu.inject("slow", delay=0.3, times=1, path="/v1/models")
    assert client.models.list()


def test_fifty_streams_use_one_connection(emu: Emulator) -> None:
    before = emu.connections
    with Client("k", base_url=emu.base_url) as c:
        for _ in range(50):
            c.chat.stream("mistral-small-latest", USER).until_done()
    assert emu.connections - before == 1


def test_async_client_streams_and_lists(emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_bytes(b"async bytes")

    async def main() -> tuple[str, int]:
        async with AsyncClient("k", base_url=emu.base_url) as c:
            async with c.chat.stream("mistral-small-latest", USER) as stream:
                async for _ in stream:
                    pass
            cards = await c.models.list()
            answer = await c.chat.complete("mistral-small-latest", USER)
            assert "Bonjour" in str(answer.choices[0].message.content)
            up = await c.files.upload(src, purpose="ocr")
            assert (await c.files.retrieve(up.id)).bytes == 11
            assert up.id in {f.id for f in (await c.files.list()).data}
            await c.files.download(up.id, tmp_path / "b.txt")
            assert (await c.files.signed_url(up.id)).startswith("http")
            assert (await c.files.delete(up.id)).deleted
            return stream.text, len(cards)

    text, count = asyncio.run(main())
    assert "You said: Bonjour" in text and count > 5
    assert (tmp_path / "b.txt").read_bytes() == b"async bytes"


def test_upload_from_memory_with_explicit_type(client: Client) -> None:
    progress: list[tuple[int, int | None]] = []
    data = io.BytesIO(b"%PDF-1.4 in memory")
    up = client.files.upload(
        data,
        filename="mem.pdf",
        mime="application/pdf",
        purpose="ocr",
        on_progress=lambda d, t: progress.append((d, t)),
    )
    assert up.bytes == 18 and up.filename == "mem.pdf"
    assert progress[-1] == (18, 18)  # seekable: the total is known, so retries may re-send it
