"""The CLI against misbehaving servers, as real processes: the exit code, one `error:` line
and what is kept are the point (issue 10, items 1, 4, 6, 7 and 11)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from cli_support import RunCLI
from hostile_server import (
    Conn,
    HostileServer,
    chunk,
    completion,
    completion_chunk,
    gzip_bomb,
    head,
    json_answer,
    sse,
)

SSE_HEAD = head(200, {"Content-Type": "text/event-stream"}, chunked=True)


def on(server: HostileServer) -> dict[str, str | None]:
    return {"MISTRAL_BASE_URL": server.url}


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


def history(run_cli: RunCLI) -> dict[str, Any]:
    _, listing, _ = run_cli("history", "list", "--json")
    conv_id = json.loads(listing)[0]["id"]
    _, shown, _ = run_cli("history", "show", conv_id, "--json")
    return json.loads(shown)  # type: ignore[no-any-return]


def test_ask_keeps_a_finished_answer_when_the_server_holds_on(run_cli: RunCLI) -> None:
    events = sse(completion_chunk("Hello"), completion_chunk(" world", "stop"), b"[DONE]")

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(SSE_HEAD + chunk(events))
        conn.hold()

    with HostileServer(script) as server:
        code, out, err = run_cli("ask", "hi", input="", env=on(server))
    assert (code, out.strip(), err) == (0, "Hello world", "")
    answer = history(run_cli)["messages"][-1]
    assert answer["status"] != "interrupted"
    assert answer["content"][0]["text"] == "Hello world"


def test_ask_cannot_be_kept_alive_by_a_dripping_stream(run_cli: RunCLI) -> None:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(SSE_HEAD + chunk(sse(completion_chunk("Hello"))))
        conn.drip(chunk(b": " + b"." * 100_000), every=0.05)

    with HostileServer(script) as server:
        code, out, err = run_cli(
            "--timeout", "1", "--max-retries", "0", "ask", "hi", input="", env=on(server)
        )
    assert code == 5 and out.strip() == "Hello"
    assert "no event for 1 s" in one_error_line(err)
    assert history(run_cli)["messages"][-1]["status"] == "interrupted"


def test_ask_no_stream_cannot_be_kept_alive_by_a_dripping_answer(run_cli: RunCLI) -> None:
    body = json.dumps(completion("x" * 1000)).encode()

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"Content-Type": "application/json"}, length=len(body)))
        conn.drip(body, every=0.05)

    with HostileServer(script) as server:
        code, _, err = run_cli(
            "--timeout", "1", "--max-retries", "0", "ask", "--no-stream", "hi", input="",
            env=on(server),
        )  # fmt: skip
    assert code == 5 and "timed out" in one_error_line(err)


def test_an_infinite_retry_after_is_one_line(run_cli: RunCLI) -> None:
    data = json_answer({"message": "slow down"}, 429, {"Retry-After": "1e400"})

    def script(conn: Conn) -> None:
        while True:
            conn.read_request()
            conn.send(data)

    with HostileServer(script) as server:
        code, _, err = run_cli("ask", "hi", input="", env=on(server))
    assert code == 5 and "rate-limited" in one_error_line(err)


def test_a_gzip_bomb_for_a_model_list_is_one_line(run_cli: RunCLI) -> None:
    bomb = gzip_bomb(64 << 20)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}

    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, headers, length=len(bomb)) + bomb)

    with HostileServer(script) as server:
        code, out, err = run_cli("models", "list", env=on(server))
    assert code == 5 and out == ""
    assert "larger than 16 MiB" in one_error_line(err)


def test_debug_never_shows_a_password_from_the_base_url(run_cli: RunCLI) -> None:
    with HostileServer(lambda conn: None) as server:
        url = server.url.replace("http://", "http://someone:hunter22@")
        code, out, err = run_cli("--debug", "--base-url", url, "ask", "hi", input="")
        assert server.requests == []
    assert code == 2 and "hunter22" not in out + err
    assert "user name or password" in err


def test_a_redirect_of_the_prompt_to_another_server_is_refused(run_cli: RunCLI) -> None:
    with HostileServer(lambda conn: conn.read_request()) as elsewhere:
        moved = head(308, {"Location": f"{elsewhere.url}/steal"}, length=0)

        def script(conn: Conn) -> None:
            conn.read_request()
            conn.send(moved)

        with HostileServer(script) as server:
            code, _, err = run_cli("ask", "my secret prompt", input="", env=on(server))
        assert elsewhere.requests == []
    assert code == 5 and "redirected (308) to another server" in one_error_line(err)


def test_the_process_writes_no_core_dump() -> None:
    code = (
        "import resource\nfrom mistral_chat.__main__ import main\n"
        "main(['--version'])\n"
        "print(resource.getrlimit(resource.RLIMIT_CORE))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip().endswith("(0, 0)"), done.stdout + done.stderr


def test_a_408_ends_as_unavailable(run_cli: RunCLI) -> None:
    data = json_answer({"message": "request timeout"}, 408)

    def script(conn: Conn) -> None:
        while True:
            conn.read_request()
            conn.send(data)

    with HostileServer(script) as server:
        code, _, err = run_cli("--max-retries", "0", "ask", "hi", input="", env=on(server))
    assert code == 5 and "(408)" in one_error_line(err)
