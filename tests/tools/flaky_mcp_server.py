"""An MCP server for the failure cases: tools that raise, hang, flood or crash the server.

Run as ``python flaky_mcp_server.py [stdio|http PORT] [--die-at-start]``. Used only by the
tests; the success path is tested with ``mcp-server-time`` from PyPI, written by others.
"""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer

server = MCPServer("flaky")


@server.tool()
def echo(text: str) -> str:
    """Say the text back."""
    return text


@server.tool()
def fail(reason: str = "it broke") -> str:
    """Raise an error."""
    raise RuntimeError(reason)


@server.tool()
def hang(seconds: float = 3600) -> str:
    """Never answer (or not for a long time)."""
    time.sleep(seconds)
    return "woke up"


@server.tool()
def flood(megabytes: int = 10) -> str:
    """Answer with megabytes of text."""
    return "x" * (megabytes * 1024 * 1024)


@server.tool()
def crash() -> str:
    """Kill the server mid-call."""
    print("crashing on purpose", file=sys.stderr, flush=True)
    os._exit(3)


if __name__ == "__main__":
    if "--die-at-start" in sys.argv:
        print("cannot start: no configuration", file=sys.stderr, flush=True)
        sys.exit(2)
    if "--mute" in sys.argv:  # starts, then never speaks MCP
        time.sleep(3600)
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
