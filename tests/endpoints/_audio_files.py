"""Real audio made for the tests: a WAV with the standard library's `wave`, an MP3 with LAME
(the `lameenc` encoder from PyPI)."""

from __future__ import annotations

import array
import math
import wave
from pathlib import Path


def tone(seconds: float, rate: int) -> bytes:
    samples = array.array(
        "h",
        (int(6000 * math.sin(2 * math.pi * 440 * i / rate)) for i in range(int(seconds * rate))),
    )
    return samples.tobytes()


def make_wav(path: Path, seconds: float = 2.0, rate: int = 16_000, channels: int = 1) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone(seconds, rate) * channels if channels == 1 else _stereo(seconds, rate))
    return path


def _stereo(seconds: float, rate: int) -> bytes:
    mono = array.array("h", tone(seconds, rate))
    both = array.array("h")
    for s in mono:
        both.extend((s, s))
    return both.tobytes()


def make_mp3(path: Path, seconds: float = 3.0, rate: int = 22_050) -> Path:
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(7)
    path.write_bytes(bytes(encoder.encode(tone(seconds, rate)) + encoder.flush()))
    return path
