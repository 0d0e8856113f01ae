"""`--help` stays cheap: the parser is built without the heavy libraries; every command helps."""

from __future__ import annotations

import json
import subprocess
import sys

from cli_support import RunCLI
from probe_env import probe_env

HEAVY = ("httpx2", "rich", "PIL", "prompt_toolkit", "msgspec", "sqlite3", "keyring", "mcp", "anyio")

_PROBE = f"""
import json, sys
from mistral_chat.cli import build_parser
build_parser()             # every command's real sub-parser
build_parser(["models"])   # and the lazy path the CLI takes
build_parser(["mcp"])
heavy = {HEAVY!r}
print(json.dumps(sorted(m for m in heavy if m in sys.modules)))
"""


def test_building_the_parser_imports_no_heavy_library() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, check=True, env=probe_env()
    ).stdout
    assert json.loads(out) == []


def test_every_command_has_help(run_cli: RunCLI) -> None:
    commands = [
        [],
        ["chat"],
        ["ask"],
        ["models"],
        ["models", "list"],
        ["models", "show"],
        ["files"],
        ["files", "upload"],
        ["files", "list"],
        ["files", "show"],
        ["files", "download"],
        ["files", "delete"],
        ["files", "url"],
        ["history"],
        ["auth"],
        ["auth", "login"],
        ["auth", "status"],
        ["auth", "logout"],
        ["config"],
        ["config", "path"],
        ["config", "show"],
        ["config", "get"],
        ["config", "set"],
        ["emulator"],
        ["mcp"],
        ["mcp", "list"],
        ["mcp", "tools"],
        ["agents"],
        ["agents", "list"],
        ["agents", "show"],
    ]
    # one process checks them all: `run` returns the code argparse would exit with
    probe = (
        "import contextlib, io, json, sys\n"
        "from mistral_chat.cli import run\n"
        "codes = {}\n"
        f"for argv in {commands!r}:\n"
        "    buf = io.StringIO()\n"
        "    with contextlib.redirect_stdout(buf):\n"
        "        try:\n"
        "            code = run([*argv, '--help'])\n"
        "        except SystemExit as exc:\n"
        "            code = exc.code\n"
        "    codes[' '.join(argv)] = [code, buf.getvalue()[:6]]\n"
        "sys.__stdout__.write(json.dumps(codes))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    codes = json.loads(out)
    assert {k: v[0] for k, v in codes.items()} == {" ".join(c): 0 for c in commands}
    assert all(v[1] == "usage:" for v in codes.values())
    code, out, err = run_cli("--version")
    assert code == 0 and out.startswith("mistral-chat ")
    code, out, err = run_cli("files", "--help")
    assert code == 0 and "upload" in out and err == ""
