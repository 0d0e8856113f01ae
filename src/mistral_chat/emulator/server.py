"""The HTTP server: stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive, chunked streams.

Every request is recorded; faults are taken from the queue before routing (``slow``,
``status``, ``html``) or while streaming (``cut``). ``stop()`` shuts down idle keep-alive
sockets so handler threads end and are joined: no thread or socket outlives the emulator.
"""

from __future__ import annotations

import contextlib
import json
import logging
import select
import shutil
import socket
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .catalog import ModelCatalog
from .faults import STREAM_KINDS, Fault, FaultError, FaultQueue
from .files import FileStore, MultipartError
from .routes import App, Request, Response, json_response

__all__ = ["Emulator", "RecordedRequest", "serve_forever"]

log = logging.getLogger(__name__)
_DRAIN_LIMIT = 64 * 1024 * 1024
_JSON_LIMIT = 64 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    """A request the emulator received: header names lower-cased; a query value is a
    string, or a list when the name is repeated; ``json`` is the parsed body or None."""

    method: str
    path: str
    query: dict[str, str | list[str]]
    headers: dict[str, str]
    json: Any


class _Body:
    """The request body as a reader: Content-Length or chunked, never past its end."""

    def __init__(self, rfile: Any, headers: dict[str, str]) -> None:
        self._rfile = rfile
        self._chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        self._left = 0 if self._chunked else int(headers.get("content-length") or 0)
        self.done = not self._chunked and self._left == 0

    def read(self, n: int) -> bytes:
        if self.done:
            return b""
        if self._chunked and self._left == 0:
            size = int(self._rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self._rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                self.done = True
                return b""
            self._left = size
        data: bytes = self._rfile.read(min(n, self._left))
        self._left -= len(data)
        if not data:
            self.done = True
            raise MultipartError("the client closed the connection mid-body")
        if self._left == 0:
            if self._chunked:
                self._rfile.readline(1024)
            else:
                self.done = True
        return data

    def read_all(self, limit: int) -> bytes:
        parts, size = [], 0
        while size <= limit and (data := self.read(1024 * 1024)):
            parts.append(data)
            size += len(data)
        return b"".join(parts)

    def drain(self, limit: int) -> bool:
        """Discard the unread rest; False if it was too long to bother."""
        size = 0
        while size <= limit and (data := self.read(1024 * 1024)):
            size += len(data)
        return self.done


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    # socketserver's default backlog of 5 drops connections when tests or a user's CI open
    # dozens at once; a real API front end accepts them
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        self.open_sockets: set[socket.socket] = set()
        self.lock = threading.Lock()
        self.accepted = 0
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.lock:
            self.accepted += 1
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up is normal for an emulator that injects faults.
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        try:
            self._serve()
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, MultipartError):
            self.close_connection = True
        except Exception:
            # An emulator bug answers 500 (when it still can) instead of hanging up silently.
            log.exception("emulator error on %s %s", self.command, self.path)
            self.close_connection = True
            with contextlib.suppress(OSError):
                body = {"object": "error", "message": "Internal server error"}
                self._send(json_response(500, {**body, "type": "server_error"}), "")

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _serve(self) -> None:
        emu = self.server.emulator
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = _Body(self.rfile, headers)
        upload = headers.get("content-type", "").startswith("multipart/")
        raw = b"" if upload else body.read_all(_JSON_LIMIT)
        if url.path.startswith("/_emulator/"):
            self._send(emu._control(self.command, url.path, raw), url.path)
            return
        emu._record(self.command, url.path, query, headers, raw)
        # Both are taken before the delay: a slow request whose client gave up must not wake
        # later and steal a fault injected for the next request.
        slow = emu.faults.take(url.path, ("slow",))
        fault = emu.faults.take(url.path, ("status", "html"))
        if slow and (emu._stopping.wait(slow.delay or 0) or self._peer_closed()):
            self.close_connection = True  # stopping, or the client timed out and hung up
            return
        if fault is not None:
            response = _fault_response(fault)
        else:
            host = headers.get("host") or emu.base_url.removeprefix("http://")
            request = Request(self.command, url.path, query, headers, raw, body, f"http://{host}")
            try:
                response = emu.app.handle(request)
            except MultipartError:
                response = json_response(400, {"detail": "There was an error parsing the body"})
        if not body.done and not body.drain(_DRAIN_LIMIT):
            self.close_connection = True
        self._send(response, url.path)

    def _peer_closed(self) -> bool:
        """True if the client has closed its end (readable with nothing to read)."""
        sock = self.connection
        try:
            readable, _, _ = select.select([sock], [], [], 0)
            return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _send(self, response: Response, path: str) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if isinstance(response.body, bytes):
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            return
        chunks = iter(response.body)
        try:
            if response.length is not None:
                self.send_header("Content-Length", str(response.length))
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(chunk)
            else:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._send_chunked(chunks, path, response.sse)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _send_chunked(self, chunks: Iterator[bytes], path: str, sse: bool) -> None:
        emu = self.server.emulator
        fault = emu.faults.take(path, STREAM_KINDS) if sse else None
        last = b""
        for sent, chunk in enumerate(chunks):
            ending = b"[DONE]" in chunk or b"conversation.response.done" in chunk
            if fault is not None and (sent >= (fault.after_chunks or 0) or ending):
                if fault.kind != "cut":  # a clean end that still tells of a failure
                    if path.startswith("/v1/conversations"):  # its events end without [DONE]
                        self._write_chunk(_conversation_error())
                    else:
                        self._write_chunk(_failure_event(fault.kind, last))
                        self._write_chunk(b"data: [DONE]\n\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                break
            self._write_chunk(chunk)
            last = chunk
        else:
            if not emu._stopping.is_set():
                self.wfile.write(b"0\r\n\r\n")
                return
        # No [DONE] and no terminating chunk: the client sees a broken stream.
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may have hung up already
            self.connection.shutdown(socket.SHUT_RDWR)


def _failure_event(kind: str, last: bytes) -> bytes:
    """The event a ``stream_error`` or ``finish_error`` fault sends instead of the rest."""
    if kind == "stream_error":
        body: dict[str, Any] = {
            "object": "error",
            "message": "Internal server error while generating",
            "type": "internal_server_error",
            "param": None,
            "code": "3000",
        }
    else:  # finish_error: the chunk shape of the stream so far, ending with "error"
        try:
            before = json.loads(last.removeprefix(b"data: "))
        except ValueError:
            before = {}
        body = {
            "id": before.get("id", "emulator"),
            "object": "chat.completion.chunk",
            "created": before.get("created", 0),
            "model": before.get("model", "unknown"),
            "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
        }
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def _conversation_error() -> bytes:
    """A conversation stream's failure (both stream faults): the spec's error event."""
    body = {
        "type": "conversation.response.error",
        "message": "Internal server error while generating",
        "code": 3000,
    }
    data = json.dumps(body, separators=(",", ":")).encode()
    return b"event: conversation.response.error\ndata: " + data + b"\n\n"


def _fault_response(fault: Fault) -> Response:
    status = fault.status or (502 if fault.kind == "html" else 500)
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    headers = {}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.kind == "html":
        page = (
            f"<html><head><title>{status} {phrase}</title></head><body>"
            f"<center><h1>{status} {phrase}</h1></center><hr><center>nginx</center>"
            "</body></html>\n"
        )
        return Response(status, page.encode(), "text/html; charset=utf-8", headers)
    kinds = {429: "rate_limited", 401: "unauthorized", 403: "forbidden"}
    body = {
        "object": "error",
        "message": phrase,
        "type": kinds.get(status, "server_error" if status >= 500 else "invalid_request_error"),
        "param": None,
        "code": str(status),
    }
    return json_response(status, body, headers)


class Emulator:
    """A Mistral API stand-in on loopback, for tests, demos and CI.

    Example::

        with Emulator() as emu:
            emu.inject("status", status=429, retry_after=1)
            client = httpx2.Client(base_url=emu.base_url, headers={"Authorization": "Bearer k"})
            client.get("/v1/models")  # 429, then the next request succeeds
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        state_dir: str | Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.api_key = api_key
        self._state_dir = Path(state_dir) if state_dir is not None else None
        self._temp_dir: Path | None = None
        self.faults = FaultQueue()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        """Bind and serve in a daemon thread; returns self."""
        if self._server is not None:
            return self
        if self._state_dir is None:
            self._temp_dir = Path(tempfile.mkdtemp(prefix="mistral-emulator-"))
        root = self._state_dir or self._temp_dir
        assert root is not None
        self.store = FileStore(root)
        self.app = App(ModelCatalog(), self.store, self.api_key, self._stopping.wait)
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        port = self._server.server_address[1]
        self.app.own_bases = (self.base_url, f"http://localhost:{port}")
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"mistral-emulator-{port}",
            daemon=True,
        )
        self._thread.start()
        return self

    @property
    def base_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT`` (no ``/v1``)."""
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        host, port = self._server.server_address[:2]
        host = str(host)
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    @property
    def connections(self) -> int:
        """How many TCP connections the server has accepted."""
        return self._server.accepted if self._server else 0

    def inject(
        self,
        kind: str,
        *,
        times: int = 1,
        path: str | None = None,
        status: int | None = None,
        retry_after: str | int | None = None,
        delay: float | None = None,
        after_chunks: int | None = None,
    ) -> None:
        """Make the next ``times`` requests under ``path`` (default: any /v1 path) fail."""
        if kind == "html" and status is None:
            status = 502
        self.faults.add(Fault(kind, times, path, status, retry_after, delay, after_chunks))

    def clear_faults(self) -> None:
        self.faults.clear()

    def signed_url(self, file_id: str, *, expires_at: int) -> str:
        """A signed download URL with a chosen expiry (tests use it to make expired ones)."""
        return self.app.signed_link(self.base_url, file_id, expires_at)

    def stop(self) -> None:
        """Stop serving, end every connection, join the threads, drop a temporary state dir."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with server.lock:
            sockets = list(server.open_sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join()
        self.app.batch.join()
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
            self._temp_dir = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _record(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: dict[str, str],
        raw: bytes,
    ) -> None:
        try:
            parsed = json.loads(raw) if raw else None
        except (ValueError, RecursionError):  # not JSON, invalid UTF-8, nested too deep
            parsed = None
        flat: dict[str, str | list[str]] = {k: v[0] if len(v) == 1 else v for k, v in query.items()}
        with self._lock:
            self._requests.append(RecordedRequest(method, path, flat, headers, parsed))

    def _control(self, method: str, path: str, raw: bytes) -> Response:
        """``/_emulator/faults`` (POST adds, DELETE clears) and ``/_emulator/requests``."""
        if path == "/_emulator/faults" and method == "POST":
            try:
                self.faults.add(Fault.from_json(_control_json(raw)))
            except FaultError as exc:
                # FastAPI's shape: a 422 whose `loc` names the field
                loc = ["body"] if exc.field == "body" else ["body", exc.field]
                problem = {"loc": loc, "msg": exc.reason, "type": "value_error"}
                return json_response(422, {"detail": [problem]})
            return json_response(200, {"ok": True})
        if path == "/_emulator/faults" and method == "DELETE":
            self.clear_faults()
            return json_response(200, {"ok": True})
        if path == "/_emulator/requests" and method == "GET":
            data = [r.__dict__ for r in self.requests]
            return json_response(200, {"data": data})
        if path == "/_emulator/batch" and method in ("GET", "POST"):
            return json_response(*self.app.batch.control(method, raw))
        return json_response(404, {"detail": "Not Found"})


def _control_json(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null")
    except (ValueError, RecursionError):  # not JSON, invalid UTF-8, nested too deep
        raise FaultError("body", "not JSON (or nested too deep, or not UTF-8)") from None


def serve_forever(
    host: str,
    port: int,
    api_key: str | None,
    on_ready: Callable[[str], None],
    state_dir: str | Path | None = None,
) -> None:
    """Serve until Ctrl-C; ``on_ready(base_url)`` is called once the port is bound.
    Files live in ``state_dir`` (kept) or, without one, a temporary directory."""
    emulator = Emulator(host=host, port=port, api_key=api_key, state_dir=state_dir).start()
    try:
        on_ready(emulator.base_url)
        forever = threading.Event()
        while not forever.wait(3600):
            pass
    except KeyboardInterrupt:
        return
    finally:
        emulator.stop()
