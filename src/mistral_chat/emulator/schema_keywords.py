"""The JSON-schema subset the emulator honours, and the check that refuses the rest.

:func:`check_keywords` walks a schema before anything is built and answers the API's 400
for a keyword, a ``type`` or a ``format`` outside the subset; :data:`FORMATS` makes and
checks the strings of each ``format``. Kept apart from :mod:`.schema`, whose builder only
ever sees schemas this check has let through.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from .validate import ApiError, invalid_request

__all__ = ["FORMATS", "check_keywords", "refuse"]

_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "$comment",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$schema",
        "$defs",
        "definitions",
        "contentEncoding",
        "contentMediaType",
        # OpenAPI's hint for a oneOf of tagged objects (pydantic emits it): the oneOf decides
        "discriminator",
    }
)
_KEYWORDS = _ANNOTATIONS | {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "enum",
    "const",
    "default",
    "anyOf",
    "oneOf",
    "allOf",
    "$ref",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "format",
}
_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
_COUNTS = ("minItems", "maxItems", "minLength", "maxLength")
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HOSTNAME = re.compile(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z]+")


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(_DATE.fullmatch(text))


def _is_date_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return False
    return bool(_DATE_TIME.fullmatch(text))


def _is_uri(text: str) -> bool:
    parts = urlsplit(text)
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme)) and " " not in text


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return len(text) == 36


def _is_ip(text: str, version: int) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def _slug(name: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", (name or "emulator").lower()).strip("-") or "emulator"


def _day(index: int | None) -> int:
    return (index or 0) % 28 + 1


# format: (a value from a property's name and its index in an array, a check)
FORMATS: dict[str, tuple[Callable[[str | None, int | None], str], Callable[[str], bool]]] = {
    "date": (lambda name, i: f"2025-01-{_day(i):02d}", _is_date),
    "date-time": (lambda name, i: f"2025-01-{_day(i):02d}T12:00:00Z", _is_date_time),
    "time": (lambda name, i: f"12:00:{(i or 0) % 60:02d}Z", lambda t: bool(_TIME.fullmatch(t))),
    "email": (
        lambda name, i: f"{_slug(name)}{'' if i is None else i + 1}@example.com",
        lambda t: bool(_EMAIL.fullmatch(t)),
    ),
    "uri": (
        lambda name, i: f"https://example.com/{_slug(name)}" + ("" if i is None else f"/{i + 1}"),
        _is_uri,
    ),
    "uuid": (lambda name, i: str(uuid.uuid5(uuid.NAMESPACE_URL, f"{name}/{i}")), _is_uuid),
    "hostname": (
        lambda name, i: f"{_slug(name)}{'' if i is None else i + 1}.example.com",
        lambda t: bool(_HOSTNAME.fullmatch(t)),
    ),
    "ipv4": (lambda name, i: f"192.0.2.{(i or 0) % 254 + 1}", lambda t: _is_ip(t, 4)),
    "ipv6": (lambda name, i: f"2001:db8::{(i or 0) + 1:x}", lambda t: _is_ip(t, 6)),
}


def refuse(message: str) -> ApiError:
    """The API's 400 for the request's schema (also raised by :mod:`.schema`'s builder)."""
    return invalid_request(f"response_format.json_schema.schema: {message}")


def check_keywords(schema: Any, where: str, *, root: bool = False) -> None:
    """Refuse (400) any keyword the emulator cannot honour, anywhere in the schema."""
    if isinstance(schema, bool):
        return
    if not isinstance(schema, dict):
        raise refuse(f"a schema must be an object or a boolean, at {where}")
    for key, value in schema.items():
        at = f"{where}/{key}"
        if key not in _KEYWORDS and not (key == "$id" and root):
            raise refuse(f"the emulator cannot honour the keyword '{key}' (at {where})")
        if key == "type":
            names = value if isinstance(value, list) else [value]
            if not names or any(n not in _TYPES for n in names):
                raise refuse(f"'type' must be one of {', '.join(_TYPES)} or a list, at {at}")
        elif key in ("properties", "$defs", "definitions"):
            if not isinstance(value, dict):
                raise refuse(f"'{key}' must be an object, at {at}")
            for name, sub in value.items():
                check_keywords(sub, f"{at}/{name}")
        elif key in ("additionalProperties", "items"):
            if isinstance(value, list):
                raise refuse(f"the emulator cannot honour '{key}' as a list (at {where})")
            check_keywords(value, at)
        elif key in ("anyOf", "oneOf", "allOf"):
            if not isinstance(value, list) or not value:
                raise refuse(f"'{key}' must be a non-empty list, at {at}")
            for i, sub in enumerate(value):
                check_keywords(sub, f"{at}/{i}")
        elif key == "required":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise refuse(f"'required' must be a list of strings, at {at}")
        elif key == "enum":
            if not isinstance(value, list) or not value:
                raise refuse(f"'enum' must be a non-empty list, at {at}")
        elif key == "$ref":
            if not isinstance(value, str) or not (value == "#" or value.startswith("#/")):
                raise refuse(
                    f"the emulator follows only local '$ref's (#/$defs/...), not {value!r} "
                    f"(at {where})"
                )
        elif key in _COUNTS:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise refuse(f"'{key}' must be a non-negative integer, at {at}")
        elif key in _BOUNDS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise refuse(f"'{key}' must be a number, at {at}")
        elif key == "format" and value not in FORMATS:
            raise refuse(
                f"the emulator cannot honour the keyword 'format' with {value!r} (at {where}); "
                f"it knows {', '.join(FORMATS)}"
            )
