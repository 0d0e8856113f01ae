"""Pure request/response logic: URLs, headers, request bodies, error mapping, redaction.

Nothing here does I/O, so sync and async clients share it and tests call it directly.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any, TypedDict

from .errors import APIStatusError, status_error_for

__all__ = [
    "CHAT_OPTION_NAMES",
    "DEFAULT_BASE_URL",
    "ChatOptions",
    "build_chat_body",
    "error_from_response",
    "normalize_base_url",
    "parse_retry_after",
    "redact",
    "stream_error_message",
]

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
    """The server root: trailing slashes and a trailing `/v1` (OpenAI style) are dropped."""
    url = url.strip().rstrip("/")
    if url.endswith("/v1"):
        url = url[: -len("/v1")]
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError(f"base URL {url!r} is not an http(s) URL")
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
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


_TAG = re.compile(r"<[^>]+>")
_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def _describe_detail(items: list[Any]) -> str:
    parts = []
    for item in items[:5]:
        if isinstance(item, dict):
            loc = ".".join(str(p) for p in item.get("loc", []) if p != "body")
            msg = str(item.get("msg", item))
            parts.append(f"{loc}: {msg}" if loc else msg)
        else:
            parts.append(str(item))
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
        return _SPACE.sub(" ", html.unescape(raw)).strip()[:200] or "an HTML error page"
    return _SPACE.sub(" ", text).strip()[:300]


def stream_error_message(data: bytes) -> str | None:
    """What the server said, if a stream event is an error rather than a chunk, else None.

    A CompletionChunk always has `choices`; an event without them that carries an error
    object, an OpenAI-style `error` or a `detail` is the server giving up mid-answer.
    """
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or "choices" in body:
        return None
    if body.get("object") != "error" and not ({"error", "detail", "message"} & body.keys()):
        return None
    text = data.decode("utf-8", errors="replace")
    return _message_from_body(body, text, "application/json") or None


def error_from_response(
    status_code: int, headers: Mapping[str, str], content: bytes, *, now: float
) -> APIStatusError:
    """The exception for an error response, carrying the server's own words."""
    content_type = headers.get("content-type", "")
    text = content.decode("utf-8", errors="replace")
    body: Any = None
    if "json" in content_type or text[:1] in ("{", "["):
        try:
            body = json.loads(text)
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
