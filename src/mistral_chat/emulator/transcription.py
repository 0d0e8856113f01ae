"""``POST /v1/audio/transcriptions``: a transcription that states what the audio really is.

The form is validated as FastAPI validates the spec's ``AudioTranscriptionRequest`` (422 with
every problem); then the audio (the ``file`` part, a stored ``file_id``, or an emulator signed
``file_url``) is probed from disk, never read whole. The text is a few sentences of facts
("Audio: NAME, WAV, 3.00 s, 16000 Hz, mono."), split into segments of up to 30 s; word
timestamps spread each segment's words evenly over its time.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .audio import AudioFacts, probe
from .forms import Form
from .validate import ApiError, Invalid, detail_entry, invalid_request

__all__ = [
    "Transcription",
    "check_request",
    "facts_of",
    "read_options",
    "stream_events",
    "transcribe",
]

SEGMENT_SECONDS = 30.0
_LANGUAGE = re.compile(r"\w{2}")
_BIAS = re.compile(r"[^,\s]+")
_GRANULARITIES = ("segment", "word")
_TRUE, _FALSE = ("1", "on", "t", "true", "y", "yes"), ("0", "off", "f", "false", "n", "no")


@dataclass
class Transcription:
    """The validated form."""

    model: str
    file_url: str | None
    file_id: str | None
    language: str | None
    stream: bool
    diarize: bool
    context_bias: list[str]
    granularities: list[str]


def read_options(form: Form) -> Transcription:
    """The form's fields, or Invalid listing every bad one (in the spec's order)."""
    errors: list[dict[str, Any]] = []
    model = form.value("model")
    if model is None:
        errors.append(detail_entry("missing", ["body", "model"], "Field required", None))
    file_url = form.value("file_url")
    if file_url is not None and not 1 <= len(file_url) <= 2083:
        msg = "URL should have at most 2083 characters" if file_url else "Input should be a URL"
        errors.append(detail_entry("url_parsing", ["body", "file_url"], msg, file_url))
    language = form.value("language")
    if language is not None and not _LANGUAGE.fullmatch(language):
        errors.append(_pattern("language", language, r"^\w{2}$"))
    temperature = form.value("temperature")
    if temperature is not None:
        try:
            float(temperature)
        except ValueError:
            msg = "Input should be a valid number, unable to parse string as a number"
            errors.append(detail_entry("float_parsing", ["body", "temperature"], msg, temperature))
    stream = _bool(form, "stream", errors)
    diarize = _bool(form, "diarize", errors)
    bias = form.fields.get("context_bias", [])
    for i, term in enumerate(bias):
        if not _BIAS.fullmatch(term):
            errors.append(_pattern("context_bias", term, r"^[^,\s]+$", i))
    granularities = form.fields.get("timestamp_granularities", [])
    for i, value in enumerate(granularities):
        if value not in _GRANULARITIES:
            loc: list[str | int] = ["body", "timestamp_granularities", i]
            msg = "Input should be 'segment' or 'word'"
            errors.append(
                detail_entry("enum", loc, msg, value, {"expected": "'segment' or 'word'"})
            )
    if errors or model is None:
        raise Invalid(errors)
    file_id = form.value("file_id")
    return Transcription(model, file_url, file_id, language, stream, diarize, bias, granularities)


def _pattern(name: str, value: str, pattern: str, index: int | None = None) -> dict[str, Any]:
    loc: list[str | int] = ["body", name] if index is None else ["body", name, index]
    msg = f"String should match pattern '{pattern}'"
    return detail_entry("string_pattern_mismatch", loc, msg, value, {"pattern": pattern})


def _bool(form: Form, name: str, errors: list[dict[str, Any]]) -> bool:
    value = form.value(name)
    if value is None or value.lower() in _FALSE:
        return False
    if value.lower() in _TRUE:
        return True
    msg = "Input should be a valid boolean, unable to interpret input"
    errors.append(detail_entry("bool_parsing", ["body", name], msg, value))
    return False


def check_request(options: Transcription, form: Form) -> None:
    """The API's refusals once the form is valid (400)."""
    given = [form.file is not None, options.file_url is not None, options.file_id is not None]
    if sum(given) != 1:
        raise invalid_request("Exactly one of file, file_url or file_id must be provided.")
    if options.language and options.granularities:
        raise invalid_request(
            "timestamp_granularities is not compatible with language: give one or the other."
        )
    if len(options.context_bias) > 100:
        raise invalid_request("context_bias takes at most 100 terms.")


def facts_of(path: Path, name: str) -> AudioFacts:
    """The audio's facts, or the API's 400 for a file that is not audio."""
    facts = probe(path)
    if facts is None:
        raise ApiError(
            400,
            f"Audio file {name} could not be decoded: it is not a supported audio format.",
            "invalid_request_error",
            "3000",
        )
    return facts


def _sentences(options: Transcription, name: str, facts: AudioFacts | None) -> list[str]:
    said = [f"Audio: {name}, {facts.describe()}." if facts else f"Audio: {name}."]
    if options.language:
        said.append(f"Language: {options.language}.")
    if options.context_bias:
        said.append(f"Context bias: {', '.join(options.context_bias)}.")
    if options.diarize:
        said.append("Speakers: alternating by segment.")
    return said


def _windows(duration: float) -> list[tuple[float, float]]:
    count = max(1, math.ceil(duration / SEGMENT_SECONDS))
    return [(i * SEGMENT_SECONDS, min(duration, (i + 1) * SEGMENT_SECONDS)) for i in range(count)]


def _segments(options: Transcription, texts: list[str], duration: float) -> list[dict[str, Any]]:
    windows = _windows(duration)
    out: list[dict[str, Any]] = []
    for i, (start, end) in enumerate(windows):
        speaker = f"speaker_{i % 2 + 1}" if options.diarize else None
        text = texts[i]
        if "word" in options.granularities:
            words = text.split()
            step = (end - start) / len(words)
            for k, word in enumerate(words):
                begin = start + k * step
                out.append(_segment(word, begin, begin + step, speaker))
        else:
            out.append(_segment(text, start, end, speaker))
    return out


def _segment(text: str, start: float, end: float, speaker: str | None) -> dict[str, Any]:
    return {
        "text": text,
        "start": round(start, 3),
        "end": round(end, 3),
        "speaker_id": speaker,
        "type": "transcription_segment",
    }


def transcribe(
    options: Transcription, name: str, facts: AudioFacts | None, model: str
) -> tuple[dict[str, Any], list[str]]:
    """The spec's ``TranscriptionResponse`` for the audio described by ``facts``, and its
    text piece by piece (one per 30 s), as a stream delivers it."""
    duration = facts.duration if facts and facts.duration else 0.0
    windows = _windows(duration)
    texts = [" ".join(_sentences(options, name, facts))]
    texts += [f"From {start:.1f} s to {end:.1f} s." for start, end in windows[1:]]
    text = " ".join(texts)
    wanted = bool(options.granularities) or options.diarize
    segments = _segments(options, texts, duration) if wanted else []
    completion = len(text.split())
    prompt = 4 + len(options.context_bias)
    answer = {
        "model": model,
        "text": text,
        "language": options.language or "en",
        "segments": segments,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_audio_seconds": math.ceil(duration),
        },
    }
    return answer, [t if i == 0 else f" {t}" for i, t in enumerate(texts)]


def stream_events(answer: dict[str, Any], pieces: list[str]) -> Iterator[bytes]:
    """The SSE form: the language, a text delta per piece, each segment, then done."""
    yield _event("transcription.language", {"audio_language": answer["language"]})
    for piece in pieces:
        yield _event("transcription.text.delta", {"text": piece})
    for segment in answer["segments"]:
        fields = {k: segment[k] for k in ("text", "start", "end", "speaker_id")}
        yield _event("transcription.segment", fields)
    yield _event("transcription.done", answer)


def _event(name: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps({**data, "type": name}, separators=(",", ":"))
    return f"event: {name}\ndata: {payload}\n\n".encode()
