"""`mistral-chat mcp list|tools|add|remove` and `agents list|show`."""

from __future__ import annotations

import json
import stat
import sys
import tomllib
from pathlib import Path

from cli_support import RunCLI

TIME_SERVER = str(Path(sys.executable).parent / "mcp-server-time")
FLAKY = Path(__file__).parents[1] / "tools" / "flaky_mcp_server.py"
CONFIG = f"""
[mcp.time]
command = "{TIME_SERVER}"
args = ["--local-timezone", "Europe/Paris"]
env = {{ TZ = "Europe/Paris" }}

[mcp.docs]
url = "https://example.com/mcp"
headers = {{ Authorization = "Bearer sk-very-secret" }}
"""


def configure(home: Path, text: str = CONFIG) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


def test_mcp_list_shows_servers_without_secrets(run_cli: RunCLI, mistral_home: Path) -> None:
    code, out, err = run_cli("mcp", "list")
    assert code == 0 and out == "" and err.startswith("no MCP servers in ")
    configure(mistral_home)
    code, out, err = run_cli("mcp", "list")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["name", "transport", "command", "or", "URL"]
    assert lines[1].split()[:3] == ["time", "stdio", TIME_SERVER] and "(env: TZ)" in lines[1]
    assert "https://example.com/mcp (headers: Authorization)" in lines[2]
    code, out, _ = run_cli("mcp", "list", "--json")
    assert json.loads(out)[1] == {
        "name": "docs",
        "transport": "http",
        "url": "https://example.com/mcp",
        "headers": ["Authorization"],
    }
    assert "sk-very-secret" not in out


def test_mcp_tools_of_a_configured_server(run_cli: RunCLI, mistral_home: Path) -> None:
    configure(mistral_home)
    code, out, err = run_cli("mcp", "tools", "time")
    assert code == 0, err
    assert out.splitlines()[1].split()[:2] == ["get_current_time", "timezone*"]
    assert "convert_time" in out and err == ""
    log = mistral_home / "logs" / "mcp-time.log"
    assert log.exists() and "starting" in log.read_text()


def test_mcp_tools_of_a_command_line_as_json(run_cli: RunCLI) -> None:
    code, out, err = run_cli("mcp", "tools", f"{sys.executable} {FLAKY}", "--json")
    assert code == 0, err
    tools = {t["name"]: t for t in json.loads(out)}
    assert set(tools) == {"echo", "fail", "hang", "flood", "crash"}
    assert tools["echo"]["parameters"]["required"] == ["text"]


def test_mcp_servers_that_cannot_be_used(run_cli: RunCLI, mistral_home: Path) -> None:
    code, _, err = run_cli("mcp", "tools", "no-such-server")
    assert code == 2
    assert err.startswith("error: --mcp no-such-server: no such server in the config")
    code, _, err = run_cli("mcp", "tools", f"{sys.executable} {FLAKY} --die-at-start")
    log = mistral_home / "logs" / "mcp-flaky_mcp_server.log"
    assert code == 5
    assert err == (
        "error: MCP server 'flaky_mcp_server' could not be started: it exited before answering "
        f"(cannot start: no configuration); its log: {log}\n"
    )
    code, _, err = run_cli(
        "mcp", "tools", f"{sys.executable} {FLAKY} --mute", "--start-timeout", "1"
    )
    assert code == 5 and "did not start within 1 s" in err
    configure(mistral_home, "[mcp.bad]\nurl = 'ftp://x'\n")
    code, _, err = run_cli("mcp", "list")
    assert code == 2 and "is not an http:// or https:// URL" in err


def test_agents_list_and_show(run_cli: RunCLI) -> None:
    code, out, err = run_cli("agents", "list")
    assert code == 0, err
    assert out.splitlines()[1].split() == [
        "ag_emulator_researcher",
        "Researcher",
        "mistral-medium-latest",
        "web_search",
    ]
    code, out, _ = run_cli("agents", "list", "--json", "--search", "coder")
    assert [a["id"] for a in json.loads(out)] == ["ag_emulator_coder"]
    code, out, _ = run_cli("agents", "show", "ag_emulator_plain")
    assert code == 0 and "instructions:  Answer in one short paragraph." in out
    code, out, _ = run_cli("agents", "show", "ag_emulator_plain", "--json")
    assert json.loads(out)["model"] == "mistral-small-latest"
    code, _, err = run_cli("agents", "show", "ag_nope")
    assert code == 4 and "Agent ag_nope not found" in err


def test_mcp_add_then_use_then_remove(run_cli: RunCLI, mistral_home: Path) -> None:
    config = mistral_home / "config.toml"
    code, _, err = run_cli("config", "set", "model", "mistral-large-latest")
    assert code == 0, err
    code, out, err = run_cli("mcp", "add", "time", TIME_SERVER, "--local-timezone", "Europe/Paris")
    assert code == 0 and out == "", err
    assert err.startswith(f"added MCP server 'time' (stdio: {TIME_SERVER} --local-timezone ")
    assert "`mistral-chat mcp tools time` lists its tools" in err
    written = tomllib.loads(config.read_text())
    assert written["mcp"]["time"] == {
        "command": TIME_SERVER,
        "args": ["--local-timezone", "Europe/Paris"],
    }
    assert written["model"] == "mistral-large-latest"  # the rest of the file is kept
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    code, out, err = run_cli("mcp", "list", "--json")  # the entry reads back as written
    assert code == 0, err
    assert json.loads(out)[0] == {
        "name": "time",
        "transport": "stdio",
        "command": TIME_SERVER,
        "args": ["--local-timezone", "Europe/Paris"],
        "env": [],
    }

    code, _, err = run_cli(
        "mcp", "add", "--header", "Authorization: Bearer sk-very-secret", "docs",
        "https://example.com/mcp",
    )  # fmt: skip
    assert code == 0 and "(http: https://example.com/mcp)" in err and "sk-very" not in err
    headers = tomllib.loads(config.read_text())["mcp"]["docs"]["headers"]
    assert headers == {"Authorization": "Bearer sk-very-secret"}

    code, _, err = run_cli("mcp", "add", "time", "uvx", "other")
    assert code == 2 and err == (
        f"error: an MCP server named 'time' is already in {config}; pass --force to replace "
        "it, or choose another name\n"
    )
    code, _, err = run_cli("mcp", "add", "--force", "time", "no-such-command-here", "x")
    assert code == 0
    assert "warning: 'no-such-command-here' is not on PATH here; the server will not start" in err

    assert run_cli("mcp", "remove", "time")[0] == 0
    code, _, err = run_cli("mcp", "remove", "time")
    assert code == 2 and err == (
        f"error: no MCP server named 'time' in {config} (servers: docs); nothing changed\n"
    )
    assert list(tomllib.loads(config.read_text())["mcp"]) == ["docs"]


def test_mcp_add_refuses_what_would_not_work(run_cli: RunCLI, mistral_home: Path) -> None:
    cases = [
        (["bad name", "uvx", "x"], "MCP server name 'bad name' must be 1 to 64 letters"),
        (["time"], "mcp add time: give a command line or an http(s) URL after it"),
        (["docs", "ftp://example.com/mcp"], "is not an http:// or https:// URL"),
        (["--env", "TZ=Europe/Paris", "docs", "https://x.example/mcp"], "--env is for a server"),
        (["--header", "A: b", "time", "uvx", "x"], "--header is for a server reached by URL"),
        (["--header", "Bearer sk-secret", "d", "https://x.example/mcp"], "'Name: value'"),
    ]
    for argv, message in cases:
        code, _, err = run_cli("mcp", "add", *argv)
        assert code == 2 and message in err, (argv, err)
        assert len(err.splitlines()) == 1 and "sk-secret" not in err
    assert not (mistral_home / "config.toml").exists()  # nothing was written
    configure(mistral_home, "[mcp]\nbroken = 1\n")
    code, _, err = run_cli("mcp", "add", "time", "uvx", "x")
    assert code == 2 and "config key 'mcp.broken'" in err  # named, not overwritten
    assert (mistral_home / "config.toml").read_text() == "[mcp]\nbroken = 1\n"
