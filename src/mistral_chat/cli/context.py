"""`AppContext`: what a command handler gets besides its arguments.

It owns the terminal, the resolved settings, and builds the heavy objects (API client, history
store, model catalog) only when a handler first asks for them, so a command that needs none of
them imports none of them. `--emulator` starts the built-in emulator in a background thread of
this process and points the settings at it.

    >>> ctx = AppContext.create(args, terminal)     # doctest: +SKIP
    >>> ctx.client().models.list()                  # doctest: +SKIP
    >>> ctx.close()                                 # doctest: +SKIP
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..render.console import Terminal
from ..services.settings import Settings, resolve_settings

if TYPE_CHECKING:
    from ..api import Client
    from ..services.catalog import ModelCatalog
    from ..storage.history import HistoryStore

__all__ = ["EMULATOR_KEY", "AppContext", "local_emulator"]

EMULATOR_KEY = "emulator"
#: commands that never call the API, so never look the key up
OFFLINE_COMMANDS = frozenset({"history", "emulator", "completion", "mcp", "usage"})


def local_emulator() -> Any:
    """An emulator (not started) for `--emulator`, keeping its files in the cache directory.

    Each command is its own process with its own emulator; a shared state directory is what
    lets `files upload` in one command be seen by `files list` in the next.
    """
    from ..emulator import Emulator
    from ..services.settings import app_dirs

    state = app_dirs().cache_dir / "emulator"
    state.mkdir(parents=True, exist_ok=True, mode=0o700)  # uploads may be private documents
    return Emulator(state_dir=state)


class AppContext:
    terminal: Terminal
    settings: Settings

    def __init__(self, terminal: Terminal, settings: Settings, emulator: Any = None) -> None:
        self.terminal = terminal
        self.settings = settings
        terminal.theme = settings.theme
        self._emulator = emulator
        self._client: Client | None = None
        self._history: HistoryStore | None = None
        self._catalog: ModelCatalog | None = None

    @classmethod
    def create(cls, args: argparse.Namespace, terminal: Terminal) -> AppContext:
        """Settings from the global options; starts the emulator for `--emulator`."""
        emulator = None
        emulator_pair: tuple[str, str] | None = None
        if getattr(args, "emulator", False):
            emulator = local_emulator()
            emulator.__enter__()
            emulator_pair = (emulator.base_url, EMULATOR_KEY)
        try:
            settings = _settings_for(args, emulator_pair)
        except BaseException:
            if emulator is not None:
                emulator.__exit__(None, None, None)
            raise
        return cls(terminal, settings, emulator)

    def reload_settings(self, args: argparse.Namespace) -> Settings:
        """Resolve the settings again from the same options (after a key was stored)."""
        self.settings = _settings_for(args, None)
        return self.settings

    def client(self) -> Client:
        """The API client, built once; NoAPIKey (exit 3) when there is no key."""
        if self._client is None:
            if not self.settings.api_key:
                from ..services.credentials import NoAPIKey

                raise NoAPIKey()
            self._check_key(self.settings.api_key)
            self._client = self.client_with(self.settings.api_key)
        return self._client

    def _check_key(self, key: str) -> None:
        from ..services.credentials import BAD_KEY_CHARACTERS, InvalidAPIKey, plausible_key

        if plausible_key(key):
            return
        s = self.settings
        origin = {
            "env": f"the {s.api_key_env} environment variable",
            "keyring": "the OS keyring",
            "config": str(s.config_path),
        }.get(s.api_key_source or "", "the settings")
        raise InvalidAPIKey(
            f"the API key from {origin} {BAD_KEY_CHARACTERS}; fix it there or run "
            "`mistral-chat auth login`"
        )

    def client_with(self, api_key: str) -> Client:
        """A new client for another key (e.g. one being checked), same URL, timeout, retries.
        The caller closes it."""
        from ..api import Client

        s = self.settings
        return Client(api_key, base_url=s.base_url, timeout=s.timeout, max_retries=s.max_retries)

    def history(self) -> HistoryStore:
        """The history store at settings.history_path, opened once."""
        if self._history is None:
            from ..storage.history import HistoryStore

            self.settings.history_path.parent.mkdir(parents=True, exist_ok=True)
            self._history = HistoryStore(self.settings.history_path)
        return self._history

    def catalog(self) -> ModelCatalog:
        if self._catalog is None:
            from ..services.catalog import ModelCatalog

            self._catalog = ModelCatalog(
                self.client, self.settings.cache_dir, self.settings.base_url
            )
        return self._catalog

    def confirm(self, action: str, question: Callable[[], str]) -> bool:
        """Ask `question()` [y/N] on the terminal; with no terminal, refuse (exit 2) naming --yes.

        `question` is built only once it can be asked (it may need an API call).
        """
        import sys

        from .exit import UsageError

        if not sys.stdin.isatty():
            raise UsageError(f"not {action} without confirmation; pass --yes")
        self.terminal.err_line(f"{question()} [y/N] ", end="")  # it may name a server's file
        return sys.stdin.readline().strip().lower() in ("y", "yes")

    @property
    def host(self) -> str:
        """The API server's host[:port], for messages (never a user:password in the URL)."""
        from urllib.parse import urlsplit

        netloc = urlsplit(self.settings.base_url).netloc
        return netloc.rpartition("@")[2] or self.settings.base_url

    @property
    def key_origin(self) -> str | None:
        """Where the key in use came from, for a message about a rejected key."""
        s = self.settings
        return {
            "env": f"the {s.api_key_env} environment variable",
            "keyring": "the OS keyring (`mistral-chat auth login` replaces it)",
            "config": "config.toml (`mistral-chat auth login` replaces it)",
            "emulator": "the built-in emulator",
        }.get(s.api_key_source or "")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._history is not None:
            close = getattr(self._history, "close", None)
            if close is not None:
                close()
            self._history = None
        if self._emulator is not None:
            self._emulator.__exit__(None, None, None)
            self._emulator = None


def _settings_for(args: argparse.Namespace, emulator: tuple[str, str] | None) -> Settings:
    """The settings for the global options in `args` (the one place they are mapped)."""
    from ..services.credentials import keyring_get

    return resolve_settings(
        base_url=getattr(args, "base_url", None),
        profile=getattr(args, "profile", None),
        timeout=getattr(args, "timeout", None),
        max_retries=getattr(args, "max_retries", None),
        debug=bool(getattr(args, "debug", False)),
        emulator=emulator,
        strict=not getattr(args, "repairs_config", False),
        # `history search --semantic` embeds: the one history command that calls the API
        with_key=getattr(args, "command", None) not in OFFLINE_COMMANDS
        or bool(getattr(args, "semantic", False)),
        keyring_get=keyring_get,
    )
