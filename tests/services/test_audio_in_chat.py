"""Audio in a chat message: a local WAV or MP3 goes as an `input_audio` chunk to a model that
hears audio, and is refused (nothing sent) for one that does not."""

from __future__ import annotations

import base64
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services.attachments import AudioClip, classify
from mistral_chat.services.catalog import ModelCatalog
from mistral_chat.services.chat import ChatSession
from mistral_chat.services.content import AudioRequired
from spec_support import body_errors

HEARS = "voxtral-small-latest"


def wav(path: Path, seconds: float = 0.5) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\x01\x00" * int(16000 * seconds))
    return path


@pytest.fixture
def client(emulator: Emulator) -> Iterator[Client]:
    with Client("test-key", base_url=emulator.base_url) as c:
        yield c


def test_audio_is_classified_by_its_content(tmp_path: Path) -> None:
    clip = wav(tmp_path / "no-extension")
    assert classify(str(clip)) == AudioClip(clip, "audio/wav")


def test_a_model_that_hears_gets_the_bytes_as_input_audio(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    clip = wav(tmp_path / "clip.wav")
    catalog = ModelCatalog(lambda: client, tmp_path / "cache", emulator.base_url)
    session = ChatSession(client, None, model=HEARS, catalog=catalog)
    since = len(emulator.requests)
    result = session.send("What is said?", [str(clip)])
    body = next(r.json for r in emulator.requests[since:] if r.path == "/v1/chat/completions")
    chunk = body["messages"][0]["content"][1]
    assert chunk["type"] == "input_audio"
    assert base64.b64decode(chunk["input_audio"]) == clip.read_bytes()
    assert body_errors("/v1/chat/completions", "post", body) == []
    assert f"Audio 1: {clip.stat().st_size} bytes" in result.text


def test_a_model_that_does_not_hear_is_refused_before_sending(
    client: Client, emulator: Emulator, tmp_path: Path
) -> None:
    clip = wav(tmp_path / "clip.wav")
    catalog = ModelCatalog(lambda: client, tmp_path / "cache", emulator.base_url)
    session = ChatSession(client, None, model="mistral-small-latest", catalog=catalog)
    since = len(emulator.requests)
    with pytest.raises(AudioRequired, match=r"cannot hear audio.*voxtral-small"):
        session.send("What is said?", [str(clip)])
    assert not [r for r in emulator.requests[since:] if r.path == "/v1/chat/completions"]
