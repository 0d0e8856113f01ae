"""``POST /v1/audio/speech`` and ``GET /v1/audio/voices``: preset voices, speech as real audio.

The emulator has four preset voices (``GET /v1/audio/voices``); ``voice_id`` takes one's id or
slug, or ``ref_audio`` a base64 clip (a one-off voice). The audio is :func:`.audio.speech_audio`
of the input: its length follows the text. JSON answers carry it whole as ``audio_data``
(base64); a stream sends ``speech.audio.delta`` events of up to 32 KiB, then
``speech.audio.done`` with the usage.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Iterator
from typing import Any

from .audio import speech_audio
from .endpoint_bodies import SpeechRequest
from .validate import ApiError, invalid_request

__all__ = ["PRESET_VOICES", "speech_answer", "voice_list"]

_NAMESPACE = uuid.UUID("0c6a5a0e-5b1f-4c57-9a43-4c7d6e0b9f21")
_VOICES = (
    ("Amélie", "amelie", ["fr", "en"], "female"),
    ("Oliver", "oliver", ["en"], "male"),
    ("Lucía", "lucia", ["es", "en"], "female"),
    ("Matteo", "matteo", ["it", "en"], "male"),
)
PRESET_VOICES: list[dict[str, Any]] = [
    {
        "name": name,
        "slug": slug,
        "languages": languages,
        "gender": gender,
        "age": None,
        "tags": ["preset"],
        "color": None,
        "description": f"Emulator preset voice {name}.",
        "retention_notice": 30,
        "id": str(uuid.uuid5(_NAMESPACE, slug)),
        "created_at": "2026-03-20T00:00:00Z",
        "user_id": None,
        "trimmed_seconds": None,
        "type": "preset",  # not in the vendored spec; the official SDK requires it
    }
    for name, slug, languages, gender in _VOICES
]
_CHUNK = 32 * 1024


def voice_list(limit: int, offset: int, kind: str) -> dict[str, Any]:
    """``VoiceListResponse`` (the emulator has no custom voices)."""
    voices = [] if kind == "custom" else PRESET_VOICES
    items = voices[offset : offset + limit]
    return {
        "items": items,
        "total": len(voices),
        "page": offset // limit + 1,
        "page_size": limit,
        "total_pages": max(1, -(-len(voices) // limit)),
    }


def _voice(body: SpeechRequest) -> None:
    if body.voice_id is None and body.ref_audio is None:
        raise invalid_request("Give voice_id (a saved or preset voice) or ref_audio.")
    if body.voice_id is not None and not any(
        body.voice_id in (v["id"], v["slug"]) for v in PRESET_VOICES
    ):
        raise ApiError(404, f"Voice {body.voice_id} not found.", "not_found_error", "3001")
    if body.ref_audio is not None:
        try:
            base64.b64decode(body.ref_audio, validate=True)
        except binascii.Error:
            raise invalid_request("ref_audio is not valid base64 audio.") from None


def speech_answer(body: SpeechRequest) -> tuple[bytes, dict[str, int]]:
    """The audio for the request and its usage, or the API's 400/404."""
    if not body.input.strip():
        raise invalid_request("input must not be empty.")
    _voice(body)
    try:
        audio = speech_audio(body.input, body.response_format)
    except ValueError:
        raise invalid_request(
            f"The emulator speaks wav, mp3 and pcm, not {body.response_format}."
        ) from None
    prompt = len(body.input)
    usage = {
        "prompt_tokens": prompt,
        "completion_tokens": len(audio) // 64,
        "total_tokens": prompt + len(audio) // 64,
    }
    return audio, usage


def speech_events(audio: bytes, usage: dict[str, int]) -> Iterator[bytes]:
    for start in range(0, len(audio), _CHUNK):
        piece = base64.b64encode(audio[start : start + _CHUNK]).decode()
        yield _event("speech.audio.delta", {"audio_data": piece})
    yield _event("speech.audio.done", {"usage": usage})


def _event(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps({"type": name, **data}, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n".encode()
