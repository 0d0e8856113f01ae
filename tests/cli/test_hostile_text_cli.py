"""Server and history text on a terminal: shown, never obeyed, in every command (issue 10, #2).

A small server on 127.0.0.1 answers every field with escape sequences (OSC 52 clipboard write,
window title, screen clear, a C1 CSI) and a bidi override; the history holds the same. Each
command runs in this process on a Terminal that says it is a terminal (coloured, and with
NO_COLOR), and nothing a terminal would obey may reach it. One command runs on a real
pseudo-terminal too. Piped, answers and exports stay byte for byte.
"""

from __future__ import annotations

import io
import json
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pexpect
import pytest

from cli_support import cli_env
from mistral_chat.cli import run
from mistral_chat.render.console import Terminal

# OSC 52 (write the clipboard), OSC 0 (window title), clear screen, a C1 CSI, a bidi override
HOSTILE = "evil\x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[2J\x9b31m\u202etxt.exe"
SHOWN = "evil␛]52;c;cm0gLXJmIH4=␇␛]0;pwned␇␛[2J<U+009B>31m<U+202E>txt.exe"
OBEYED = ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e")


def obeyed(text: str) -> list[str]:
    """What in `text` a terminal would obey (our own SGR colours are fine)."""
    return [seq for seq in OBEYED if seq in text]


# -- a server whose every string is hostile ---------------------------------------------------

MODEL = {
    "id": f"mistral-small-{HOSTILE}",
    "object": "model",
    "created": 1_700_000_000,
    "owned_by": HOSTILE,
    "name": HOSTILE,
    "description": f"line one {HOSTILE}\nline two",
    "max_context_length": 32768,
    "aliases": [HOSTILE],
    "capabilities": {"completion_chat": True, "vision": True},
    "type": "base",
}
FILE = {
    "id": "3b1f0a9e-0000-4000-8000-000000000001",
    "object": "file",
    "bytes": 12,
    "created_at": 1_700_000_000,
    "filename": f"{HOSTILE}.pdf",
    "purpose": "ocr",
    "sample_type": "ocr_input",
    "source": "upload",
    "mimetype": HOSTILE,
}
OCR = {
    "pages": [{"index": 0, "markdown": f"# Page\n\n{HOSTILE}\n", "images": []}],
    "model": HOSTILE,
    "usage_info": {"pages_processed": 1},
}


class _Hostile(BaseHTTPRequestHandler):
    def _send(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/v1/models":
            self._send({"object": "list", "data": [MODEL]})
        elif path.startswith("/v1/models/"):
            self._send(MODEL)
        elif path == "/v1/files":
            self._send({"object": "list", "data": [FILE], "total": 1})
        elif path.startswith("/v1/files/"):
            self._send(FILE)
        else:
            self.send_error(404)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(OCR)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# -- commands on a terminal, in this process ----------------------------------------------------

RunOnTerminal = Callable[..., tuple[int, str, str]]


@pytest.fixture(params=["colour", "no colour"])
def on_terminal(
    request: pytest.FixtureRequest, hostile_server: str, monkeypatch: pytest.MonkeyPatch
) -> RunOnTerminal:
    """`on_terminal(*argv) -> (code, stdout, stderr)`, stdout and stderr being terminals."""
    color = request.param == "colour"
    monkeypatch.setenv("MISTRAL_BASE_URL", hostile_server)
    monkeypatch.setenv("MISTRAL_API_KEY", "test")

    def go(*argv: str) -> tuple[int, str, str]:
        term = Terminal(
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdout_isatty=True,
            stderr_isatty=True,
            color=color,
            stderr_color=color,
            width=400,
        )
        monkeypatch.setattr(Terminal, "from_process", classmethod(lambda cls, no_color=False: term))
        code = run(list(argv))
        return code, term.stdout.getvalue(), term.stderr.getvalue()  # type: ignore[attr-defined]

    return go


@pytest.mark.parametrize(
    "argv",
    [
        ["models", "list"],
        ["models", "show", "mistral-small-latest"],
        ["models", "show", "mistral-small-latest", "--json"],
        ["files", "list"],
        ["files", "show", FILE["id"]],
        ["files", "list", "--json"],
    ],
    ids=" ".join,
)
def test_server_text_is_shown_not_obeyed(on_terminal: RunOnTerminal, argv: list[str]) -> None:
    code, out, err = on_terminal(*argv)
    assert code == 0, err
    assert obeyed(out + err) == []
    if "--json" in argv:  # the same JSON value, its dangerous characters escaped
        assert "\\u009b31m\\u202etxt.exe" in out
        assert json.dumps(HOSTILE)[1:-1] in json.dumps(json.loads(out))  # the value is whole
    else:
        assert "␛]52;c;cm0gLXJmIH4=␇" in out and "<U+202E>txt.exe" in out


def test_ocr_output_is_shown_not_obeyed(on_terminal: RunOnTerminal, tmp_path: Path) -> None:
    from PIL import Image

    scan = tmp_path / "scan.png"
    Image.new("RGB", (8, 8), "white").save(scan)
    code, out, err = on_terminal("ocr", str(scan))
    assert code == 0, err
    assert obeyed(out + err) == [] and SHOWN in out


def _seed_history(home: Path) -> str:
    from mistral_chat.storage.history import HistoryStore
    from mistral_chat.storage.records import Attachment

    with HistoryStore(home / "history.db") as store:
        conv = store.create_conversation(HOSTILE, title=f"title {HOSTILE}", system=HOSTILE)
        store.add_message(
            conv.id,
            "user",
            f"question {HOSTILE}",
            attachments=[Attachment("text", name=f"{HOSTILE}.txt", size=3)],
        )
        store.add_message(
            conv.id,
            "assistant",
            [{"type": "thinking", "thinking": [{"type": "text", "text": HOSTILE}]},
             {"type": "text", "text": f"answer {HOSTILE}\r\nsecond line"}],
            model=HOSTILE,
        )  # fmt: skip
        return conv.id


@pytest.mark.parametrize(
    "argv",
    [["history", "list"], ["history", "show"], ["history", "search", "evil"],
     ["history", "export"], ["history", "export", "--format", "json"], ["history", "show", "--json"]],
    ids=" ".join,
)  # fmt: skip
def test_history_text_is_shown_not_obeyed(
    on_terminal: RunOnTerminal, mistral_home: Path, argv: list[str]
) -> None:
    _seed_history(mistral_home)
    code, out, err = on_terminal(*argv)
    assert code == 0, err
    assert obeyed(out + err) == []
    assert "␛]52" in out or "\\u001b]52" in out  # shown (JSON escapes ESC itself)
    if "json" in " ".join(argv):  # and JSON stays JSON, the same value
        assert json.dumps(HOSTILE)[1:-1] in json.dumps(json.loads(out))


def test_piped_exports_and_answers_stay_byte_for_byte(run_cli: Any, mistral_home: Path) -> None:
    conv_id = _seed_history(mistral_home)
    code, out, err = run_cli("history", "export", conv_id)
    assert code == 0 and f"answer {HOSTILE}\r\nsecond line" in out, err
    # tables are for reading, in a pipe too: shown there as on a terminal (docs/security.md)
    code, out, err = run_cli("history", "list")
    assert code == 0 and obeyed(out) == [] and "title evil␛]52" in out


def test_model_browser_and_file_manager_show_not_obey(
    hostile_server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_chat.api import Client
    from mistral_chat.repl.browser import BrowserState, ModelBrowser
    from mistral_chat.repl.file_manager import FileManager
    from mistral_chat.repl.prompt import ScriptedReader
    from mistral_chat.services.catalog import model_from_card

    for color in (True, False):
        term = Terminal(
            stdout=io.StringIO(),
            stderr=io.StringIO(),
            stdout_isatty=True,
            stderr_isatty=True,
            color=color,
            stderr_color=color,
            width=300,
        )
        with Client("test", base_url=hostile_server) as client:
            info = model_from_card(client.models.retrieve("m"))
            ModelBrowser(term, BrowserState([info]), ScriptedReader(["q"])).run()
            manager = FileManager(term, client, ScriptedReader(["list", "back"]), str)
            manager.run()
        out = term.stdout.getvalue()  # type: ignore[attr-defined]
        assert obeyed(out) == [] and "<U+202E>txt.exe" in out
        assert f"{FILE['id']}" in out and "evil␛]52" in out


def test_a_real_terminal_never_sees_the_sequences(hostile_server: str) -> None:
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mistral_chat", "models", "show", "mistral-small-latest"],
        env=cli_env(
            env={"MISTRAL_BASE_URL": hostile_server, "MISTRAL_API_KEY": "test", "TERM": "xterm"}
        ),
        encoding="utf-8",
        timeout=20,
        dimensions=(40, 200),
    )
    out = child.read()
    child.close()
    assert child.exitstatus == 0, out
    assert obeyed(out) == [] and "<U+202E>txt.exe" in out and "␛]0;pwned␇" in out
