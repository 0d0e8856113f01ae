"""The errors of tool sources, on the project's tree (``mistral_chat.errors``)::

    UsageError (2)
    ├── ToolSetupError          a --mcp value, an mcp.NAME config table or a --functions file
    │                           that cannot be used as written
    Unavailable (5)
    └── McpServerError          an MCP server that fails to start, times out starting, or
                                stops (crashes) while in use; the message names the server
                                and, for a local one, the log that holds its stderr

A tool that fails (raises, hangs past its timeout, answers too much) is not an error of this
kind: :meth:`Toolbox.call` returns it as a :class:`ToolResult` with ``is_error``, for the model
to read.
"""

from __future__ import annotations

from mistral_chat.errors import Unavailable, UsageError

__all__ = ["McpServerError", "ToolSetupError"]


class ToolSetupError(UsageError):
    """Tools asked for in a way that cannot work: the message says which and how to fix it."""


class McpServerError(Unavailable):
    """An MCP server could not be started or stopped working; ``server`` is its name."""

    def __init__(self, server: str, message: str) -> None:
        super().__init__(message)
        self.server = server
