"""Audio for the emulator: what a received file is (format, duration, rate, channels), and
speech synthesised as a real file whose length follows the text.

Probing reads headers, not samples: a WAV's ``fmt``/``data`` chunks, every MP3 frame header
(after an ID3v2 tag), a FLAC's STREAMINFO, an Ogg stream's first and last pages. A file is
read in pieces from disk, so an hour of audio costs no memory.

Speech is a tone per word at 24 kHz (WAV, raw PCM) or silent MPEG-1 Layer III frames (MP3,
the frame a decoder plays as silence), 14 characters per second of text.
"""

from __future__ import annotations

import io
import math
import struct
import zlib
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

__all__ = ["AudioFacts", "probe", "speech_audio", "speech_seconds"]

_CHARS_PER_SECOND = 14
SPEECH_RATE = 24_000
_MP3_RATE = 44_100


@dataclass(frozen=True)
class AudioFacts:
    """What the emulator could read from a file's headers."""

    format: str
    duration: float | None
    sample_rate: int | None
    channels: int | None

    def describe(self) -> str:
        parts = [self.format]
        if self.duration is not None:
            parts.append(f"{self.duration:.2f} s")
        if self.sample_rate:
            parts.append(f"{self.sample_rate} Hz")
        if self.channels:
            parts.append("mono" if self.channels == 1 else f"{self.channels} channels")
        return ", ".join(parts)


def probe(path: Path) -> AudioFacts | None:
    """The facts of an audio file, or None when it is not audio the emulator recognises."""
    with path.open("rb") as fh:
        head = fh.read(64)
        fh.seek(0)
        if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
            return _wav(fh)
        if head[:4] == b"fLaC":
            return _flac(head)
        if head[:4] == b"OggS":
            return _ogg(fh, path.stat().st_size)
        if head[4:8] == b"ftyp":
            return AudioFacts("M4A", None, None, None)
        if head[:4] == b"\x1a\x45\xdf\xa3":
            return AudioFacts("WEBM", None, None, None)
        if head[:3] == b"ID3" or _mp3_header(head[:4]) is not None:
            return _mp3(fh)
    return None


def _wav(fh: BinaryIO) -> AudioFacts | None:
    fh.seek(12)
    rate = channels = block = 0
    while chunk := fh.read(8):
        if len(chunk) < 8:
            break
        name, size = chunk[:4], struct.unpack("<I", chunk[4:])[0]
        if name == b"fmt ":
            fmt = fh.read(size + (size & 1))
            channels, rate = struct.unpack("<HI", fmt[2:8])
            block = struct.unpack("<H", fmt[12:14])[0]
        elif name == b"data":
            if not (rate and block):
                return None
            return AudioFacts("WAV", size / block / rate, rate, channels)
        else:
            fh.seek(size + (size & 1), io.SEEK_CUR)
    return None


_BITRATES = {
    (1, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (2, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {1: (44100, 48000, 32000), 2: (22050, 24000, 16000), 25: (11025, 12000, 8000)}


def _mp3_header(h: bytes) -> tuple[int, int, int] | None:
    """(frame length, samples per frame, sample rate, ) of a Layer III frame header, else None;
    the channel count is read separately."""
    if len(h) < 4 or h[0] != 0xFF or (h[1] & 0xE0) != 0xE0:
        return None
    version = {3: 1, 2: 2, 0: 25}.get((h[1] >> 3) & 3)
    layer = (h[1] >> 1) & 3
    bitrate_index, rate_index = h[2] >> 4, (h[2] >> 2) & 3
    if version is None or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    bitrate = _BITRATES[(1 if version == 1 else 2, 3)][bitrate_index] * 1000
    rate = _RATES[version][rate_index]
    padding = (h[2] >> 1) & 1
    samples = 1152 if version == 1 else 576
    return samples // 8 * bitrate // rate + padding, samples, rate


def _mp3(fh: BinaryIO) -> AudioFacts | None:
    start = 0
    tag = fh.read(10)
    if tag[:3] == b"ID3":
        size = (tag[6] << 21) | (tag[7] << 14) | (tag[8] << 7) | tag[9]
        start = 10 + size + (10 if tag[5] & 0x10 else 0)
    fh.seek(start)
    samples = frames = rate = channels = 0
    while True:
        header = fh.read(4)
        parsed = _mp3_header(header)
        if parsed is None:
            break
        length, per_frame, rate = parsed
        channels = channels or (1 if header[3] >> 6 == 3 else 2)
        samples += per_frame
        frames += 1
        fh.seek(length - 4, io.SEEK_CUR)
    if not frames:
        return None
    return AudioFacts("MP3", samples / rate, rate, channels)


def _flac(head: bytes) -> AudioFacts | None:
    info = head[8:26]  # STREAMINFO, the first metadata block
    if len(info) < 18:
        return None
    packed = int.from_bytes(info[10:18], "big")
    rate = packed >> 44
    channels = ((packed >> 41) & 7) + 1
    total = packed & ((1 << 36) - 1)
    return AudioFacts("FLAC", total / rate if rate and total else None, rate or None, channels)


def _ogg(fh: BinaryIO, size: int) -> AudioFacts | None:
    first = fh.read(28 + 255 + 64)
    packet = first[27 + first[26] :]
    if packet.startswith(b"OpusHead"):
        name, channels, rate = "OGG Opus", packet[9], 48_000  # Opus always decodes at 48 kHz
    elif packet.startswith(b"\x01vorbis"):
        name = "OGG Vorbis"
        channels, rate = packet[11], struct.unpack("<I", packet[12:16])[0]
    else:
        return AudioFacts("OGG", None, None, None)
    fh.seek(max(0, size - 65_536))
    tail = fh.read()
    at = tail.rfind(b"OggS")
    granule = struct.unpack("<q", tail[at + 6 : at + 14])[0] if at >= 0 else -1
    return AudioFacts(name, granule / rate if granule > 0 else None, rate, channels)


def speech_seconds(text: str) -> float:
    """How long the emulator speaks ``text``: 14 characters a second, half a second at least."""
    return max(0.5, len(text) / _CHARS_PER_SECOND)


def _tone(text: str) -> array[int]:
    """A 16-bit mono tone per word, each word as long as its share of the characters."""
    samples = array("h")
    words = text.split() or [text]
    total = speech_seconds(text) * SPEECH_RATE
    weight = sum(len(w) + 1 for w in words)
    for word in words:
        n = int(total * (len(word) + 1) / weight)
        pitch = 180 + zlib.crc32(word.encode()) % 240  # the same word always sounds the same
        step = 2 * math.pi * pitch / SPEECH_RATE
        samples.extend(int(8000 * math.sin(step * i)) for i in range(n))
    return samples


def _wav_bytes(pcm: bytes) -> bytes:
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(pcm),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        SPEECH_RATE,
        SPEECH_RATE * 2,
        2,
        16,
        b"data",
        len(pcm),
    )
    return header + pcm


# MPEG-1 Layer III, no CRC, 64 kbit/s, 44.1 kHz, no padding, mono: 208 bytes per frame whose
# side information is all zeros (no main data), which every decoder plays as silence
_SILENT_FRAME = bytes([0xFF, 0xFB, 0x50, 0xC4]) + bytes(204)


def speech_audio(text: str, fmt: str) -> bytes:
    """``text`` spoken as ``fmt`` (``wav``, ``pcm`` or ``mp3``); ValueError for another."""
    if fmt == "mp3":
        frames = math.ceil(speech_seconds(text) * _MP3_RATE / 1152)
        return _SILENT_FRAME * frames
    pcm = _tone(text)
    if struct.pack("=h", 1) != struct.pack("<h", 1):
        pcm.byteswap()  # WAV and the API's pcm are little-endian
    if fmt == "pcm":
        return pcm.tobytes()
    if fmt == "wav":
        return _wav_bytes(pcm.tobytes())
    raise ValueError(fmt)
