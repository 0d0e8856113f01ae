"""Exit codes, and the ONE place an exception becomes an exit code and a message.

| code | meaning |
|---|---|
| 0 OK | success |
| 1 INTERNAL | a bug (`--debug` shows the traceback) |
| 2 USAGE | usage or bad local input |
| 3 AUTH | no API key, or the key was rejected (401/403) |
| 4 API | the API rejected the request (400, 404, 422 ...) |
| 5 UNAVAILABLE | service unavailable after retries (network, timeout, 429, 5xx) |
| 130 INTERRUPTED | Ctrl-C |

`exit_for` looks exception classes up in `sys.modules` instead of importing them: an exception
of a module that was never imported cannot be raised, and `--help` stays free of httpx2.
"""

from __future__ import annotations

import sys
from typing import Any

from ..errors import ExitCode, UsageError

__all__ = ["ExitCode", "UsageError", "exit_for", "one_line"]


def _cls(module: str, name: str) -> type[BaseException] | None:
    mod = sys.modules.get(module)
    value = getattr(mod, name, None) if mod is not None else None
    return value if isinstance(value, type) and issubclass(value, BaseException) else None


def _is(exc: BaseException, module: str, *names: str) -> bool:
    classes = tuple(c for c in (_cls(module, n) for n in names) if c is not None)
    return bool(classes) and isinstance(exc, classes)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _attempts(exc: BaseException) -> int:
    n = getattr(exc, "attempts", 1)
    return n if isinstance(n, int) and n > 0 else 1


def _api_error(
    exc: BaseException, host: str | None, key_origin: str | None = None
) -> tuple[int, str] | None:
    mod = "mistral_chat.api.errors"
    if _cls(mod, "MistralError") is None or not _is(exc, mod, "MistralError"):
        return None
    where = host or "the API"
    attempts = _attempts(exc)
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    msg: Any = str(getattr(exc, "message", None) or exc).rstrip(".")
    if _is(exc, mod, "AuthenticationError"):
        if key_origin:
            return ExitCode.AUTH, (
                f"the API rejected the key (401): {msg}; it came from {key_origin}: "
                "fix it there or run `mistral-chat auth login`"
            )
        return ExitCode.AUTH, (
            f"the API rejected the key (401): {msg}; run `mistral-chat auth login` "
            "or check MISTRAL_API_KEY"
        )
    if _is(exc, mod, "PermissionDeniedError"):
        return ExitCode.AUTH, (
            f"the API refused this key access (403): {msg}; check the key's workspace and "
            "permissions, or run `mistral-chat auth login` with another key"
        )
    if _is(exc, mod, "RateLimitError"):
        wait = getattr(exc, "retry_after", None)
        when = f"try again in {max(1, round(wait))} s" if wait else "try again in a minute"
        return ExitCode.UNAVAILABLE, (
            f"the API rate-limited this key (429) {_times(attempts)}; {when}"
        )
    if _is(exc, mod, "ServerError"):
        code = getattr(exc, "status_code", "5xx")
        return ExitCode.UNAVAILABLE, (
            f"{where} failed ({code}: {msg}); retries exhausted after {tries}; "
            "try again later or raise --max-retries"
        )
    if _is(exc, mod, "APITimeoutError"):
        return ExitCode.UNAVAILABLE, (
            f"timed out talking to {where}; retries exhausted after {tries}; "
            "check the network or raise --timeout"
        )
    if _is(exc, mod, "APIConnectionError"):
        reason = str(exc)
        if reason.startswith("could not reach ") and ": " in reason:
            reason = reason.split(": ", 1)[1]
        return ExitCode.UNAVAILABLE, (
            f"could not reach {where} ({reason}); retries exhausted after {tries}; "
            "check the network, proxy settings or --base-url"
        )
    if _is(exc, mod, "InvalidResponseError"):
        return ExitCode.UNAVAILABLE, (
            f"{where} does not answer like the Mistral API: {exc}; check --base-url (the "
            "server's root, e.g. https://api.mistral.ai) and any proxy in between"
        )
    if _is(exc, mod, "StreamInterrupted"):
        kept = (
            "the partial answer was kept"
            if getattr(exc, "partial_text", "")
            else ("nothing of the answer had arrived")
        )
        return ExitCode.UNAVAILABLE, f"the answer from {where} broke off ({exc}); {kept}; try again"
    if _is(exc, mod, "APIStatusError"):
        code = getattr(exc, "status_code", "?")
        if _too_long(exc, msg):
            return ExitCode.API, (
                f"the prompt is too long for this model ({code}): {msg}; shorten it, start a new "
                "conversation, or pick a larger context (`mistral-chat models list --sort "
                "context_length`)"
            )
        # the commonest 4xx is a mistyped model: say where the right names are
        hint = "; `mistral-chat models list` shows the models" if "model" in msg.lower() else ""
        if code == 404:
            return ExitCode.API, f"not found (404): {msg}{hint or '; check the name or id'}"
        return ExitCode.API, f"the API rejected the request ({code}): {msg}{hint}"
    return ExitCode.UNAVAILABLE, f"{exc}"


def _too_long(exc: BaseException, msg: str) -> bool:
    """The API's context-length refusal: code 3051, or its message when the code is absent."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and str(body.get("code")) == "3051":
        return True
    return "maximum context length" in msg.lower()


def exit_for(
    exc: BaseException, *, host: str | None = None, key_origin: str | None = None
) -> tuple[int, str]:
    """(exit code, one-line message without the `error: ` prefix) for any exception.

    `host` names the server in messages about connection failures; `key_origin` says where a
    rejected key came from (a profile's variable, the keyring...). A newline or another control
    character in the message (a file name holding one) is written as its escape, so the message
    stays one line.
    """
    code, message = _exit_for(exc, host, key_origin)
    return code, one_line(message)


def one_line(text: str) -> str:
    r"""`text` with each character that is not printable written as its escape.

    >>> one_line("no such file: a\nb")
    'no such file: a\\nb'
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _exit_for(exc: BaseException, host: str | None, key_origin: str | None) -> tuple[int, str]:
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, "interrupted"
    if isinstance(exc, UsageError):
        return ExitCode.USAGE, exc.message
    api = _api_error(exc, host, key_origin)
    if api is not None:
        return api
    if _is(exc, "mistral_chat.services.credentials", "NoAPIKey"):
        return ExitCode.AUTH, str(exc)
    if (
        _is(exc, "mistral_chat.services.settings", "SettingsError")
        or _is(exc, "mistral_chat.services.images", "ImageError")
        or _is(exc, "mistral_chat.services.attachments", "AttachmentError")
        or _is(exc, "mistral_chat.services.transfers", "TransferError")
        or _is(exc, "mistral_chat.storage.errors", "HistoryError")
    ):
        return ExitCode.USAGE, str(exc)
    if isinstance(exc, OSError):
        return ExitCode.USAGE, _os_message(exc)
    return ExitCode.INTERNAL, (
        f"internal error: {type(exc).__name__}: {exc} (this is a bug; run with --debug for "
        "the traceback and report it)"
    )


def _os_message(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    name = exc.filename
    if name is None:
        return f"{reason}"
    hint = {
        FileNotFoundError: "; check the path",
        PermissionError: "; check its permissions",
        IsADirectoryError: "; give a file, not a directory",
    }.get(type(exc), "")
    return f"{name}: {reason.lower()}{hint}"
