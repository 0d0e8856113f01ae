"""What the store refuses to keep: API keys, other secrets, and inline file bytes."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from mistral_chat.storage.records import Attachment

__all__ = ["OMITTED_PREFIX", "SECRET_OPTION_NAMES", "Cleaner", "make_title", "valid_text"]

#: Option names dropped before options are stored (compared lower-case, "-" read as "_").
SECRET_OPTION_NAMES = frozenset(
    {
        "api_key",
        "apikey",
        "authorization",
        "key",
        "x_api_key",
        "secret",
        "password",
        "token",
        "access_token",
        "bearer",
    }
)
#: An inline ``data:...;base64,...`` URL is stored as ``omitted:<mime>;sha256=<hex>;bytes=<n>``.
OMITTED_PREFIX = "omitted:"
REDACTED = "[REDACTED]"
TITLE_MAX = 80
_MIN_SECRET_LEN = 8
_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(value: str) -> str:
    """``value`` with each lone surrogate as U+FFFD. A terminal with the wrong locale (or a
    file name read with surrogateescape) hands Python undecodable bytes as lone surrogates;
    SQLite stores UTF-8, which cannot hold them, and sqlite3 raises UnicodeEncodeError."""
    return _SURROGATE.sub("\ufffd", value)


class Cleaner:
    """Cleans values on their way into the database."""

    def __init__(self, *, secrets: Sequence[str] = (), keep_inline_data: bool = False) -> None:
        self._secrets = sorted(
            {s for s in secrets if s and len(s) >= _MIN_SECRET_LEN}, key=len, reverse=True
        )
        self.keep_inline_data = keep_inline_data

    def text(self, value: str) -> str:
        value = valid_text(value)
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, REDACTED)
        return value

    def optional_text(self, value: str | None) -> str | None:
        return None if value is None else self.text(value)

    def options(self, options: dict[str, Any] | None) -> dict[str, Any]:
        if not options:
            return {}
        cleaned = self._walk(_json_copy(options), drop_secret_keys=True)
        assert isinstance(cleaned, dict)
        return cleaned

    def content(self, content: list[dict[str, Any]] | str) -> list[dict[str, Any]]:
        if isinstance(content, str):
            return [{"type": "text", "text": self.text(content)}]
        copied = _json_copy(list(content))
        if not all(isinstance(chunk, dict) for chunk in copied):
            raise TypeError("message content must be a string or a list of chunk dicts")
        cleaned = self._walk(copied, drop_secret_keys=False)
        assert isinstance(cleaned, list)
        return cleaned

    def url(self, url: str | None) -> str | None:
        if url is None or (url.startswith("data:") and not self.keep_inline_data):
            return None
        return self.text(url)

    def attachment(self, a: Attachment) -> Attachment:
        return dataclasses.replace(a, name=self.optional_text(a.name), url=self.url(a.url))

    def json_value(self, value: Any) -> Any:
        return None if value is None else self._walk(_json_copy(value), drop_secret_keys=False)

    def _walk(self, value: Any, *, drop_secret_keys: bool) -> Any:
        if isinstance(value, dict):
            return {
                valid_text(key): self._walk(item, drop_secret_keys=drop_secret_keys)
                for key, item in value.items()
                if not (drop_secret_keys and _is_secret_name(key))
            }
        if isinstance(value, list):
            return [self._walk(item, drop_secret_keys=drop_secret_keys) for item in value]
        if isinstance(value, str):
            if not self.keep_inline_data and value.startswith("data:"):
                value = omit_inline_data(value)
            return self.text(value)
        return value


def _is_secret_name(name: str) -> bool:
    return name.lower().replace("-", "_") in SECRET_OPTION_NAMES


def _json_copy(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"value cannot be stored as JSON: {exc}") from exc


def omit_inline_data(url: str) -> str:
    """Replace a base64 ``data:`` URL by a stable description of its bytes."""
    header, sep, payload = url.partition(",")
    if not sep or not header.endswith(";base64"):
        return (
            url
            if len(url) <= 256
            else f"{OMITTED_PREFIX}{header[5:] or 'text/plain'};bytes={len(payload)}"
        )
    mime = header[5:].removesuffix(";base64") or "application/octet-stream"
    try:
        data = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError):
        data = payload.encode()
    return f"{OMITTED_PREFIX}{mime};sha256={hashlib.sha256(data).hexdigest()};bytes={len(data)}"


def make_title(text: str) -> str | None:
    """The first non-blank line, whitespace collapsed, at most ``TITLE_MAX`` characters."""
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= TITLE_MAX else line[: TITLE_MAX - 1].rstrip() + "…"
    return None
