"""Speaking text with Voxtral TTS: the text, the audio format, and the file written as the
audio arrives.

The text comes from the arguments or stdin; an empty one is refused before sending. The format
is `--format`, else the output file's extension, else mp3. The file is written through a
temporary file beside it and renamed into place once complete, so an interrupted answer never
leaves a truncated file under the real name; `-` streams to stdout.

    >>> speech_format(None, "greeting.wav")
    'wav'
"""

from __future__ import annotations

import base64
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.api.endpoint_types import AudioUsage

__all__ = [
    "DEFAULT_SPEECH_MODEL",
    "SPEECH_FORMATS",
    "check_text",
    "open_target",
    "speak",
    "speech_format",
]

DEFAULT_SPEECH_MODEL: Final = "voxtral-mini-tts-latest"
SPEECH_FORMATS: Final = ("mp3", "wav", "pcm", "flac", "opus")


def check_text(text: str) -> str:
    if not text.strip():
        raise UsageError("the text to speak is empty; give it as arguments or on stdin")
    return text


def speech_format(given: str | None, output: str) -> str:
    """The audio format: `given`, else the output's extension, else mp3."""
    if given is not None:
        return given
    suffix = Path(output).suffix.lower().lstrip(".")
    if output != "-" and suffix and suffix not in SPEECH_FORMATS:
        raise UsageError(
            f"{output}: cannot tell the audio format from .{suffix}; name the file .mp3, .wav, "
            ".flac, .opus or .pcm, or pass --format"
        )
    return suffix if suffix in SPEECH_FORMATS else "mp3"


def speak(
    client: Client,
    text: str,
    *,
    model: str,
    voice: str | None,
    ref_audio: Path | None,
    fmt: str,
    out: IO[bytes],
    on_bytes: Callable[[int], None] | None = None,
) -> AudioUsage | None:
    """Stream the audio of `text` into `out`; returns the usage the API reported."""
    reference = base64.b64encode(ref_audio.read_bytes()).decode() if ref_audio else None
    usage = None
    with client.audio.speech_stream(
        model, text, voice_id=voice, ref_audio=reference, response_format=fmt
    ) as stream:
        for event in stream:
            if event.audio_data:
                piece = base64.b64decode(event.audio_data)
                out.write(piece)
                if on_bytes is not None:
                    on_bytes(len(piece))
            if event.usage is not None:
                usage = event.usage
    out.flush()
    return usage


def open_target(path: Path) -> tuple[IO[bytes], Callable[[bool], None]]:
    """A temporary file beside `path` and a `finish(ok)` that renames it into place (or
    removes it). Refuses a path that exists or cannot be created, before anything is sent."""
    from mistral_chat.services.transfers import TransferError, check_writable, make_readable

    if path.exists():
        raise UsageError(f"{path} already exists; choose another path (nothing was sent)")
    try:
        check_writable(path)
    except TransferError as exc:
        raise UsageError(f"{exc} (nothing was sent)") from None
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", dir=path.parent if str(path.parent) else "."
    )
    out = os.fdopen(fd, "wb")

    def finish(ok: bool) -> None:
        out.close()
        if ok:
            make_readable(Path(tmp))
            Path(tmp).replace(path)
        else:
            Path(tmp).unlink(missing_ok=True)

    return out, finish
