"""Request bodies of the new resources validate against the vendored spec (the whole one),
and the official SDK parses the emulator's answers for these endpoints."""

from __future__ import annotations

import base64
import io
import json
import warnings
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
import yaml
from _audio_files import make_mp3, make_wav

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator

SPEC = Path(__file__).parents[1] / "data" / "mistral-openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(SPEC.read_text(), Loader=loader)  # type: ignore[no-any-return]


def check(body: Any, path: str, method: str, media: str = "application/json") -> None:
    schema = spec()["paths"][path][method]["requestBody"]["content"][media]["schema"]
    if "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    jsonschema.Draft202012Validator({**schema, "components": spec()["components"]}).validate(body)


def form_fields(request: httpx2.Request) -> dict[str, Any]:
    """A multipart request's fields (lists for repeated ones; the file part as its name)."""
    raw = b"Content-Type: " + request.headers["content-type"].encode() + b"\r\n\r\n"
    message = BytesParser(policy=HTTP).parsebytes(raw + request.content)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        value: Any = part.get_filename() or part.get_content()
        if isinstance(value, bytes):
            value = value.decode()
        if name in fields:
            fields[name] = [
                *(fields[name] if isinstance(fields[name], list) else [fields[name]]),
                value,
            ]
        else:
            fields[name] = value
    for key in ("context_bias", "timestamp_granularities"):
        if key in fields and not isinstance(fields[key], list):
            fields[key] = [fields[key]]
    for key in ("stream", "diarize"):
        if key in fields:
            fields[key] = fields[key] == "true"
    if "temperature" in fields:  # a form carries text; the spec's field is its parsed value
        fields["temperature"] = float(fields["temperature"])
    return fields


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        path = request.url.path
        if path == "/v1/audio/transcriptions" and b'name="stream"' in request.content:
            done = {
                "type": "transcription.done",
                "model": "m",
                "text": "t",
                "language": "en",
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
            return httpx2.Response(200, content=b"data: " + json.dumps(done).encode() + b"\n\n")
        if path == "/v1/audio/speech":
            return httpx2.Response(200, json={"audio_data": base64.b64encode(b"ID3").decode()})
        return httpx2.Response(200, json={"data": [], "results": [], "choices": [], "id": "x"})


def test_request_bodies_validate(tmp_path: Path) -> None:
    recorder = Recorder()
    wav = make_wav(tmp_path / "a.wav", seconds=0.2)
    with Client("k", base_url="https://api.test", transport=httpx2.MockTransport(recorder)) as c:
        c.audio.transcribe(
            "voxtral-mini-latest",
            wav,
            context_bias=["A", "B_c"],
            timestamp_granularities=["word"],
            diarize=True,
            temperature=0.2,
        )
        c.audio.transcribe("voxtral-mini-latest", file_url="https://x.test/a.mp3", language="fr")
        with c.audio.transcribe_stream("voxtral-mini-latest", file_id="f-1") as stream:
            list(stream)
        c.audio.speech("voxtral-mini-tts-latest", "hi", voice_id="amelie", response_format="wav")
        c.embeddings.create("codestral-embed", ["a", "b"], output_dimension=8, output_dtype="int8")
        c.moderations.create("mistral-moderation-2603", ["a", "b"])
        c.moderations.chat("mistral-moderation-2603", [{"role": "user", "content": "hi"}])
        c.fim.complete(
            "codestral-latest", "def f(", ")", max_tokens=5, stop=["\n"], temperature=0.1
        )
        c.libraries.create("Docs", description="d")
        c.libraries.upload(
            "0197f425-5e85-7353-b8e7-e8b974b9c613", io.BytesIO(b"%PDF"), filename="a.pdf"
        )
    seen = []
    for request in recorder.requests:
        path = request.url.path
        if path == "/v1/audio/transcriptions":
            fields = form_fields(request)
            fields.pop("file", None)  # binary: the schema's format, not a JSON value
            operation = f"{path}#stream" if fields.get("stream") else path
            check(fields, operation, "post", "multipart/form-data")
        elif path.endswith("/documents"):
            check(
                {"file": "a.pdf"},
                "/v1/libraries/{library_id}/documents",
                "post",
                "multipart/form-data",
            )
            assert b'filename="a.pdf"' in request.content
        else:
            check(json.loads(request.content), path, "post")
        seen.append(path)
    assert len(seen) == 10 and seen.count("/v1/audio/transcriptions") == 3


@pytest.fixture
def sdk(tmp_path: Path) -> Any:
    from mistralai.client import Mistral

    with Emulator() as emu, Mistral(api_key="k", server_url=emu.base_url) as client:
        yield client


def test_official_sdk_parses_the_answers(sdk: Any, tmp_path: Path) -> None:
    mp3 = make_mp3(tmp_path / "a.mp3", seconds=1.0)
    with mp3.open("rb") as fh:
        answer = sdk.audio.transcriptions.complete(
            model="voxtral-mini-latest",
            file={"content": fh, "file_name": "a.mp3"},
            timestamp_granularities=["segment"],
            diarize=True,
        )
    assert "MP3" in answer.text and answer.segments[0].speaker_id == "speaker_1"
    with mp3.open("rb") as fh:
        events = list(
            sdk.audio.transcriptions.stream(
                model="voxtral-mini-latest", file={"content": fh, "file_name": "a.mp3"}
            )
        )
    assert events[-1].event == "transcription.done" and "MP3" in events[-1].data.text
    speech = sdk.audio.speech.complete(
        model="voxtral-mini-tts-latest", input="Hi", voice_id="amelie", response_format="wav"
    )
    assert base64.b64decode(speech.audio_data)[:4] == b"RIFF"
    with pytest.warns(DeprecationWarning):  # the SDK points at a /v2 the spec does not have
        assert sdk.audio.voices.list().total == 4
    emb = sdk.embeddings.create(model="codestral-embed", inputs=["a"], output_dimension=16)
    assert len(emb.data[0].embedding) == 16
    mod = sdk.classifiers.moderate(model="mistral-moderation-2603", inputs=["kill"])
    assert mod.results[0].categories["violence_and_threats"] is True
    chat = sdk.classifiers.moderate_chat(
        model="mistral-moderation-2603", inputs=[{"role": "user", "content": "hi"}]
    )
    assert chat.results[0].categories["pii"] is False
    fim = sdk.fim.complete(model="codestral-latest", prompt="def f(", suffix=")")
    assert "prefix: 6 characters" in fim.choices[0].message.content
    # the SDK warns on fields it deprecates (processing_status, nb_documents...) as it parses
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lib = sdk.beta.libraries.create(name="Docs")
        doc = sdk.beta.libraries.documents.upload(
            library_id=lib.id, file={"content": b"%PDF-1.4", "file_name": "a.pdf"}
        )
        status = sdk.beta.libraries.documents.status(library_id=lib.id, document_id=doc.id)
        assert status.process_status == "in_progress"
        assert sdk.beta.libraries.list().data[0].name == "Docs"
