"""MCP servers as tool sources, through the official ``mcp`` SDK (imported only when a server
is started, so ``--help`` and every command without ``--mcp`` never load it).

A server is named on the command line in one of three ways (:func:`server_spec`):

- ``'COMMAND ARGS...'``: a local server over stdio, split as a shell would (``shlex``), started
  for the command and stopped after it;
- ``https://host/mcp`` (or ``http://``): a remote server over streamable HTTP;
- ``NAME``: a server of the config file (:func:`configured_servers`)::

      [mcp.time]
      command = "uvx"
      args = ["mcp-server-time", "--local-timezone", "Europe/Paris"]
      env = { TZ = "Europe/Paris" }          # added to a small safe environment

      [mcp.docs]
      url = "https://example.com/mcp"
      headers = { Authorization = "Bearer ..." }

A local server's stderr goes to ``<log_dir>/mcp-<name>.log`` (mode 0600), never to the screen.
The SDK is async; :class:`McpServer` drives it from sync code with anyio's blocking portal
(an event loop in a background thread, one per server) and stops the server, the loop and its
thread in :meth:`McpServer.close` (also at interpreter exit, if a caller forgot).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import re
import shlex
import shutil
import time
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import CancelledError
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from .errors import McpServerError, ToolSetupError
from .toolbox import ToolDefinition, ToolResult, api_name

__all__ = [
    "DEFAULT_START_TIMEOUT",
    "McpServer",
    "McpServerSpec",
    "configured_servers",
    "log_dir",
    "server_spec",
    "servers_in_config",
    "start_server",
]

DEFAULT_START_TIMEOUT = 30.0
# launchers whose first real argument names the server better than they do
_LAUNCHERS = frozenset(
    {"python", "python3", "uv", "uvx", "npx", "node", "bunx", "deno", "pipx", "docker", "run"}
)
_CONNECTION_CLOSED = -32000  # the SDK's code for a connection that ended under a request


@dataclass(frozen=True)
class McpServerSpec:
    """How to reach one MCP server: a command (stdio) or a URL (streamable HTTP)."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict, repr=False)
    url: str | None = None
    # headers may carry tokens: never in repr, logs or messages (only their names)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)

    def describe(self) -> str:
        """The command line or URL, without header or environment values."""
        if self.url is not None:
            return self.url
        return shlex.join([self.command or "", *self.args])

    @property
    def transport(self) -> str:
        return "http" if self.url is not None else "stdio"


def _name_from_command(words: list[str]) -> str:
    """A short name: the first word that is not a launcher or an option (`uvx mcp-server-time`
    is `mcp-server-time`, `python -m pkg.server` is `pkg_server`, `python -c ...` is `python`)."""
    for i, word in enumerate(words):
        stem = Path(word).name
        if stem == "-c":
            break  # inline code names nothing
        if stem.startswith("-") or stem in _LAUNCHERS or re.fullmatch(r"python[\d.]*", stem):
            continue
        if i > 0 and words[i - 1] == "-m":
            return api_name(word, 20)
        return api_name(Path(stem).stem if stem.endswith(".py") else stem, 20)
    return api_name(Path(words[0]).name, 20)


def _http_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ToolSetupError(f"MCP server URL {text!r} is not an http:// or https:// URL")
    return text


def server_spec(text: str, configured: Mapping[str, McpServerSpec] | None = None) -> McpServerSpec:
    """What ``--mcp TEXT`` names: a configured server, a URL, or a command line."""
    text = text.strip()
    if not text:
        raise ToolSetupError("--mcp needs a command, an http(s) URL or a server name from config")
    if configured and text in configured:
        return configured[text]
    if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.IGNORECASE):
        url = _http_url(text)
        host = urlsplit(url).hostname or "server"
        return McpServerSpec(name=api_name(host.split(".")[0], 20), url=url)
    try:
        words = shlex.split(text)
    except ValueError as exc:
        raise ToolSetupError(f"--mcp {text!r} cannot be split into words ({exc})") from None
    if len(words) == 1 and re.fullmatch(r"[A-Za-z0-9_-]+", text) and shutil.which(text) is None:
        names = ", ".join(sorted(configured or {})) or "none are configured"
        raise ToolSetupError(
            f"--mcp {text}: no such server in the config (servers: {names}) and no command "
            f"{text!r} on PATH; add one with `mistral-chat mcp add {text} COMMAND...`, or give "
            "a command line"
        )
    return McpServerSpec(name=_name_from_command(words), command=words[0], args=tuple(words[1:]))


def _strings(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ToolSetupError(f"{where} must be a table of strings")
    return dict(value)


def configured_servers(
    config: Mapping[str, Any], path: Path | None = None
) -> dict[str, McpServerSpec]:
    """The ``[mcp.NAME]`` tables of the config file; ToolSetupError names a bad one."""
    table = config.get("mcp", {})
    where = f" in {path}" if path else ""
    if not isinstance(table, dict):
        raise ToolSetupError(f"config key 'mcp'{where} must be a table of servers ([mcp.NAME])")
    servers = {}
    for name, entry in table.items():
        key = f"mcp.{name}"
        if not isinstance(entry, dict):
            raise ToolSetupError(f"config key {key!r}{where} must be a table")
        unknown = sorted(set(entry) - {"command", "args", "env", "url", "headers"})
        if unknown:
            raise ToolSetupError(
                f"config key {key}.{unknown[0]}{where} is unknown; "
                "a server has command, args, env (stdio) or url, headers (HTTP)"
            )
        if ("command" in entry) == ("url" in entry):
            raise ToolSetupError(f"config key {key!r}{where} needs a command or a url (one)")
        if "url" in entry:
            if not isinstance(entry["url"], str):
                raise ToolSetupError(f"config key {key}.url{where} must be a string")
            headers = _strings(entry.get("headers", {}), f"config key {key}.headers{where}")
            servers[name] = McpServerSpec(name, url=_http_url(entry["url"]), headers=headers)
            continue
        command, args = entry["command"], entry.get("args")
        if not isinstance(command, str) or not command.strip():
            raise ToolSetupError(f"config key {key}.command{where} must be a non-empty string")
        if args is None:
            words = shlex.split(command)  # command = "uvx mcp-server-time" reads naturally
            command, args = words[0], words[1:]
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            raise ToolSetupError(f"config key {key}.args{where} must be a list of strings")
        env = _strings(entry.get("env", {}), f"config key {key}.env{where}")
        servers[name] = McpServerSpec(name, command=command, args=tuple(args), env=env)
    return servers


def servers_in_config(config_path: Path) -> dict[str, McpServerSpec]:
    """The servers of the config file (``[mcp.NAME]``), checked."""
    from ..settings import config_table

    return configured_servers({"mcp": config_table(config_path, "mcp")}, config_path)


def log_dir(data_dir: Path) -> Path:
    """Where local servers' stderr goes: ``logs/`` beside the history in the data directory."""
    return data_dir / "logs"


def _text_of(result: Any) -> str:
    """An MCP tool result as text: text blocks as they are, other blocks named."""
    parts: list[str] = []
    for block in result.content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            size = len(block.data) * 3 // 4
            parts.append(f"[{kind}: {block.mime_type}, about {size:,} bytes]")
        elif kind == "resource":
            resource = block.resource
            text = getattr(resource, "text", None)
            parts.append(text if text is not None else f"[resource: {resource.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource link: {block.uri}]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


class McpServer:
    """One MCP server as a tool source. :meth:`start` it (or use :func:`start_server`)."""

    def __init__(
        self,
        spec: McpServerSpec,
        *,
        log_dir: Path,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        self.spec = spec
        self.log_path = log_dir / f"mcp-{spec.name}.log"
        self.start_timeout = start_timeout
        self._stack = contextlib.ExitStack()
        self._portal: Any = None
        self._session: Any = None
        self._definitions: list[ToolDefinition] = []
        self._stopped: str | None = None  # why, once the server stopped working

    @property
    def name(self) -> str:
        return self.spec.name

    def _where(self) -> str:
        return f"; its log: {self.log_path}" if self.spec.transport == "stdio" else ""

    def _error(self, what: str) -> McpServerError:
        return McpServerError(self.name, f"MCP server {self.name!r} {what}{self._where()}")

    def start(self) -> McpServer:
        """Start the server (or connect to it) and list its tools; McpServerError if it fails."""
        from anyio.from_thread import start_blocking_portal

        if self.spec.command is not None and shutil.which(self.spec.command) is None:
            raise ToolSetupError(
                f"MCP server {self.name!r}: command {self.spec.command!r} not found on PATH"
            )
        atexit.register(self.close)
        try:
            self._portal = self._stack.enter_context(start_blocking_portal(name=f"mcp-{self.name}"))
            errlog = self._stack.enter_context(self._open_log())
            connect = self._portal.wrap_async_context_manager(self._connect(errlog))
            self._session = self._stack.enter_context(connect)
            self._definitions = self._portal.call(self._list_tools)
        except McpServerError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - the SDK and its transports raise many kinds; each becomes one error naming the server
            self.close()
            if isinstance(_innermost(exc), TimeoutError):
                raise self._error(f"did not start within {self.start_timeout:g} s") from None
            raise self._error(f"could not be started: {_reason(exc, self.log_path)}") from None
        except BaseException:  # Ctrl-C while starting: stop what was started, then go on
            self.close()
            raise
        return self

    def _open_log(self) -> TextIO:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        log = os.fdopen(fd, "a", encoding="utf-8", errors="replace")
        log.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} starting {self.spec.describe()}\n")
        log.flush()
        return log

    @contextlib.asynccontextmanager
    async def _connect(self, errlog: TextIO) -> AsyncIterator[Any]:
        import anyio
        from mcp import ClientSession

        async with self._transport(errlog) as (read, write), ClientSession(read, write) as session:
            with anyio.fail_after(self.start_timeout):
                await session.initialize()
            yield session

    @contextlib.asynccontextmanager
    async def _transport(self, errlog: TextIO) -> AsyncIterator[Any]:
        if self.spec.url is not None:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            # the transport leaves a client it was given open: this one is closed here
            client = create_mcp_http_client(headers=dict(self.spec.headers) or None)
            async with client, streamable_http_client(self.spec.url, http_client=client) as streams:
                yield streams
            return
        from mcp import StdioServerParameters
        from mcp.client.stdio import stdio_client

        params = StdioServerParameters(
            command=self.spec.command or "", args=list(self.spec.args), env=dict(self.spec.env)
        )
        async with stdio_client(params, errlog=errlog) as streams:
            yield streams

    async def _list_tools(self) -> list[ToolDefinition]:
        import anyio

        definitions: list[ToolDefinition] = []
        cursor = None
        with anyio.fail_after(self.start_timeout):
            while True:
                params = None
                if cursor is not None:
                    from mcp.types import PaginatedRequestParams

                    params = PaginatedRequestParams(cursor=cursor)
                listing = await self._session.list_tools(params=params)
                for tool in listing.tools:
                    schema = tool.input_schema or {"type": "object", "properties": {}}
                    description = tool.description or tool.title or ""
                    definitions.append(ToolDefinition(tool.name, description, dict(schema)))
                cursor = listing.next_cursor
                if cursor is None:
                    return definitions

    def tools(self) -> list[ToolDefinition]:
        return list(self._definitions)

    def call(self, name: str, arguments: dict[str, Any], timeout: float) -> ToolResult:
        """Run a tool; a server that stopped raises McpServerError (it cannot recover)."""
        from mcp.shared.exceptions import MCPError

        if self._stopped is not None:
            raise self._error(self._stopped)
        if self._portal is None:
            raise self._error("was not started")
        future = self._portal.start_task_soon(self._call, name, arguments, timeout)
        try:
            result = future.result()
        except KeyboardInterrupt:
            future.cancel()  # Ctrl-C stops the call, as it stops an answer
            raise
        except TimeoutError:
            return ToolResult(f"error: {name} did not answer within {timeout:g} s", is_error=True)
        except CancelledError:
            return ToolResult(f"error: {name} was stopped", is_error=True)
        except MCPError as exc:
            if exc.code == _CONNECTION_CLOSED:
                self._stopped = f"stopped while running {name}"
                raise self._error(self._stopped) from None
            return ToolResult(f"error: {exc.message}", is_error=True)
        text = _text_of(result)
        return ToolResult(text, is_error=bool(result.is_error))

    async def _call(self, name: str, arguments: dict[str, Any], timeout: float) -> Any:
        import anyio

        with anyio.fail_after(timeout):
            return await self._session.call_tool(name, arguments)

    def close(self) -> None:
        """Stop the server and its event loop; safe to call twice."""
        atexit.unregister(self.close)
        stack, self._stack = self._stack, contextlib.ExitStack()
        self._portal = self._session = None
        # a dead server's teardown errors must not hide the command's outcome
        with contextlib.suppress(Exception):
            stack.close()


def _innermost(exc: BaseException) -> BaseException:
    """The first error inside task groups' exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _reason(exc: BaseException, log_path: Path) -> str:
    """One line on why a start failed: the innermost error, else the log's last line."""
    exc = _innermost(exc)
    text = str(exc) or type(exc).__name__
    if text == "Connection closed":
        text = "it exited before answering"
        with contextlib.suppress(OSError):
            text_lines = log_path.read_text(errors="replace").splitlines()
            lines = [line for line in text_lines if line.strip()]
            if lines and not lines[-1].startswith("--- "):
                text += f" ({lines[-1].strip()[:200]})"
    return text


def start_server(
    spec: McpServerSpec, *, log_dir: Path, start_timeout: float = DEFAULT_START_TIMEOUT
) -> McpServer:
    """A started :class:`McpServer`: its tools listed, ready to call."""
    return McpServer(spec, log_dir=log_dir, start_timeout=start_timeout).start()
