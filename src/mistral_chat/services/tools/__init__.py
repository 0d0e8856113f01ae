"""Tools a model can call: MCP servers and Python functions, gathered in a :class:`Toolbox`.

    toolbox.py     Toolbox, ToolResult, ToolDefinition, the ToolSource protocol, API names
    mcp.py         MCP servers (stdio, streamable HTTP, config) through the official SDK
    functions.py   --functions FILE.py: a file's public functions, typed -> JSON Schema
    errors.py      ToolSetupError (exit 2), McpServerError (exit 5)

Nothing here prints or prompts; approval and the tool loop belong to the chat turn.
"""

from __future__ import annotations

from .errors import McpServerError, ToolSetupError
from .functions import FunctionSource, load_functions
from .mcp import (
    McpServer,
    McpServerSpec,
    configured_servers,
    log_dir,
    server_spec,
    servers_in_config,
    start_server,
)
from .toolbox import OfferedTool, Toolbox, ToolDefinition, ToolResult, ToolSource

__all__ = [
    "FunctionSource",
    "McpServer",
    "McpServerError",
    "McpServerSpec",
    "OfferedTool",
    "ToolDefinition",
    "ToolResult",
    "ToolSetupError",
    "ToolSource",
    "Toolbox",
    "configured_servers",
    "load_functions",
    "log_dir",
    "server_spec",
    "servers_in_config",
    "start_server",
]
