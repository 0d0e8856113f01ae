"""The ONE place an exception becomes an exit code and a one-line message.

The code comes from the error tree (`mistral_chat.errors`): every error mistral-chat raises on
purpose is a `MistralChatError` whose class carries its `exit_code`; this module only words the
message (adding what to do for the API's errors) and maps by `isinstance`, never by names.

| code | meaning |
|---|---|
| 0 OK | success |
| 1 INTERNAL | a bug (`--debug` shows the traceback) |
| 2 USAGE | usage or bad local input |
| 3 AUTH | no API key, or the key was rejected (401/403) |
| 4 API | the API rejected the request (400, 404, 422 ...) |
| 5 UNAVAILABLE | service unavailable after retries (network, timeout, 408, 429, 5xx) |
| 6 LOCAL_STORAGE | a local file or database could not be written or read |
| 7 FLAGGED | moderation flagged the input (`moderate --fail-on-flag`) |
| 129 / 130 / 143 | hung up / interrupted (Ctrl-C) / terminated |

`mistral_chat.api.errors` imports nothing heavy, so `--help` stays free of httpx2.
"""

from __future__ import annotations

import math

from ..api.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    InvalidResponseError,
    MistralError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    ServerError,
    StreamInterrupted,
    UnsafeRedirectError,
)
from ..errors import ExitCode, MistralChatError, UsageError

__all__ = ["NO_KEY", "ExitCode", "UsageError", "exit_for", "one_line"]

#: `key_origin` when no key was sent (a server that is not Mistral's may need none)
NO_KEY = "no key"

#: longer messages (a server's whole page, say) are cut here, and say so
_MAX_MESSAGE = 600


def exit_for(
    exc: BaseException, *, host: str | None = None, key_origin: str | None = None
) -> tuple[int, str]:
    """(exit code, one-line message without the `error: ` prefix) for any exception.

    `host` names the server in messages about connection failures; `key_origin` says where a
    rejected key came from (a profile's variable, the keyring...). A newline or another control
    character in the message (a file name holding one) is written as its escape, so the message
    stays one line. This function cannot raise: the error path must not crash.
    """
    try:
        code, message = _exit_for(exc, host, key_origin)
    except Exception as bug:  # noqa: BLE001 - the last line of defence prints something true
        code, message = ExitCode.INTERNAL, f"internal error while reporting {type(exc).__name__}"
        message += f": {type(bug).__name__} (this is a bug; run with --debug and report it)"
    message = one_line(message)
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    return int(code), message


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
        code = getattr(exc, "exit_code", ExitCode.INTERRUPTED)  # SIGTERM/SIGHUP say theirs
        return (code if isinstance(code, int) else ExitCode.INTERRUPTED), "interrupted"
    if isinstance(exc, MistralError):
        return exc.exit_code, _api_message(exc, host or "the API", key_origin)
    if isinstance(exc, MistralChatError):
        return exc.exit_code, exc.message
    if isinstance(exc, OSError):
        return ExitCode.USAGE, _os_message(exc)
    return ExitCode.INTERNAL, (
        f"internal error: {type(exc).__name__}: {exc} (this is a bug; run with --debug for "
        "the traceback and report it)"
    )


def _api_message(exc: MistralError, where: str, key_origin: str | None) -> str:
    """The API error's message, with what to do."""
    attempts = exc.attempts if isinstance(exc.attempts, int) and exc.attempts > 0 else 1
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    msg = str(getattr(exc, "message", None) or exc).rstrip(".")
    if isinstance(exc, AuthenticationError) and key_origin == NO_KEY:
        return (
            f"no API key found, and {where} asks for one (401: {msg}); run "
            "`mistral-chat auth login` or set MISTRAL_API_KEY"
        )
    if isinstance(exc, AuthenticationError):
        where_from = (
            f"it came from {key_origin}: fix it there or run `mistral-chat auth login`"
            if key_origin
            else "run `mistral-chat auth login` or check MISTRAL_API_KEY"
        )
        return f"the API rejected the key (401): {msg}; {where_from}"
    if isinstance(exc, PermissionDeniedError):
        return (
            f"the API refused this key access (403): {msg}; check the key's workspace and "
            "permissions, or run `mistral-chat auth login` with another key"
        )
    if isinstance(exc, RateLimitError):
        return f"the API rate-limited this key (429) {_times(attempts)}; {_when(exc.retry_after)}"
    if isinstance(exc, ServerError):
        return (
            f"{where} failed ({exc.status_code}: {msg}); retries exhausted after {tries}; "
            "try again later or raise --max-retries"
        )
    if isinstance(exc, APITimeoutError):
        return (
            f"timed out talking to {where}; retries exhausted after {tries}; "
            "check the network or raise --timeout"
        )
    if isinstance(exc, APIConnectionError):
        reason = str(exc)
        if reason.startswith("could not reach ") and ": " in reason:
            reason = reason.split(": ", 1)[1]
        return (
            f"could not reach {where} ({reason}); retries exhausted after {tries}; "
            "check the network, proxy settings or --base-url"
        )
    if isinstance(exc, UnsafeRedirectError):
        return f"{exc}; check --base-url, or any proxy in between"
    if isinstance(exc, ResponseTooLargeError):
        return (
            f"the answer from {where} is larger than mistral-chat reads ({exc}); check "
            "--base-url and any proxy in between"
        )
    if isinstance(exc, InvalidResponseError):
        return (
            f"{where} does not answer like the Mistral API: {exc}; check --base-url (the "
            "server's root, e.g. https://api.mistral.ai) and any proxy in between"
        )
    if isinstance(exc, StreamInterrupted):
        kept = (
            "the partial answer was kept"
            if exc.partial_text
            else "nothing of the answer had arrived"
        )
        return f"the answer from {where} broke off ({exc}); {kept}; try again"
    if isinstance(exc, APIStatusError):
        return _status_message(exc, msg)
    return msg


def _status_message(exc: APIStatusError, msg: str) -> str:
    code = exc.status_code
    if _too_long(exc, msg):
        return (
            f"the prompt is too long for this model ({code}): {msg}; shorten it, start a new "
            "conversation, or pick a larger context (`mistral-chat models list --sort "
            "context_length`)"
        )
    # the commonest 4xx is a mistyped model: say where the right names are
    hint = "; `mistral-chat models list` shows the models" if "model" in msg.lower() else ""
    if code == 404:
        return f"not found (404): {msg}{hint or '; check the name or id'}"
    if code == 408:
        return f"the API timed out waiting for the request (408): {msg}; try again"
    return f"the API rejected the request ({code}): {msg}{hint}"


def _too_long(exc: APIStatusError, msg: str) -> bool:
    """The API's context-length refusal: code 3051, or its message when the code is absent."""
    body = exc.body
    if isinstance(body, dict) and str(body.get("code")) == "3051":
        return True
    return "maximum context length" in msg.lower()


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _when(wait: float | None) -> str:
    # a server's wait may be anything: only a finite, positive number is worth repeating
    if isinstance(wait, (int, float)) and math.isfinite(wait) and 0 < wait < 86_400 * 365:
        return f"try again in {max(1, round(wait))} s"
    return "try again in a minute"


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
