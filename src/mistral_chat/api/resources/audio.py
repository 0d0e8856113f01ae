"""`/v1/audio/*`: what `AsyncAudio` and `Audio` share (paths, forms, bodies, decoders).

A transcription is a multipart form: the audio file is streamed from disk in 64 KiB pieces
(through the files resource's progress reader), so an hour of audio costs no memory; or the
form names a `file_url` or a `file_id` already uploaded. Lists (`context_bias`,
`timestamp_granularities`) are sent as repeated fields, as the official SDK and curl send them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, TypedDict

import msgspec

from ..endpoint_types import SpeechEvent, Transcription, TranscriptionEvent, VoiceList, decode_kept
from ..endpoint_types import Voice as Voice
from .files import ProgressCallback, upload_form

__all__ = [
    "MAX_SPEECH_BYTES",
    "SPEECH",
    "STREAM_HEADERS",
    "TRANSCRIPTIONS",
    "VOICES",
    "TranscriptionOptions",
    "decode_speech_event",
    "decode_transcription",
    "decode_transcription_event",
    "decode_voices",
    "speech_body",
    "transcription_form",
]

TRANSCRIPTIONS = "/v1/audio/transcriptions"
SPEECH = "/v1/audio/speech"
VOICES = "/v1/audio/voices"
#: a speech answer carries its audio inline (base64): more than the usual JSON answer
MAX_SPEECH_BYTES = 256 * 1024 * 1024
STREAM_HEADERS = {"Accept": "text/event-stream"}
decode_transcription = msgspec.json.Decoder(Transcription).decode
decode_speech_event = msgspec.json.Decoder(SpeechEvent).decode


class TranscriptionOptions(TypedDict, total=False):
    """The optional fields of the spec's AudioTranscriptionRequest (absent = not sent)."""

    language: str | None
    temperature: float | None
    diarize: bool | None
    context_bias: list[str] | None
    timestamp_granularities: list[str] | None


def _field(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


@contextmanager
def transcription_form(
    model: str,
    *,
    file: str | os.PathLike[str] | IO[bytes] | None,
    file_url: str | None,
    file_id: str | None,
    stream: bool,
    options: TranscriptionOptions,
    on_progress: ProgressCallback | None = None,
) -> Iterator[tuple[dict[str, Any], dict[str, Any], bool]]:
    """(files, data, rewindable) for the request: exactly one of the three sources."""
    if sum(x is not None for x in (file, file_url, file_id)) != 1:
        raise ValueError("give exactly one of file, file_url or file_id")
    data: dict[str, Any] = {"model": model}
    if file_url is not None:
        data["file_url"] = file_url
    if file_id is not None:
        data["file_id"] = file_id
    for key, value in options.items():
        if key not in TranscriptionOptions.__annotations__:
            raise TypeError(f"unknown transcription option {key!r}")
        if value is None:
            continue
        data[key] = [_field(v) for v in value] if isinstance(value, list) else _field(value)
    if stream:
        data["stream"] = "true"
    if file is None:
        # one field as a part keeps the form multipart (httpx2 URL-encodes a form with no
        # part), as the spec's request body is
        yield {"model": (None, data.pop("model"))}, data, True
        return
    with upload_form(file, None, None, None, None, on_progress) as (files, _, rewindable):
        yield files, data, rewindable


def decode_transcription_event(data: bytes) -> TranscriptionEvent:
    """An SSE event's data: `transcription.done` carries the whole transcription."""
    event = msgspec.json.decode(data)
    if not isinstance(event, dict):
        raise TypeError("a transcription event is an object")
    if event.get("type") == "transcription.done":
        return TranscriptionEvent(type="transcription.done", done=decode_kept(event, Transcription))
    return msgspec.convert(event, TranscriptionEvent)


def decode_voices(data: bytes) -> VoiceList:
    raw = msgspec.json.decode(data)
    if not isinstance(raw, dict):
        raise TypeError("a voice list is an object")
    voices = [decode_kept(item, Voice) for item in raw.get("items") or []]
    rest = {k: v for k, v in raw.items() if k in ("total", "page", "page_size", "total_pages")}
    return VoiceList(items=voices, **rest)


def speech_body(
    model: str,
    text: str,
    *,
    voice_id: str | None,
    ref_audio: str | None,
    response_format: str | None,
    stream: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "input": text}
    for key, value in (
        ("voice_id", voice_id),
        ("ref_audio", ref_audio),
        ("response_format", response_format),
    ):
        if value is not None:
            body[key] = value
    if stream:
        body["stream"] = True
    return body
