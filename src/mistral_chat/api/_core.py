"""Pure request/response logic: URLs, headers, request bodies, error mapping, redaction.

Nothing here does I/O, so sync and async clients share it and tests call it directly.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping
from typing import Any, TypedDict
from urllib.parse import urlsplit

from .errors import APIStatusError, InvalidBaseURL, status_error_for

__all__ = [
    "CHAT_OPTION_NAMES",
    "DEFAULT_BASE_URL",
    "MAX_MESSAGE_CHARS",
    "MAX_RETRY_AFTER",
    "ChatOptions",
    "build_chat_body",
    "error_from_response",
    "hide_secret",
    "loads",
    "normalize_base_url",
    "parse_retry_after",
    "redact",
    "stream_error_message",
]

#: the longest wait a Retry-After header is read as (a day: past it the number means "not soon")
MAX_RETRY_AFTER = 86400.0
#: the longest server message an error carries (an HTML page or a stack trace is cut)
MAX_MESSAGE_CHARS = 300

DEFAULT_BASE_URL = "https://api.mistral.ai"


class ChatOptions(TypedDict, total=False):
    """Every optional field of the spec's ChatCompletionRequest (absent = not sent)."""

    temperature: float | None
    top_p: float | None
    max_tokens: int | None
    stop: str | list[str] | None
    random_seed: int | None
    metadata: dict[str, Any] | None
    response_format: dict[str, Any]
    tools: list[dict[str, Any]] | None
    tool_choice: str | dict[str, Any]
    presence_penalty: float | None
    frequency_penalty: float | None
    n: int | None
    prediction: dict[str, Any]
    parallel_tool_calls: bool
    reasoning_effort: str | None
    prompt_mode: str | None
    guardrails: list[dict[str, Any]] | None
    prompt_cache_key: str | None
    service_tier: str | None
    safe_prompt: bool


CHAT_OPTION_NAMES: frozenset[str] = frozenset(ChatOptions.__annotations__)


def normalize_base_url(url: str) -> str:
    """The server root: trailing slashes and a trailing `/v1` (OpenAI style) are dropped.

    A user name or password in the URL (`https://user:pass@host`) is refused: httpx2 would
    send it as Basic auth in place of the key, and logs would show it.
    """
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    if not re.match(r"^https?://[^/\s]+", url):
        raise InvalidBaseURL(f"base URL {url!r} is not an http(s) URL")
    if "@" in urlsplit(url).netloc:
        raise InvalidBaseURL(
            "the base URL holds a user name or password (user:pass@host), which would replace "
            "the API key and show in logs; remove it and give the key as the API key"
        )
    return url


def build_chat_body(
    model: str, messages: list[dict[str, Any]], *, stream: bool, options: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON body of POST /v1/chat/completions: only the fields the caller gave."""
    unknown = set(options) - CHAT_OPTION_NAMES
    if unknown:
        # the real API answers 422 to unknown fields; fail before sending
        raise TypeError(f"unknown chat option(s): {', '.join(sorted(unknown))}")
    if not model:
        raise ValueError("model is required")
    body: dict[str, Any] = {"model": model, "messages": list(messages)}
    body.update(options)
    if stream:
        body["stream"] = True
    return body


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date): always a finite
    number from 0 to `MAX_RETRY_AFTER` (longer waits, `inf` and `1e400` included, read as
    that), or None when the header is absent or says nothing usable (`nan`, a bad date)."""
    if not value:
        return None
    value = value.strip()
    seconds: float | None
    try:
        seconds = float(value)
    except ValueError:
        seconds = _seconds_until(value, now)
    if seconds is None or math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def _seconds_until(date: str, now: float) -> float | None:
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(date)
        return when.timestamp() - now if when is not None else None
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def loads(data: bytes | str) -> Any:
    """JSON from a server: anything that is not JSON, including invalid UTF-8 and nesting
    deeper than Python can follow, is a `ValueError` (json's own RecursionError is not)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("JSON nested too deep to read") from None


def hide_secret(data: bytes, secret: str | None) -> bytes:
    """`data` with every copy of `secret` (a key a server echoed back) shown as `redact` does."""
    if not secret:
        return data
    return data.replace(secret.encode(), redact(secret).encode())


def _cut(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """One line of at most `limit` characters: whitespace runs collapse, a longer text ends
    with an ellipsis."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _text(value: Any) -> str:
    """`str(value)` for anything a server sent; too deep to print is said so, not raised."""
    try:
        return value if isinstance(value, str) else str(value)
    except RecursionError:
        return "(a value nested too deep to show)"


_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _describe_loc(loc: Any) -> str:
    """A 422 item's `loc` as `messages.0.content`; the spec says a list of names and indices,
    but a server may send null, a number or a string."""
    if isinstance(loc, list):
        return ".".join(_text(p) for p in loc if p != "body")
    return "" if loc is None else _text(loc)


def _describe_detail(items: list[Any]) -> str:
    parts = []
    for item in items[:5]:
        if isinstance(item, dict):
            loc = _describe_loc(item.get("loc"))
            msg = _cut(_text(item.get("msg", item)), 120)
            parts.append(f"{loc}: {msg}" if loc else msg)
        else:
            parts.append(_cut(_text(item), 120))
    more = f" (+{len(items) - 5} more)" if len(items) > 5 else ""
    return "; ".join(parts) + more


def _validation_details(body: Any) -> list[Any] | None:
    """The `detail[]` of a 422: the spec's HTTPValidationError puts it at the top level; the
    API also sends it inside its error object, as `{"object": "error", "message": {"detail"}}`."""
    if not isinstance(body, dict):
        return None
    for holder in (body, body.get("message")):
        detail = holder.get("detail") if isinstance(holder, dict) else None
        if isinstance(detail, list) and detail:
            return detail
    return None


def _message_from_body(body: Any, text: str, content_type: str) -> str:
    """What the server said, as one line of at most `MAX_MESSAGE_CHARS` characters."""
    return _cut(_said(body, text, content_type))


def _said(body: Any, text: str, content_type: str) -> str:
    details = _validation_details(body)
    if details:
        return _describe_detail(details)
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, str) and detail:
            return detail
        message = body.get("message")
        if isinstance(message, str) and message:
            return message
        error = body.get("error")
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
    if "html" in content_type or text.lstrip()[:15].lower().startswith(("<!doctype", "<html")):
        title = _TITLE.search(text)
        raw = title.group(1) if title else _TAG.sub(" ", text)
        return _cut(html.unescape(raw), 200) or "an HTML error page"
    return text


def stream_error_message(data: bytes) -> str | None:
    """What the server said, if a stream event is an error rather than a chunk, else None.

    A CompletionChunk always has `choices`; an event without them that carries an error
    object, an OpenAI-style `error` or a `detail` is the server giving up mid-answer.
    """
    try:
        body = loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or "choices" in body:
        return None
    if body.get("object") != "error" and not ({"error", "detail", "message"} & body.keys()):
        return None
    text = data.decode("utf-8", errors="replace")
    return _message_from_body(body, text, "application/json") or None


def error_from_response(
    status_code: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    now: float,
    secret: str | None = None,
) -> APIStatusError:
    """The exception for an error response, carrying the server's own words (cut to one line,
    `secret` hidden if the server echoed it back)."""
    content_type = headers.get("content-type", "")
    text = hide_secret(content, secret).decode("utf-8", errors="replace")
    body: Any = None
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            body = loads(text)
        except ValueError:
            body = None
    message = _message_from_body(body, text, content_type) or f"HTTP {status_code}"
    kwargs: dict[str, Any] = {
        "status_code": status_code,
        "body": body if body is not None else text,
        "request_id": headers.get("x-request-id") or headers.get("mistral-correlation-id"),
        "details": _validation_details(body),
        "retry_after": parse_retry_after(headers.get("retry-after"), now=now),
    }
    return status_error_for(status_code)(message, **kwargs)


def redact(key: str | None) -> str:
    """How a key may be shown: its last four characters at most."""
    if not key:
        return "(none)"
    return f"...{key[-4:]}" if len(key) >= 12 else "..."
