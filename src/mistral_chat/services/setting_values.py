"""How a setting's text is read and checked: one home for each rule, whether the value comes
from `config set`, config.toml or a command-line option (`cli/_argtypes.py` wraps these).

Each parser returns the typed value or raises `ValueError` with what is expected, in words a
user reads after the setting's name (`timeout: must be greater than 0`).

    >>> seconds("90"), whole_range(0, MAX_RETRIES)("3"), boolean("on")
    (90.0, 3, True)
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

__all__ = [
    "MAX_RETRIES",
    "MAX_TIMEOUT",
    "THEMES",
    "base_url",
    "boolean",
    "env_name",
    "seconds",
    "text",
    "theme",
    "url_problem",
    "whole_range",
]

#: the longest timeout (per request; a stream's silence limit), in seconds
MAX_TIMEOUT = 3600
#: the most retries per request
MAX_RETRIES = 10
#: how code blocks and markdown are coloured: for a dark or a light terminal background, or
#: `auto` (the terminal's COLORFGBG when it sets one, else dark)
THEMES = ("auto", "dark", "light")


def text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    return value


def boolean(value: str) -> bool:
    low = value.strip().lower()
    if low in ("true", "yes", "on", "1"):
        return True
    if low in ("false", "no", "off", "0"):
        return False
    raise ValueError("must be true or false")


def whole_range(lo: int, hi: int) -> Callable[[str], int]:
    """A parser for a whole number from `lo` to `hi` (both included)."""

    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise ValueError(f"must be a whole number from {lo} to {hi}") from None
        if not lo <= n <= hi:
            raise ValueError(f"must be a whole number from {lo} to {hi}")
        return n

    return parse


def seconds(value: str) -> float:
    """A timeout: more than 0, at most `MAX_TIMEOUT` seconds."""
    try:
        t = float(value)
    except ValueError:
        raise ValueError("expected a number of seconds") from None
    if not 0 < t < math.inf:  # NaN fails this too
        raise ValueError("must be greater than 0")
    if t > MAX_TIMEOUT:
        raise ValueError(f"must be at most {MAX_TIMEOUT} seconds")
    return t


def base_url(value: str) -> str:
    """A server's root URL, as the API client takes it (a trailing `/v1` dropped)."""
    from mistral_chat.api._core import normalize_base_url
    from mistral_chat.api.errors import InvalidBaseURL

    value = value.strip().rstrip("/")
    if not re.match(r"^https?://[^/\s]+", value):
        raise ValueError("must be an http:// or https:// URL")
    problem = url_problem(value)
    if problem:
        raise ValueError(f"not a valid URL ({problem})")
    try:
        normalize_base_url(value)  # the client's own rules (no user:password in it)
    except InvalidBaseURL as exc:
        raise ValueError(str(exc)) from None
    return value


def url_problem(url: str) -> str | None:
    """Why an http(s):// URL cannot be used to reach a server, or None when it can."""
    from urllib.parse import urlsplit

    if any(not ch.isprintable() or ch.isspace() for ch in url):
        return "it holds spaces or control characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError as exc:
        reason = str(exc)
        return reason[:1].lower() + reason[1:]
    host = parts.hostname or ""
    if not host:
        return "no host name"
    if ":" not in host:  # an IPv6 address has no labels to check
        try:
            host.encode("idna")
        except UnicodeError:
            return "a part of the host name is empty or longer than 63 characters"
    return None


def theme(value: str) -> str:
    low = value.strip().lower()
    if low not in THEMES:
        raise ValueError(f"must be one of {', '.join(THEMES)}")
    return low


def env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value.strip()):
        raise ValueError("must be an environment variable name, like MY_MISTRAL_KEY")
    return value.strip()
