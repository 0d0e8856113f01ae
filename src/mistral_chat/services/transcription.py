"""Transcribing audio with Voxtral: where the audio comes from, what is checked before
anything is sent, how it travels, and the text as plain text, SRT, WebVTT or JSON.

Sources: a local file (its format read from its bytes; one the API does not read is refused
before sending), an http(s) URL (`file_url`), `file:ID` (`file_id`) or `-` (stdin, spooled to
a scratch file in pieces, never held whole). A local file larger than `FILES_API_ABOVE` is
uploaded through the Files API first (an upload that is retried on its own), transcribed by
id, and deleted afterwards; smaller ones go in the transcription request itself. Either way
the audio is streamed from disk: an hour of audio costs no memory.

    >>> srt_time(3661.5)
    '01:01:01,500'
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from mistral_chat.errors import UsageError
from mistral_chat.services.audio import audio_file

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.api.endpoint_types import Transcription

__all__ = [
    "DEFAULT_TRANSCRIBE_MODEL",
    "FILES_API_ABOVE",
    "AudioSource",
    "TranscriptionChoices",
    "as_srt",
    "as_text",
    "as_vtt",
    "audio_source",
    "check_choices",
    "srt_time",
    "transcribe",
]

DEFAULT_TRANSCRIBE_MODEL: Final = "voxtral-mini-latest"
#: local files above this go through the Files API first (a separate, retried upload)
FILES_API_ABOVE: Final = 64_000_000  # 64 MB, in the SI units every size is shown in
_LANGUAGE = re.compile(r"\w{2}")
_BIAS = re.compile(r"[^,\s]+")
MAX_BIAS: Final = 100
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class AudioSource:
    """Where the audio is: one of `path`, `file_url`, `file_id`."""

    label: str
    path: Path | None = None
    file_url: str | None = None
    file_id: str | None = None
    size: int | None = None


def audio_source(
    arg: str, stdin: IO[bytes] | None = None, scratch: Path | None = None
) -> AudioSource:
    """Classify `arg`; a local file (or `-`, copied from `stdin` into `scratch`) is checked
    to be audio the API reads (UnsupportedAudio otherwise)."""
    if arg.startswith(("http://", "https://")):
        return AudioSource(arg, file_url=arg)
    if arg.startswith("file:"):
        file_id = arg.removeprefix("file:").strip()
        if not file_id:
            raise UsageError(
                "file: needs an id, e.g. file:3b6d2c1e-...; see `mistral-chat files list`"
            )
        return AudioSource(arg, file_id=file_id)
    if arg == "-":
        if stdin is None or scratch is None:
            raise UsageError("- reads the audio from stdin, but nothing was piped")
        path = scratch / "stdin-audio"
        with path.open("wb") as out:
            shutil.copyfileobj(stdin, out, _CHUNK)
        if path.stat().st_size == 0:
            raise UsageError("- reads the audio from stdin, but nothing was piped")
        found = audio_file(path)
        named = path.with_name(f"stdin.{found.format}")
        path.rename(named)
        return AudioSource("stdin", path=named, size=found.size)
    path = Path(arg)
    if not path.exists():
        raise UsageError(f"{arg}: no such file; check the path (or give an http(s) URL or file:ID)")
    if path.is_dir():
        raise UsageError(f"{arg} is a directory; give an audio file")
    found = audio_file(path)
    return AudioSource(path.name, path=path, size=found.size)


@dataclass(frozen=True)
class TranscriptionChoices:
    """What the user asked for, checked (`check_choices`) before anything is sent."""

    language: str | None = None
    timestamps: str | None = None  # "segment" or "word"
    diarize: bool = False
    context_bias: tuple[str, ...] = ()
    output_format: str = "text"  # text, srt, vtt, json

    def options(self) -> dict[str, Any]:
        """The request's optional fields; subtitles need segment timestamps."""
        granularity = self.timestamps
        if granularity is None and self.output_format in ("srt", "vtt"):
            granularity = "segment"
        options: dict[str, Any] = {}
        if self.language:
            options["language"] = self.language
        if granularity:
            options["timestamp_granularities"] = [granularity]
        if self.diarize:
            options["diarize"] = True
        if self.context_bias:
            options["context_bias"] = list(self.context_bias)
        return options


def check_choices(choices: TranscriptionChoices) -> None:
    """UsageError for what the API would refuse (nothing is sent)."""
    if choices.language is not None and not _LANGUAGE.fullmatch(choices.language):
        raise UsageError(
            f"--language takes a two-letter code such as en or fr, got {choices.language!r}"
        )
    for term in choices.context_bias:
        if not _BIAS.fullmatch(term):
            raise UsageError(
                f"--context-bias {term!r}: a term has no spaces or commas; "
                "write phrases with underscores (New_York)"
            )
    if len(choices.context_bias) > MAX_BIAS:
        raise UsageError(
            f"--context-bias takes at most {MAX_BIAS} terms, got {len(choices.context_bias)}"
        )
    wants_times = choices.timestamps or choices.output_format in ("srt", "vtt")
    if choices.language and wants_times:
        raise UsageError(
            "--language cannot be combined with timestamps or --format srt/vtt (the API "
            "refuses both at once); leave out --language, it is detected"
        )


@contextlib.contextmanager
def _uploaded(source: AudioSource, client: Client, on_progress: Any) -> Iterator[AudioSource]:
    """A large local file uploaded through the Files API for the time of the block."""
    if source.path is None or (source.size or 0) <= FILES_API_ABOVE:
        yield source
        return
    uploaded = client.files.upload(source.path, on_progress=on_progress)
    try:
        yield AudioSource(source.label, file_id=uploaded.id, size=source.size)
    finally:
        from mistral_chat.api.errors import MistralError

        with contextlib.suppress(MistralError):  # a failed cleanup must not hide the result
            client.files.delete(uploaded.id)


def transcribe(
    client: Client,
    source: AudioSource,
    model: str,
    choices: TranscriptionChoices,
    *,
    on_progress: Callable[[int, int | None], None] | None = None,
    on_text: Callable[[str], None] | None = None,
) -> Transcription:
    """The transcription; with `on_text`, streamed and told piece by piece as it arrives."""
    options = choices.options()
    with _uploaded(source, client, on_progress) as where:
        kw: dict[str, Any] = {"file_url": where.file_url, "file_id": where.file_id}
        if where.path is not None:
            kw["on_progress"] = on_progress
        if on_text is None:
            return client.audio.transcribe(model, where.path, **kw, **options)
        with client.audio.transcribe_stream(model, where.path, **kw, **options) as stream:
            for event in stream:
                if event.type == "transcription.text.delta":
                    on_text(event.text)
                elif event.done is not None:
                    return event.done
    raise AssertionError("unreachable: a stream ends with its done event or raises")


def as_text(answer: Transcription) -> str:
    """The text; with speakers (diarization), one line per segment after its speaker."""
    if answer.segments and any(s.speaker_id for s in answer.segments):
        return "\n".join(f"{s.speaker_id or '?'}: {s.text.strip()}" for s in answer.segments) + "\n"
    return answer.text.strip() + "\n"


def srt_time(seconds: float, sep: str = ",") -> str:
    ms = round(max(0.0, seconds) * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def _cues(answer: Transcription) -> list[tuple[float, float, str]]:
    if answer.segments:
        cues = []
        for s in answer.segments:
            text = s.text.strip()
            cues.append((s.start, s.end, f"{s.speaker_id}: {text}" if s.speaker_id else text))
        return cues
    end = float(answer.usage.prompt_audio_seconds or 0)
    return [(0.0, end, answer.text.strip())]


def as_srt(answer: Transcription) -> str:
    blocks = [
        f"{i}\n{srt_time(start)} --> {srt_time(end)}\n{text}\n"
        for i, (start, end, text) in enumerate(_cues(answer), 1)
    ]
    return "\n".join(blocks)


def as_vtt(answer: Transcription) -> str:
    blocks = [
        f"{srt_time(start, '.')} --> {srt_time(end, '.')}\n{text}\n"
        for start, end, text in _cues(answer)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)
