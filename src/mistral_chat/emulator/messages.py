"""The HTTP values the routes exchange: a parsed :class:`Request`, a :class:`Response`, and
:class:`Query` for reading query parameters into the API's 422."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .files import Reader
from .validate import Invalid, detail_entry

__all__ = ["Query", "Request", "Response", "json_response"]

_TRUE = ("1", "on", "t", "true", "y", "yes")
_FALSE = ("0", "off", "f", "false", "n", "no")


@dataclass
class Request:
    """One HTTP request as the routes see it (header names lower-cased)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    reader: Reader
    base_url: str

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None


@dataclass
class Response:
    """A status, headers and a body: bytes, or chunks (``length`` known or chunked)."""

    status: int
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None
    sse: bool = False


def json_response(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, separators=(",", ":")).encode()
    return Response(status, body, headers=headers or {})


class Query:
    """A request's query parameters, read one at a time; every bad one joins one 422."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.errors: list[dict[str, Any]] = []

    def check(self) -> None:
        if self.errors:
            raise Invalid(self.errors)

    def _bad(self, type_: str, name: str, msg: str, value: str) -> None:
        self.errors.append(detail_entry(type_, ["query", name], msg, value))

    def int(self, name: str, default: int) -> int:
        value = self.request.param(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            msg = "Input should be a valid integer, unable to parse string as an integer"
            self._bad("int_parsing", name, msg, value)
            return default

    def bool(self, name: str, default: bool) -> bool:
        value = self.request.param(name)
        if value is None:
            return default
        if value.lower() in _TRUE:
            return True
        if value.lower() in _FALSE:
            return False
        msg = "Input should be a valid boolean, unable to interpret input"
        self._bad("bool_parsing", name, msg, value)
        return default

    def enums(self, name: str, allowed: tuple[str, ...]) -> list[str]:
        values = self.request.query.get(name, [])
        options = ", ".join(f"'{a}'" for a in allowed)
        # One entry per parameter: its first value that is not allowed.
        bad = next((v for v in values if v not in allowed), None)
        if bad is not None:
            self._bad("enum", name, f"Input should be one of {options}", bad)
        return values
