"""The root of every error a user can cause or meet, and the exit code each one means.

Each class carries its exit code (`exit_code`) and a one-line `message`; `cli/exit.py` maps an
exception to its code by `isinstance` on this tree, never by names. Every layer derives its own
errors from these bases (this module imports nothing and sits below `api`)::

    MistralChatError                    exit_code on the class
    ├── UsageError              2       bad input: a flag, a file, an option, an attachment
    ├── AuthError               3       no usable API key (the API's 401/403 are in api.errors)
    ├── APIRejected             4       the API refused the request (api.errors' 4xx classes)
    ├── Unavailable             5       the service cannot be reached or answer (api.errors)
    ├── LocalStorageError       6       the disk said no: full, read-only, locked, damaged
    └── Flagged                 7       moderation flagged the input (`--fail-on-flag`)

`api.errors.MistralError` (the wire client's root) is a `MistralChatError`; its subclasses
set their own code (a 401 is `AuthError`'s 3, a 429 is 5). Ctrl-C is 130, SIGHUP 129 and
SIGTERM 143, as shells report them: `Terminated` (a `KeyboardInterrupt`, so every path that
keeps a partial answer on Ctrl-C keeps it on SIGTERM and SIGHUP too) carries its code.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar

__all__ = [
    "APIRejected",
    "AuthError",
    "ExitCode",
    "Flagged",
    "LocalStorageError",
    "MistralChatError",
    "Terminated",
    "Unavailable",
    "UsageError",
]


class ExitCode(IntEnum):
    """The documented exit codes (README, PRODUCT.md)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    AUTH = 3
    API = 4
    UNAVAILABLE = 5
    LOCAL_STORAGE = 6
    FLAGGED = 7
    HANGUP = 129
    INTERRUPTED = 130
    TERMINATED = 143


class MistralChatError(Exception):
    """Base of every error mistral-chat raises on purpose (a bug is anything else: exit 1)."""

    exit_code: ClassVar[ExitCode] = ExitCode.INTERNAL

    @property
    def message(self) -> str:
        """The one-line message, without the `error: ` prefix (`str(self)` unless set)."""
        told = self.__dict__.get("_message")
        return told if isinstance(told, str) else str(self)

    @message.setter
    def message(self, value: str) -> None:
        self.__dict__["_message"] = value


class UsageError(MistralChatError):
    """The user asked for something that cannot be done as asked (exit 2)."""

    exit_code = ExitCode.USAGE


class AuthError(MistralChatError):
    """No usable API key, or the key was refused (exit 3)."""

    exit_code = ExitCode.AUTH


class APIRejected(MistralChatError):
    """The API refused the request as sent (exit 4)."""

    exit_code = ExitCode.API


class Unavailable(MistralChatError):
    """The service could not be reached or did not answer usefully (exit 5)."""

    exit_code = ExitCode.UNAVAILABLE


class LocalStorageError(MistralChatError):
    """A local file or database could not be written or read: disk full, read-only, locked
    or damaged (exit 6). The message says what happened and what to do."""

    exit_code = ExitCode.LOCAL_STORAGE


class Flagged(MistralChatError):
    """Moderation flagged the input and the user asked to fail on it (exit 7)."""

    exit_code = ExitCode.FLAGGED


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where Ctrl-C would be (`__main__` installs the handlers).

    A `KeyboardInterrupt`, so whatever keeps a partial answer on Ctrl-C keeps it here too;
    the process then exits with `exit_code`, 128 + the signal (143, 129), not Ctrl-C's 130.
    """

    def __init__(self, signum: int, name: str) -> None:
        super().__init__(name)
        self.signal = signum
        self.name = name
        self.exit_code = 128 + signum
