"""The routes of the rest of the API: audio, embeddings, moderations, FIM and libraries.

:class:`EndpointRoutes` is plugged into :class:`.routes.App`, which authenticates, matches
the path and turns :class:`.validate.Invalid` / :class:`.validate.ApiError` into the API's
422 and error bodies. JSON bodies are validated against :mod:`.endpoint_bodies`; forms
(transcriptions, library uploads) are read from the socket with the file spooled to disk.
"""

from __future__ import annotations

import base64
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import msgspec

from . import transcription as stt
from .audio import AudioFacts
from .chat import completion, sse_events
from .embeddings import embedding_response
from .endpoint_bodies import (
    ChatModerationBatch,
    ChatModerationRequest,
    ClassificationRequest,
    CreateLibraryRequest,
    EmbeddingRequest,
    FIMCompletionRequest,
    SpeechRequest,
)
from .fim import fim_reply
from .forms import Form, read_form
from .libraries import LibraryStore
from .messages import Query, Request, Response, json_response
from .moderation import moderation_response
from .speech import speech_answer, speech_events, voice_list
from .validate import ApiError, Invalid, detail_entry, json_body, problems, translate

if TYPE_CHECKING:
    from .catalog import ServedModel
    from .files import FileStore

__all__ = ["EndpointRoutes", "decode"]

T = TypeVar("T")
Route = tuple[str, "re.Pattern[str]", Callable[..., Response]]
_UUID = "[^/]+"


def decode(body: bytes, struct: type[T]) -> T:
    """A JSON body as ``struct``, or Invalid listing every problem (as pydantic does)."""
    raw = json_body(body)
    try:
        return msgspec.convert(raw, struct)
    except msgspec.ValidationError:
        raise Invalid([translate(p, raw) for p in problems(raw, struct)]) from None


def _uuid_or_422(value: str, name: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid(
            [detail_entry("uuid_parsing", ["path", name], "Input should be a valid UUID", value)]
        ) from None


class App(Protocol):
    """What the handlers use of :class:`.routes.App` (named structurally: no import cycle)."""

    store: FileStore
    own_bases: tuple[str, ...]
    _wait: Callable[[float], bool]

    def _served(self, name: str | None) -> ServedModel: ...


class EndpointRoutes:
    """Handlers bound to the app's catalog, file store, and a library store beside it."""

    def __init__(self, app: App) -> None:
        self.app = app
        root = app.store.dir.parent
        self.libraries = LibraryStore(root)
        self.spool = root / "spool"

    def routes(self) -> list[Route]:
        lib = rf"/v1/libraries/(?P<library_id>{_UUID})"
        doc = rf"{lib}/documents/(?P<document_id>{_UUID})"
        table: list[tuple[str, str, Callable[..., Response]]] = [
            ("POST", "/v1/audio/transcriptions", self.transcribe),
            ("POST", "/v1/audio/speech", self.speech),
            ("GET", "/v1/audio/voices", self.voices),
            ("POST", "/v1/embeddings", self.embeddings),
            ("POST", "/v1/moderations", self.moderations),
            ("POST", "/v1/chat/moderations", self.chat_moderations),
            ("POST", "/v1/fim/completions", self.fim),
            ("GET", "/v1/libraries", self.list_libraries),
            ("POST", "/v1/libraries", self.create_library),
            ("GET", lib, self.get_library),
            ("DELETE", lib, self.delete_library),
            ("GET", f"{lib}/documents", self.list_documents),
            ("POST", f"{lib}/documents", self.upload_document),
            ("GET", doc, self.get_document),
            ("DELETE", doc, self.delete_document),
            ("GET", f"{doc}/status", self.document_status),
        ]
        return [(method, re.compile(path), handler) for method, path, handler in table]

    def _model(self, name: str | None, capability: str, what: str) -> ServedModel:
        model = self.app._served(name)
        if not model.card["capabilities"].get(capability):
            raise ApiError(400, f"Model {name} does not support {what}.", "invalid_model", "1500")
        return model

    # audio

    def transcribe(self, request: Request) -> Response:

        content_type = request.headers.get("content-type", "")
        with read_form(request.reader, content_type, self.spool, request.body) as form:
            options = stt.read_options(form)
            self._model(options.model, "audio_transcription", "transcription")
            stt.check_request(options, form)
            name, facts = self._audio_of(request, form, options)
        answer, pieces = stt.transcribe(options, name, facts, options.model)
        if not options.stream:
            return json_response(200, answer)
        events = stt.stream_events(answer, pieces)
        headers = {"Cache-Control": "no-cache"}
        return Response(200, events, "text/event-stream; charset=utf-8", headers, sse=True)

    def _audio_of(
        self, request: Request, form: Form, options: stt.Transcription
    ) -> tuple[str, AudioFacts | None]:
        from .attachments import signed_file

        if form.file is not None:
            return form.file.filename, stt.facts_of(form.file.path, form.file.filename)
        if options.file_id is not None:
            stored = self.app.store.get(_uuid_or_422(options.file_id, "file_id"))
            if stored is None:
                raise ApiError(404, f"File {options.file_id} not found.", "not_found_error", "3001")
            path = self.app.store.content_path(stored.id)
            return stored.filename, stt.facts_of(path, stored.filename)
        url = options.file_url or ""
        bases = (request.base_url, *self.app.own_bases)
        stored = signed_file(url, self.app.store, bases, "audio")
        if stored is None:  # another URL: the emulator does not fetch it
            return f"URL {url}", None
        return stored.filename, stt.facts_of(self.app.store.content_path(stored.id), url)

    def speech(self, request: Request) -> Response:

        body = decode(request.body, SpeechRequest)
        self._model(body.model, "audio_speech", "speech")
        audio, usage = speech_answer(body)
        if not body.stream:
            return json_response(200, {"audio_data": base64.b64encode(audio).decode()})
        headers = {"Cache-Control": "no-cache"}
        events = speech_events(audio, usage)
        return Response(200, events, "text/event-stream; charset=utf-8", headers, sse=True)

    def voices(self, request: Request) -> Response:

        query = Query(request)
        limit, offset = query.int("limit", 10), query.int("offset", 0)
        kind = (query.enums("type", ("all", "custom", "preset")) or ["all"])[-1]
        if not 1 <= limit <= 100:
            msg = (
                "Input should be less than or equal to 100"
                if limit > 100
                else ("Input should be greater than or equal to 1")
            )
            query.errors.append(detail_entry("value_error", ["query", "limit"], msg, str(limit)))
        if offset < 0:
            msg = "Input should be greater than or equal to 0"
            query.errors.append(detail_entry("value_error", ["query", "offset"], msg, str(offset)))
        query.check()
        return json_response(200, voice_list(limit, offset, kind))

    # embeddings, moderations, FIM

    def embeddings(self, request: Request) -> Response:

        body = decode(request.body, EmbeddingRequest)
        model = self.app._served(body.model)
        return json_response(200, embedding_response(body, model.card["id"]))

    def moderations(self, request: Request) -> Response:

        body = decode(request.body, ClassificationRequest)
        self._model(body.model, "moderation", "moderation")
        texts = [body.input] if isinstance(body.input, str) else body.input
        return json_response(200, moderation_response(texts, body.model))

    def chat_moderations(self, request: Request) -> Response:
        from .describe import _text_of

        raw = json_body(request.body)
        given = raw.get("input") if isinstance(raw, dict) else None
        several = isinstance(given, list) and bool(given) and isinstance(given[0], list)
        if several:
            batch = decode(request.body, ChatModerationBatch)
            model, chats = batch.model, batch.input
        else:
            one = decode(request.body, ChatModerationRequest)
            model, chats = one.model, [one.input]
        self._model(model, "moderation", "moderation")
        texts = [_text_of(chat[-1].content) if chat else "" for chat in chats]
        return json_response(200, moderation_response(texts, model))

    def fim(self, request: Request) -> Response:

        body = decode(request.body, FIMCompletionRequest)
        self._model(body.model, "completion_fim", "FIM completions")
        reply = fim_reply(body)
        id_, created = uuid.uuid4().hex, int(time.time())
        if not body.stream:
            return json_response(
                200, completion(reply, model=body.model, n=1, id_=id_, created=created)
            )
        events = sse_events(
            reply, model=body.model, n=1, id_=id_, created=created, wait=self.app._wait
        )
        headers = {"Cache-Control": "no-cache"}
        return Response(200, events, "text/event-stream; charset=utf-8", headers, sse=True)

    # libraries

    def list_libraries(self, request: Request) -> Response:

        query = Query(request)
        page_size = query.int("page_size", 100)
        page = query.int("page", 0) if request.param("page") is not None else None
        token = request.param("page_token")
        query.check()
        found = self.libraries.all(request.param("search"))
        start = int(token) if token and token.isdigit() else (page or 0) * page_size
        data = found[start : start + page_size]
        more = start + page_size < len(found)
        pagination = None
        if page is not None:
            pagination = _pagination(len(found), page, page_size)
        next_token = str(start + page_size) if more else None
        return json_response(
            200, {"pagination": pagination, "data": data, "next_page_token": next_token}
        )

    def create_library(self, request: Request) -> Response:

        body = decode(request.body, CreateLibraryRequest)
        return json_response(201, self.libraries.create(body))

    def get_library(self, request: Request, library_id: str) -> Response:

        return json_response(200, self.libraries.get(_uuid_or_422(library_id, "library_id")))

    def delete_library(self, request: Request, library_id: str) -> Response:

        library = self.libraries.delete(_uuid_or_422(library_id, "library_id"))
        return json_response(200, library)

    def list_documents(self, request: Request, library_id: str) -> Response:

        library_id = _uuid_or_422(library_id, "library_id")
        query = Query(request)
        page_size, page = query.int("page_size", 100), query.int("page", 0)
        query.check()
        docs = self.libraries.documents(library_id, request.param("search"))
        if request.param("sort_order") == "asc":
            docs.reverse()
        data = docs[page * page_size : (page + 1) * page_size]
        return json_response(
            200, {"pagination": _pagination(len(docs), page, page_size), "data": data}
        )

    def upload_document(self, request: Request, library_id: str) -> Response:

        library_id = _uuid_or_422(library_id, "library_id")
        self.libraries.get(library_id)
        content_type = request.headers.get("content-type", "")
        with read_form(request.reader, content_type, self.spool, request.body) as form:
            if form.file is None:
                raise Invalid([detail_entry("missing", ["body", "file"], "Field required", None)])
            doc, created = self.libraries.upload(library_id, form.file)
        return json_response(201 if created else 200, doc)

    def _doc_ids(self, library_id: str, document_id: str) -> tuple[str, str]:
        return _uuid_or_422(library_id, "library_id"), _uuid_or_422(document_id, "document_id")

    def get_document(self, request: Request, library_id: str, document_id: str) -> Response:

        return json_response(200, self.libraries.document(*self._doc_ids(library_id, document_id)))

    def delete_document(self, request: Request, library_id: str, document_id: str) -> Response:

        self.libraries.delete_document(*self._doc_ids(library_id, document_id))
        return Response(204, b"")

    def document_status(self, request: Request, library_id: str, document_id: str) -> Response:

        doc = self.libraries.advance(*self._doc_ids(library_id, document_id))
        return json_response(200, self.libraries.status(doc))


def _pagination(total: int, page: int, page_size: int) -> dict[str, Any]:
    pages = max(1, -(-total // max(page_size, 1)))
    return {
        "total_items": total,
        "total_pages": pages,
        "current_page": page,
        "page_size": page_size,
        "has_more": (page + 1) * page_size < total,
    }
