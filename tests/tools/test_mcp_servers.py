"""MCP servers through the Toolbox: ``mcp-server-time`` from PyPI (written by others) for the
path that works; a server of our own (``flaky_mcp_server.py``) for the ways one goes wrong."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.services.tools import (
    McpServer,
    McpServerError,
    McpServerSpec,
    Toolbox,
    ToolSetupError,
    server_spec,
    start_server,
)

BIN = Path(sys.executable).parent
TIME_SERVER = f"{BIN / 'mcp-server-time'} --local-timezone Europe/Paris"
FLAKY = Path(__file__).with_name("flaky_mcp_server.py")


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mcp-logs")


@pytest.fixture(scope="module")
def time_server(log_dir: Path) -> Iterator[McpServer]:
    server = start_server(server_spec(TIME_SERVER), log_dir=log_dir)
    yield server
    server.close()


@pytest.fixture(scope="module")
def flaky(log_dir: Path) -> Iterator[McpServer]:
    server = start_server(server_spec(f"{sys.executable} {FLAKY}"), log_dir=log_dir)
    yield server
    server.close()


def test_a_real_server_from_pypi_is_listed_and_called(time_server: McpServer) -> None:
    assert time_server.name == "mcp-server-time"
    toolbox = Toolbox([time_server])
    assert toolbox.names() == ["get_current_time", "convert_time"]
    spec = toolbox.specs()[0]["function"]
    assert spec["parameters"]["required"] == ["timezone"]
    assert spec["description"] == "Get current time in a specific timezone"
    result = toolbox.call("get_current_time", '{"timezone": "Asia/Tokyo"}', 30)
    assert not result.is_error
    answer = json.loads(result.text)
    assert answer["timezone"] == "Asia/Tokyo" and answer["datetime"].endswith("+09:00")
    converted = toolbox.call(
        "convert_time",
        '{"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}',
        30,
    )
    assert json.loads(converted.text)["target"]["datetime"].endswith("T21:00:00+09:00")


def test_the_servers_own_errors_are_results(time_server: McpServer) -> None:
    toolbox = Toolbox([time_server])
    bad = toolbox.call("get_current_time", '{"timezone": "Nowhere/Atlantis"}', 30)
    assert bad.is_error and "Invalid timezone" in bad.text
    # a tool the server does not have (as if the model named one it was never offered)
    missing = time_server.call("no_such_tool", {}, 30)
    assert missing.is_error and "no_such_tool" in missing.text


def test_its_stderr_goes_to_a_log(time_server: McpServer, log_dir: Path) -> None:
    assert time_server.log_path == log_dir / "mcp-mcp-server-time.log"
    log = time_server.log_path.read_text()
    assert log.startswith("--- ") and "starting " in log
    assert time_server.log_path.stat().st_mode & 0o777 == 0o600


def test_a_tool_that_raises(flaky: McpServer) -> None:
    result = Toolbox([flaky]).call("fail", '{"reason": "disk full"}', 30)
    assert result.is_error and "fail" in result.text


def test_a_tool_that_hangs_past_its_timeout(flaky: McpServer) -> None:
    toolbox = Toolbox([flaky])
    result = toolbox.call("hang", "{}", 0.5)
    assert result.is_error and result.text == "error: hang did not answer within 0.5 s"
    # the server still answers afterwards
    assert toolbox.call("echo", '{"text": "still here"}', 30).text == "still here"


def test_ten_megabytes_are_cut(flaky: McpServer) -> None:
    result = Toolbox([flaky]).call("flood", '{"megabytes": 10}', 60)
    assert result.truncated and "the tool returned 10,485,760 characters" in result.text


def test_names_clash_across_servers(
    time_server: McpServer, flaky: McpServer, tmp_path: Path
) -> None:
    other = tmp_path / "clock.py"
    other.write_text("def get_current_time() -> str:\n    return 'noon'\n")
    from mistral_chat.services.tools import load_functions

    toolbox = Toolbox([time_server, load_functions(other), flaky])
    names = toolbox.names()
    assert names[:3] == [
        "mcp-server-time__get_current_time",
        "convert_time",
        "clock__get_current_time",
    ]
    assert toolbox.call("clock__get_current_time", "{}", 5).text == "noon"


def test_a_server_that_crashes_mid_call(log_dir: Path) -> None:
    server = start_server(
        McpServerSpec("crashy", command=sys.executable, args=(str(FLAKY),)), log_dir=log_dir
    )
    toolbox = Toolbox([server])
    with pytest.raises(McpServerError) as caught:
        toolbox.call("crash", "{}", 30)
    message = caught.value.message
    assert (
        message
        == f"MCP server 'crashy' stopped while running crash; its log: {log_dir / 'mcp-crashy.log'}"
    )
    assert caught.value.exit_code == 5 and caught.value.server == "crashy"
    assert "crashing on purpose" in (log_dir / "mcp-crashy.log").read_text()
    with pytest.raises(McpServerError, match="stopped while running crash"):
        toolbox.call("echo", '{"text": "x"}', 30)
    toolbox.close()


def test_a_server_that_fails_to_start(log_dir: Path) -> None:
    spec = McpServerSpec("broken", command=sys.executable, args=(str(FLAKY), "--die-at-start"))
    with pytest.raises(McpServerError) as caught:
        start_server(spec, log_dir=log_dir)
    assert caught.value.message == (
        "MCP server 'broken' could not be started: it exited before answering "
        f"(cannot start: no configuration); its log: {log_dir / 'mcp-broken.log'}"
    )


def test_a_server_that_never_answers_times_out(log_dir: Path) -> None:
    spec = McpServerSpec("mute", command=sys.executable, args=(str(FLAKY), "--mute"))
    with pytest.raises(McpServerError) as caught:
        start_server(spec, log_dir=log_dir, start_timeout=1)
    assert caught.value.message.startswith("MCP server 'mute' did not start within 1 s; its log:")


def test_a_command_that_does_not_exist(log_dir: Path) -> None:
    with pytest.raises(ToolSetupError, match="command 'no-such-mcp-server' not found on PATH"):
        start_server(server_spec("no-such-mcp-server --flag"), log_dir=log_dir)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def http_server_url() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(FLAKY), "http", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ},
    )
    try:
        while proc.poll() is None:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_server_over_streamable_http(http_server_url: str, log_dir: Path) -> None:
    spec = server_spec(http_server_url)
    assert spec.transport == "http" and spec.name == "127"
    named = McpServerSpec("remote", url=http_server_url, headers={"Authorization": "Bearer secret"})
    with Toolbox([start_server(named, log_dir=log_dir)]) as toolbox:
        assert "echo" in toolbox.names()
        assert toolbox.call("echo", '{"text": "over http"}', 30).text == "over http"
    assert "secret" not in repr(named) and named.describe() == http_server_url


def test_an_http_server_that_is_not_there(log_dir: Path) -> None:
    spec = McpServerSpec("gone", url=f"http://127.0.0.1:{free_port()}/mcp")
    with pytest.raises(McpServerError) as caught:
        start_server(spec, log_dir=log_dir, start_timeout=10)
    assert caught.value.message.startswith("MCP server 'gone' could not be started: ")
    assert "its log" not in caught.value.message  # a remote server has none


def test_closing_stops_the_server(log_dir: Path) -> None:
    server = start_server(
        McpServerSpec("brief", command=sys.executable, args=(str(FLAKY),)), log_dir=log_dir
    )
    server.close()
    server.close()  # twice is fine
    with pytest.raises(McpServerError, match="was not started"):
        server.call("echo", {"text": "x"}, 5)
