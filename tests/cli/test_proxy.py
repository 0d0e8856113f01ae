"""The environment's proxy settings are honoured (PRODUCT.md): a forward proxy on loopback sees
the requests, and NO_PROXY sends them around it."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from cli_support import RunCLI
from mistral_chat.emulator import Emulator


class _ForwardProxy(BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy: requests arrive in absolute form and are relayed."""

    seen: list[str]

    def do_GET(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        target = urlsplit(self.path)
        upstream = http.client.HTTPConnection(target.netloc, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        upstream.request(
            self.command,
            target.path + (f"?{target.query}" if target.query else ""),
            headers=headers,
        )
        reply = upstream.getresponse()
        body = reply.read()
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.getheader("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForwardProxy)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_http_proxy_is_used_and_no_proxy_bypasses_it(
    run_cli: RunCLI, proxy: ThreadingHTTPServer, emulator: Emulator
) -> None:
    url = f"http://127.0.0.1:{proxy.server_address[1]}"
    code, out, err = run_cli("models", "list", "--json", env={"HTTP_PROXY": url})
    assert code == 0 and len(json.loads(out)) > 5, err
    seen: list[str] = proxy.seen  # type: ignore[attr-defined]
    assert (
        len(seen) == 1 and seen[0].startswith("GET http://127.0.0.1:") and "/v1/models" in seen[0]
    )

    before = len(emulator.requests)
    code, out, err = run_cli(
        "models", "list", "--json", env={"HTTP_PROXY": url, "NO_PROXY": "127.0.0.1"}
    )
    assert code == 0 and len(json.loads(out)) > 5, err
    assert [r.path for r in emulator.requests[before:]] == ["/v1/models"]
    assert len(seen) == 1  # the request went straight to the emulator
