"""The API's routes: each takes a parsed :class:`Request` and returns a :class:`Response`.

Errors follow the API: 401 ``{"detail": "Unauthorized"}``; 422 ``{"detail": [...]}`` for
validation; the error object ``{"object": "error", "message", "type", "param", "code"}``
for the rest (400 invalid model or content, a prompt too long for the model, or OCR pages out
of range; 404 unknown model or file); unknown routes get ``{"detail": "Not Found"}`` as FastAPI
answers them.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

from .agents import Agents, AgentStore
from .batch import BatchJobs
from .batch_routes import BatchRoutes
from .catalog import ModelCatalog, ServedModel
from .chat import completion, sse_events
from .conversations import Conversations, ConversationStore
from .describe import build_reply
from .endpoints import EndpointRoutes
from .files import FileStore, StoredFile
from .messages import Query as _Query
from .messages import Request, Response, json_response
from .ocr import ocr_response
from .validate import (
    ApiError,
    Invalid,
    decode_chat_request,
    decode_ocr_request,
    detail_entry,
    not_found,
)

__all__ = ["App", "Request", "Response", "json_response"]

_CONVERSATION = r"/v1/conversations/(?P<conversation_id>[^/]+)"
_AGENT = r"/v1/agents/(?P<agent_id>[^/]+)"

_SAMPLE_TYPES = ("pretrain", "instruct", "batch_request", "batch_result", "batch_error")
_SOURCES = ("upload", "repository", "mistral")
_PURPOSES = ("fine-tune", "batch", "ocr")


class App:
    """Routes requests against one catalog and one file store."""

    def __init__(
        self,
        catalog: ModelCatalog,
        store: FileStore,
        api_key: str | None,
        wait: Callable[[float], bool],
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.api_key = api_key
        self._wait = wait
        # Where this emulator is reachable, so its own signed URLs are recognised.
        self.own_bases: tuple[str, ...] = ()
        self.agents = Agents(AgentStore(store.root), catalog)
        self.conversations = Conversations(
            ConversationStore(store.root), catalog, self.agents, store, wait, self._bases
        )
        conv, agents = self.conversations, self.agents

        self.batch: BatchJobs  # set by BatchRoutes
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Response]]] = [
            ("GET", re.compile(r"/v1/models"), self.list_models),
            ("GET", re.compile(r"/v1/models/(?P<model_id>[^/]+)"), self.get_model),
            ("DELETE", re.compile(r"/v1/models/(?P<model_id>[^/]+)"), self.delete_model),
            ("POST", re.compile(r"/v1/chat/completions"), self.chat),
            ("POST", re.compile(r"/v1/ocr"), self.ocr),
            ("POST", re.compile(r"/v1/files"), self.upload),
            ("GET", re.compile(r"/v1/files"), self.list_files),
            ("GET", re.compile(r"/v1/files/(?P<file_id>[^/]+)"), self.get_file),
            ("DELETE", re.compile(r"/v1/files/(?P<file_id>[^/]+)"), self.delete_file),
            ("GET", re.compile(r"/v1/files/(?P<file_id>[^/]+)/content"), self.download),
            ("GET", re.compile(r"/v1/files/(?P<file_id>[^/]+)/url"), self.signed_url),
            ("GET", re.compile(r"/_signed/(?P<file_id>[^/]+)"), self.signed_download),
            *EndpointRoutes(self).routes(),  # audio, embeddings, moderations, FIM, libraries
            ("POST", re.compile(r"/v1/conversations"), conv.start),
            ("GET", re.compile(r"/v1/conversations"), conv.list),
            ("GET", re.compile(_CONVERSATION), conv.get),
            ("POST", re.compile(_CONVERSATION), conv.append),
            ("DELETE", re.compile(_CONVERSATION), conv.delete),
            ("GET", re.compile(_CONVERSATION + "/history"), conv.history),
            ("GET", re.compile(_CONVERSATION + "/messages"), conv.messages),
            ("POST", re.compile(_CONVERSATION + "/restart"), conv.restart),
            ("POST", re.compile(r"/v1/agents"), agents.create),
            ("GET", re.compile(r"/v1/agents"), agents.list),
            ("GET", re.compile(r"/v1/agents/pages"), agents.pages),
            ("GET", re.compile(_AGENT), agents.get),
            ("DELETE", re.compile(_AGENT), agents.delete),
            *BatchRoutes(self).routes(),  # /v1/batch/jobs*
        ]

    def handle(self, request: Request) -> Response:
        """Authenticate, route and answer one request."""
        path = unquote(request.path)
        if path.startswith("/v1/") and not self._authorized(request.headers):
            return json_response(401, {"detail": "Unauthorized"})
        allowed = False
        for method, pattern, route in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if method != request.method:
                allowed = True
                continue
            try:
                return route(request, **match.groupdict())
            except Invalid as exc:
                return json_response(422, {"detail": exc.detail})
            except ApiError as exc:
                return json_response(exc.status, exc.body)
        if allowed:
            return json_response(405, {"detail": "Method Not Allowed"})
        return json_response(404, {"detail": "Not Found"})

    def _bases(self, request: Request) -> tuple[str, ...]:
        return (request.base_url, *self.own_bases)

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return False
        return self.api_key is None or token == self.api_key

    # Models

    def list_models(self, request: Request) -> Response:
        return json_response(200, {"object": "list", "data": self.catalog.cards()})

    def get_model(self, request: Request, model_id: str) -> Response:
        model = self.catalog.find(model_id)
        if model is None:
            raise ApiError(404, f"Model not found: {model_id}", "invalid_model", "1500")
        return json_response(200, model.card_as(model_id))

    def delete_model(self, request: Request, model_id: str) -> Response:
        model = self.catalog.find(model_id)
        if model is None:
            raise ApiError(404, f"Model not found: {model_id}", "invalid_model", "1500")
        if model.card["type"] != "fine-tuned":
            raise ApiError(403, "Only fine-tuned models can be deleted.", "forbidden", "3003")
        self.catalog.delete(model_id)
        return json_response(200, {"id": model_id, "object": "model", "deleted": True})

    # Chat

    def _served(self, name: str | None) -> ServedModel:
        """The model a chat or OCR request names; an unknown one is the API's 400."""
        model = self.catalog.find(name) if name is not None else None
        if model is None:
            raise ApiError(400, f"Invalid model: {name}", "invalid_model", "1500")
        return model

    def chat(self, request: Request) -> Response:
        body = decode_chat_request(request.body)
        model = self._served(body.model)
        if not model.chat:
            raise ApiError(
                400,
                f"Model {body.model} does not support chat completions.",
                "invalid_model",
                "1500",
            )
        bases = (request.base_url, *self.own_bases)
        reply = build_reply(body, model, self.store, bases)
        id_ = uuid.uuid4().hex
        created = int(time.time())
        n = body.n or 1
        if not body.stream:
            return json_response(
                200, completion(reply, model=body.model, n=n, id_=id_, created=created)
            )
        events = sse_events(reply, model=body.model, n=n, id_=id_, created=created, wait=self._wait)
        headers = {"Cache-Control": "no-cache"}
        return Response(200, events, "text/event-stream; charset=utf-8", headers, sse=True)

    # OCR

    def ocr(self, request: Request) -> Response:
        body = decode_ocr_request(request.body)
        if not self._served(body.model).ocr:
            message = f"Model {body.model} does not support OCR."
            raise ApiError(400, message, "invalid_model", "1500")
        bases = (request.base_url, *self.own_bases)
        return json_response(200, ocr_response(body, self.store, bases))

    # Files

    def _file(self, file_id: str, query: _Query | None = None) -> StoredFile:
        """The stored file, once the path and the ``query`` (if any) are valid."""
        errors = query.errors if query else []
        try:
            uuid.UUID(file_id)
        except ValueError:
            msg = "Input should be a valid UUID"
            errors.insert(0, detail_entry("uuid_parsing", ["path", "file_id"], msg, file_id))
        if errors:
            raise Invalid(errors)
        stored = self.store.get(file_id.lower())
        if stored is None:
            raise not_found(f"File {file_id} not found.")
        return stored

    def upload(self, request: Request) -> Response:
        content_type = request.headers.get("content-type", "")
        match = re.search(r'boundary="?([^";]+)"?', content_type)
        if not content_type.startswith("multipart/form-data") or match is None:
            raise Invalid([detail_entry("missing", ["body", "file"], "Field required", None)])
        stored = self.store.upload(request.reader, match.group(1).encode())
        return json_response(200, stored.to_json())

    def list_files(self, request: Request) -> Response:
        query = _Query(request)
        page = query.int("page", 0)
        page_size = query.int("page_size", 100)
        include_total = query.bool("include_total", True)
        sample_types = query.enums("sample_type", _SAMPLE_TYPES)
        sources = query.enums("source", _SOURCES)
        purposes = query.enums("purpose", _PURPOSES)[-1:]
        query.check()
        mimetypes = request.query.get("mimetypes", [])
        search = request.param("search")
        files = [
            f
            for f in self.store.all()
            if (not sample_types or f.sample_type in sample_types)
            and (not sources or f.source in sources)
            and (not purposes or f.purpose in purposes)
            and (not mimetypes or f.mimetype in mimetypes)
            and (not search or search.lower() in f.filename.lower())
        ]
        start = max(page, 0) * max(page_size, 0)
        data = [f.to_json() for f in files[start : start + max(page_size, 0)]]
        total = len(files) if include_total else None
        return json_response(200, {"data": data, "object": "list", "total": total})

    def get_file(self, request: Request, file_id: str) -> Response:
        return json_response(200, {**self._file(file_id).to_json(), "deleted": False})

    def delete_file(self, request: Request, file_id: str) -> Response:
        stored = self._file(file_id)
        self.store.delete(stored.id)
        return json_response(200, {"id": stored.id, "object": "file", "deleted": True})

    def _content(self, stored: StoredFile, content_type: str) -> Response:
        disposition = f"attachment; filename*=UTF-8''{quote(stored.filename)}"
        return Response(
            200,
            self.store.iter_content(stored.id),
            content_type,
            {"Content-Disposition": disposition},
            length=stored.bytes,
        )

    def download(self, request: Request, file_id: str) -> Response:
        return self._content(self._file(file_id), "application/octet-stream")

    def signed_url(self, request: Request, file_id: str) -> Response:
        query = _Query(request)
        hours = query.int("expiry", 24)
        if not 1 <= hours <= 168:
            msg = "Expiry must be between 1 and 168 hours"
            query.errors.append(detail_entry("value_error", ["query", "expiry"], msg, str(hours)))
        stored = self._file(file_id, query)
        expires = int(self.store.clock()) + hours * 3600
        return json_response(200, {"url": self.signed_link(request.base_url, stored.id, expires)})

    def signed_link(self, base_url: str, file_id: str, expires: int) -> str:
        signature = self.store.sign(file_id, expires)
        return f"{base_url}/_signed/{file_id}?expires={expires}&signature={signature}"

    def signed_download(self, request: Request, file_id: str) -> Response:
        expires, signature = request.param("expires") or "", request.param("signature") or ""
        stored = self.store.get(file_id)
        if stored is None or not self.store.check_signature(file_id, expires, signature):
            body = b"<?xml version='1.0'?><Error><Code>AuthenticationFailed</Code></Error>"
            return Response(403, body, "application/xml")
        return self._content(stored, stored.mimetype or "application/octet-stream")
