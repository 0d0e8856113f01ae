"""What an audio file is, from its first bytes: for `transcribe` and for audio in chat.

Pure (no network): `detect_audio(head)` names the container from magic bytes, never from the
extension; `audio_file(path)` checks a local file and says, in one line, why one is refused.

    >>> detect_audio(b"RIFF\\x24\\x00\\x00\\x00WAVEfmt ")
    'wav'
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from mistral_chat.errors import UsageError

__all__ = [
    "AUDIO_MIME",
    "AudioFile",
    "UnsupportedAudio",
    "audio_file",
    "detect_audio",
    "wav_seconds",
]

#: the formats the API transcribes, by the name `detect_audio` gives them
AUDIO_MIME: Final = {
    "wav": "audio/wav",
    "mp3": "audio/mpeg",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "m4a": "audio/mp4",
    "webm": "audio/webm",
    "aac": "audio/aac",
}
_HEAD = 64


class UnsupportedAudio(UsageError):
    """A local file that is not audio the API reads (exit 2, nothing sent)."""


@dataclass(frozen=True)
class AudioFile:
    path: Path
    format: str
    size: int

    @property
    def mime(self) -> str:
        return AUDIO_MIME[self.format]


def _mp3_frame(head: bytes) -> bool:
    # an MPEG audio frame header: 11 sync bits, a known version, Layer III, a valid bitrate
    if len(head) < 4 or head[0] != 0xFF or (head[1] & 0xE0) != 0xE0:
        return False
    return (head[1] >> 3) & 3 != 1 and (head[1] >> 1) & 3 == 1 and head[2] >> 4 not in (0, 15)


def detect_audio(head: bytes) -> str | None:
    """The audio format of a file starting with `head`, or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or _mp3_frame(head):
        return "mp3"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp" and head[8:11] in (b"M4A", b"mp4", b"iso", b"MSN", b"dash"):
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if len(head) > 1 and head[0] == 0xFF and (head[1] & 0xF6) == 0xF0:
        return "aac"  # ADTS
    return None


def audio_file(path: Path) -> AudioFile:
    """A local audio file, or UnsupportedAudio (or OSError) saying why not."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    found = detect_audio(head)
    if found is None:
        kinds = ", ".join(f.upper() for f in AUDIO_MIME)
        raise UnsupportedAudio(
            f"{path} is not audio the API transcribes ({kinds}); convert it first, e.g. "
            f"`ffmpeg -i {path.name} out.mp3`"
        )
    if not head:
        raise UnsupportedAudio(f"{path} is empty")
    return AudioFile(path, found, path.stat().st_size)


def wav_seconds(path: Path) -> float | None:
    """A WAV file's duration from its header (None when it cannot be read)."""
    with path.open("rb") as fh:
        if fh.read(12)[8:12] != b"WAVE":
            return None
        rate = block = 0
        while len(chunk := fh.read(8)) == 8:
            name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"fmt ":
                fmt = fh.read(size + (size & 1))
                rate, block = struct.unpack("<I", fmt[4:8])[0], struct.unpack("<H", fmt[12:14])[0]
            elif name == b"data":
                return size / block / rate if rate and block else None
            else:
                fh.seek(size + (size & 1), 1)
    return None
