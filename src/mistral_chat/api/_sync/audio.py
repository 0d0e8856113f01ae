# generated from ../_async/audio.py by scripts/unasync.py; do not edit
"""`/v1/audio/*`: transcribe (whole or streamed), speak (whole or streamed), list voices.

The forms, bodies and decoders live in `..resources.audio`.
"""

from __future__ import annotations

import base64
import os
from typing import IO, TYPE_CHECKING, Unpack

from .._base_client import parsed
from ..endpoint_types import SpeechEvent, Transcription, TranscriptionEvent, VoiceList
from ..resources.audio import (
    MAX_SPEECH_BYTES,
    SPEECH,
    STREAM_HEADERS,
    TRANSCRIPTIONS,
    VOICES,
    TranscriptionOptions,
    decode_speech_event,
    decode_transcription,
    decode_transcription_event,
    decode_voices,
    speech_body,
    transcription_form,
)
from ..resources.files import ProgressCallback
from .events import EventStream

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["Audio"]

AudioSource = str | os.PathLike[str] | IO[bytes]


def _delta_text(event: TranscriptionEvent) -> str:
    return event.text if event.type == "transcription.text.delta" else ""


def _transcription_done(event: TranscriptionEvent) -> bool:
    return event.type == "transcription.done"


def _speech_done(event: SpeechEvent) -> bool:
    return event.type == "speech.audio.done"


class Audio:
    def __init__(self, client: APIClient) -> None:
        self._client = client

    def transcribe(
        self,
        model: str,
        file: AudioSource | None = None,
        *,
        file_url: str | None = None,
        file_id: str | None = None,
        on_progress: ProgressCallback | None = None,
        **options: Unpack[TranscriptionOptions],
    ) -> Transcription:
        """The audio's text: from a path or binary file (streamed from disk), a URL, or the id
        of an uploaded file. Retried only if the file can be re-read from its start."""
        client = self._client
        with transcription_form(
            model,
            file=file,
            file_url=file_url,
            file_id=file_id,
            stream=False,
            options=options,
            on_progress=on_progress,
        ) as (files, data, rewindable):
            request = client._build(client.http, "POST", TRANSCRIPTIONS, files=files, data=data)
            # an upload takes as long as it takes while bytes flow: no deadline on the whole
            if rewindable:
                response = client.with_retries(lambda n: client.fetch(request, n, timed=False))
            else:
                response = client.fetch(request, 1, timed=False)
        return parsed(response, decode_transcription)

    def transcribe_stream(
        self,
        model: str,
        file: AudioSource | None = None,
        *,
        file_url: str | None = None,
        file_id: str | None = None,
        on_progress: ProgressCallback | None = None,
        **options: Unpack[TranscriptionOptions],
    ) -> EventStream[TranscriptionEvent]:
        """The transcription's events, once the audio is uploaded and the answer has begun;
        iterate it in a `with` block that closes it. The last event (`transcription.done`)
        holds the whole `Transcription` in `done`; `stream.text` is the text so far."""
        client = self._client
        with transcription_form(
            model,
            file=file,
            file_url=file_url,
            file_id=file_id,
            stream=True,
            options=options,
            on_progress=on_progress,
        ) as (files, data, _):
            request = client._build(
                client.http, "POST", TRANSCRIPTIONS, files=files, data=data, headers=STREAM_HEADERS
            )
            stream = EventStream(
                client,
                request,
                decode_transcription_event,
                text_of=_delta_text,
                is_last=_transcription_done,
            )
            stream.open()  # the file is read while the request is sent: still open here
        return stream

    def speech(
        self,
        model: str,
        text: str,
        *,
        voice_id: str | None = None,
        ref_audio: str | None = None,
        response_format: str | None = None,
    ) -> bytes:
        """The audio of `text` as one piece (`response_format`: mp3, wav, pcm, flac, opus)."""
        body = speech_body(
            model,
            text,
            voice_id=voice_id,
            ref_audio=ref_audio,
            response_format=response_format,
            stream=False,
        )
        response = self._client.request("POST", SPEECH, json=body, limit=MAX_SPEECH_BYTES)
        data = parsed(response, decode_speech_event)
        return base64.b64decode(data.audio_data)

    def speech_stream(
        self,
        model: str,
        text: str,
        *,
        voice_id: str | None = None,
        ref_audio: str | None = None,
        response_format: str | None = None,
    ) -> EventStream[SpeechEvent]:
        """The audio as it is made: `speech.audio.delta` events (base64 `audio_data`), then
        `speech.audio.done` with the usage. Iterate it in a `with` block that closes it."""
        body = speech_body(
            model,
            text,
            voice_id=voice_id,
            ref_audio=ref_audio,
            response_format=response_format,
            stream=True,
        )
        client = self._client
        request = client._build(client.http, "POST", SPEECH, json=body, headers=STREAM_HEADERS)
        stream = EventStream(
            client, request, decode_speech_event, text_of=lambda e: "", is_last=_speech_done
        )
        return stream.open()

    def voices(
        self, *, limit: int | None = None, offset: int | None = None, type: str | None = None
    ) -> VoiceList:
        """A page of voices (`type`: all, custom or preset)."""
        params = {
            k: v for k, v in (("limit", limit), ("offset", offset), ("type", type)) if v is not None
        }
        response = self._client.request("GET", VOICES, params=params)
        return parsed(response, decode_voices)
