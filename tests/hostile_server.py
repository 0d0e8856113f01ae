"""A scripted misbehaving HTTP server on 127.0.0.1: exactly which bytes, and when.

The emulator is a faithful API; this is its opposite. A test writes what the server does with
each connection as a *script*, a function that reads the request and sends raw bytes when it
chooses, so it can do what no well-behaved server does: keep the connection open after
`[DONE]`, drip one byte at a time, send a gzip bomb, redirect a POST elsewhere::

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"content-type": "text/event-stream"}, chunked=True))
        conn.send(chunk(sse(CHUNK_HELLO, b"[DONE]")))
        conn.hold()  # never end the body; wait until the client hangs up

    with HostileServer(script) as server:
        Client("key", base_url=server.url).chat.stream(...)
        assert server.hung_up.wait(5)  # the client closed its end

`HostileServer(script)` serves every connection with `script`; a list of scripts serves the
n-th connection with the n-th (the last one repeats). Scripts run in their own thread; every
wait in them ends when the server stops, so a test never hangs on its server. Other tests import
this module (`from hostile_server import ...`); CLI tests pass `server.url` as `--base-url`.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Conn",
    "HostileServer",
    "Request",
    "chunk",
    "completion",
    "completion_chunk",
    "gzip_bomb",
    "head",
    "json_answer",
    "sse",
]

Script = Callable[["Conn"], None]


@dataclass
class Request:
    """One request as the server read it."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes = b""
    raw_head: bytes = field(default=b"", repr=False)

    def json(self) -> Any:
        return json.loads(self.body)


class Conn:
    """One accepted connection, as a script sees it."""

    def __init__(self, sock: socket.socket, server: HostileServer) -> None:
        self.sock = sock
        self.server = server
        self._buffer = b""

    # reading ---------------------------------------------------------------------------

    def read_request(self) -> Request:
        """Read one request (head, then a Content-Length or chunked body) and record it."""
        head_bytes = self._read_until(b"\r\n\r\n")
        lines = head_bytes.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self._read_exactly(int(headers.get("content-length", "0")))
        request = Request(method, path, headers, body, head_bytes)
        with self.server._lock:
            self.server.requests.append(request)
        return request

    def _recv(self) -> bytes:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the client closed the connection")
        return data

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self._buffer:
            self._buffer += self._recv()
        found, _, self._buffer = self._buffer.partition(marker)
        return found

    def _read_exactly(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._buffer += self._recv()
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _read_chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self._read_until(b"\r\n").split(b";")[0], 16)
            body += self._read_exactly(size)
            self._read_exactly(2)
            if size == 0:
                return body

    # writing ---------------------------------------------------------------------------

    def send(self, data: bytes) -> bool:
        """Send `data` whole; False if the client has hung up."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def drip(self, data: bytes, every: float, piece: int = 1) -> bool:
        """Send `data` `piece` bytes at a time, one piece every `every` seconds; False as soon
        as the client has hung up or the server stops."""
        for start in range(0, len(data), piece):
            if not self.send(data[start : start + piece]):
                return False
            if self.server.stopping.wait(every) or self.peer_closed():
                return False
        return True

    def flood(self, data: bytes, limit: int = 1 << 34) -> int:
        """Send `data` over and over until the client hangs up (or `limit` bytes went);
        returns how many bytes were sent."""
        sent = 0
        while sent < limit and not self.server.stopping.is_set():
            if not self.send(data):
                break
            sent += len(data)
        return sent

    # waiting ---------------------------------------------------------------------------

    def peer_closed(self) -> bool:
        """True once the client has closed its end (readable, with nothing to read)."""
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
            return bool(readable) and self.sock.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def hold(self, timeout: float = 60.0) -> bool:
        """Keep the connection open, sending nothing, until the client hangs up (True), the
        server stops or `timeout` passes (False)."""
        waited = 0.0
        while waited < timeout:
            if self.peer_closed():
                return True
            if self.server.stopping.wait(0.02):
                return False
            waited += 0.02
        return False

    def sleep(self, seconds: float) -> bool:
        """Wait `seconds`; False if the server stopped meanwhile."""
        return not self.server.stopping.wait(seconds)


class HostileServer:
    """A threaded loopback server that runs a script per connection (see the module doc)."""

    def __init__(self, script: Script | Sequence[Script]) -> None:
        self._scripts = [script] if callable(script) else list(script)
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=16)
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self.stopping = threading.Event()
        #: set when a client closes a connection the script was holding or dripping on
        self.hung_up = threading.Event()
        self.requests: list[Request] = []
        self.connections = 0
        #: exceptions a script raised (other than the client hanging up)
        self.errors: list[BaseException] = []
        port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> HostileServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                script = self._scripts[min(self.connections, len(self._scripts) - 1)]
                self.connections += 1
                self._socks.append(sock)
            thread = threading.Thread(target=self._run, args=(sock, script), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, sock: socket.socket, script: Script) -> None:
        conn = Conn(sock, self)
        try:
            script(conn)
        except (ConnectionError, OSError):
            pass  # the client went away: scripts need not care
        except BaseException as exc:
            self.errors.append(exc)
        finally:
            if conn.peer_closed():
                self.hung_up.set()
            with suppress(OSError):
                sock.close()

    def stop(self) -> None:
        self.stopping.set()
        with suppress(OSError):
            self._listener.close()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(timeout=5)


# bytes on the wire ---------------------------------------------------------------------


def head(
    status: int = 200,
    headers: Mapping[str, str] | Iterable[tuple[str, str]] = (),
    *,
    chunked: bool = False,
    length: int | None = None,
    reason: str = "OK",
) -> bytes:
    """A response head; `chunked` or `length` frame the body (neither: until close)."""
    items = list(headers.items()) if isinstance(headers, Mapping) else list(headers)
    if chunked:
        items.append(("Transfer-Encoding", "chunked"))
    if length is not None:
        items.append(("Content-Length", str(length)))
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in items), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk (`chunk(b"")` is the terminator)."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def sse(*events: bytes | Mapping[str, Any]) -> bytes:
    """Server-sent events: each a `data:` line and a blank line (dicts become JSON)."""
    out = []
    for event in events:
        data = event if isinstance(event, bytes) else json.dumps(event).encode()
        out.append(b"data: " + data + b"\n\n")
    return b"".join(out)


def json_answer(doc: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> bytes:
    """A whole JSON response (head and body, Content-Length framed)."""
    body = json.dumps(doc).encode()
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    return head(status, all_headers, length=len(body), reason="X") + body


def completion_chunk(content: str, finish_reason: str | None = None) -> dict[str, Any]:
    """A chat.completion.chunk carrying `content`."""
    return {
        "id": "cmpl-hostile",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "mistral-small-latest",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish_reason}],
    }


def completion(content: str) -> dict[str, Any]:
    """A whole chat.completion answering `content`."""
    return {
        "id": "cmpl-hostile",
        "object": "chat.completion",
        "created": 1,
        "model": "mistral-small-latest",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def gzip_bomb(decoded_size: int, byte: bytes = b" ", level: int = 1, prefix: bytes = b"") -> bytes:
    """A gzip body of `decoded_size` repeated bytes, built in pieces so making it costs no
    more memory than the result: about 230 times smaller at `level` 1 (quick to make), 1000
    times at 9 (what an attacker would send). `prefix` comes first (`b"data: "`)."""
    out = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip header and trailer
    piece = byte * (1 << 20)
    parts = [out.compress(prefix)]
    left = decoded_size
    while left > 0:
        parts.append(out.compress(piece[: min(left, len(piece))]))
        left -= len(piece)
    parts.append(out.flush())
    return b"".join(parts)
