"""The generation options a user may set on a chat, and their checks against the spec's ranges.

`validate_option` maps a name as typed (`top-p`, `seed`...) to the spec's field and checks the
value before anything is sent; `InvalidOption` carries the one line to show the user.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from mistral_chat.errors import UsageError

__all__ = [
    "GENERATION_KEYS",
    "OPTION_NAMES",
    "REASONING_EFFORTS",
    "InvalidOption",
    "config_defaults",
    "config_options",
    "config_parsers",
    "response_format",
    "validate_option",
]

#: the generation options a user may set, with the spec's field name each maps to
OPTION_NAMES: dict[str, str] = {
    "temperature": "temperature",
    "top_p": "top_p",
    "top-p": "top_p",
    "max_tokens": "max_tokens",
    "max-tokens": "max_tokens",
    "random_seed": "random_seed",
    "seed": "random_seed",
    "safe_prompt": "safe_prompt",
    "safe-prompt": "safe_prompt",
    "reasoning_effort": "reasoning_effort",
    "reasoning-effort": "reasoning_effort",
    "effort": "reasoning_effort",
    "stop": "stop",
    "response_format": "response_format",
    "format": "response_format",
}

#: the spec's ReasoningEffort values, least to most
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class InvalidOption(UsageError, ValueError):
    """An option name or value outside what the API accepts; one line for the user."""


def validate_option(name: str, value: object) -> tuple[str, Any]:
    """The spec's field name and the checked value (strings are parsed, as typed in a REPL).

    `None` (or the string "none"/"default") unsets the option.

        >>> validate_option("temperature", "0.3")
        ('temperature', 0.3)
        >>> validate_option("seed", 7)
        ('random_seed', 7)
    """
    key = OPTION_NAMES.get(name.strip().lower())
    if key is None:
        known = (
            "temperature, top_p, max_tokens, random_seed (seed), safe_prompt, "
            "reasoning_effort, stop, format"
        )
        raise InvalidOption(f"unknown option {name!r}; options are {known}")
    if key == "reasoning_effort":  # "none" is one of its values, not "unset"
        if value is None or str(value).strip().lower() == "default":
            return key, None
        level = str(value).strip().lower()
        if level not in REASONING_EFFORTS:
            raise InvalidOption(
                f"reasoning_effort must be one of {', '.join(REASONING_EFFORTS)}, got {value!r}"
            )
        return key, level
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "default")):
        return key, None
    if key == "stop":
        return key, _stop(value)
    if key == "response_format":
        return key, _format(value)
    if key == "safe_prompt":
        return key, _bool(value)
    if key in ("temperature", "top_p"):
        number = _number(key, value, float)
        if key == "temperature" and not 0 <= number <= 1.5:
            raise InvalidOption(f"temperature must be between 0 and 1.5, got {value}")
        if key == "top_p" and not 0 < number <= 1:
            raise InvalidOption(f"top_p must be greater than 0 and at most 1, got {value}")
        return key, number
    integer = int(_number(key, value, int))
    if integer < 0:
        raise InvalidOption(f"{key} must be 0 or more, got {value}")
    return key, integer


#: the generation options `config set` makes defaults for ask and chat (and templates hold)
GENERATION_KEYS = (
    "temperature",
    "top_p",
    "max_tokens",
    "seed",
    "safe_prompt",
    "reasoning_effort",
    "stop",
    "format",
)


def config_parsers() -> dict[str, Callable[[str], Any]]:
    """`config set KEY TEXT` for each generation option: checked as the flag is, kept as typed
    (`format json` stays "json"; the request's form is made when a session opens)."""

    def parser(key: str) -> Callable[[str], Any]:
        def parse(text: str) -> Any:
            _, checked = validate_option(key, text)
            if checked is None and not (key == "format" and text.strip().lower() == "text"):
                raise InvalidOption(f"to go back to the API's default, `config unset {key}`")
            return text.strip().lower() if key in ("format", "reasoning_effort") else checked

        return parse

    return {key: parser(key) for key in GENERATION_KEYS}


def config_defaults(config: Mapping[str, Any], path: Path) -> dict[str, Any]:
    """The generation options the config file at `path` sets (TOML-typed), checked, as they are
    written; `InvalidOption` names the first that is not valid and how to fix it."""
    found = {key: config[key] for key in GENERATION_KEYS if config.get(key) is not None}
    for key, value in found.items():
        try:
            validate_option(key, value)
        except InvalidOption as exc:
            raise InvalidOption(
                f"config key {key!r} in {path} has an invalid value {value!r}: {exc}; "
                f"fix it with `mistral-chat config set {key} VALUE`"
            ) from None
    return found


def config_options(values: Mapping[str, Any]) -> dict[str, Any]:
    """Options named as `config set` and templates name them (`seed`, `format`...) in the
    request's form (`random_seed`, `response_format`...), each checked.

        >>> config_options({"seed": 7, "format": "json"})
        {'random_seed': 7, 'response_format': {'type': 'json_object'}}
    """
    out: dict[str, Any] = {}
    for name, value in values.items():
        key, checked = validate_option(name, value)
        if checked is not None:
            out[key] = checked
    return out


def _number(key: str, value: object, kind: type[float] | type[int]) -> float:
    what = "a whole number" if kind is int else "a number"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InvalidOption(f"{key} must be {what}, got {value!r}")
    if isinstance(value, float) and kind is int and not value.is_integer():
        raise InvalidOption(f"{key} must be {what}, got {value!r}")
    try:
        number = kind(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidOption(f"{key} must be {what}, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidOption(f"{key} must be a finite number, got {value}")
    return number


def _stop(value: object) -> str | list[str]:
    """One stop sequence or several; each non-empty (an empty one would stop at once)."""
    several = list(value) if isinstance(value, list | tuple) else [value]
    texts = [s for s in several if isinstance(s, str) and s]
    if not texts or len(texts) != len(several):
        raise InvalidOption(f"stop must be one or more non-empty strings, got {value!r}")
    return texts[0] if len(texts) == 1 else texts


def _format(value: object) -> dict[str, Any] | None:
    """``json`` (JSON mode), ``text`` (the default: unset) or a full ``response_format``."""
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("json", "json_object"):
            return {"type": "json_object"}
        if word == "text":
            return None
        raise InvalidOption(f"format must be json or text, got {value!r}")
    if not isinstance(value, dict):
        raise InvalidOption(f"format must be json or text, got {value!r}")
    kind = value.get("type")
    if kind == "json_schema":
        inner = value.get("json_schema")
        if isinstance(inner, dict) and isinstance(inner.get("schema"), dict) and inner.get("name"):
            return {"type": kind, "json_schema": inner}
        raise InvalidOption("a json_schema format needs json_schema.name and json_schema.schema")
    if kind == "json_object":
        return {"type": kind}
    if kind == "text":
        return None
    raise InvalidOption(f"format type must be text, json_object or json_schema, got {kind!r}")


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidOption(f"safe_prompt must be on or off, got {value!r}")


def response_format(kind: str | None, schema: str | None) -> dict[str, Any] | None:
    """The request's ``response_format`` for ``--format`` and ``--schema``; None for plain text.

    ``schema`` is a JSON Schema as inline JSON (starting with ``{``) or a file's path; a file
    holding ``{"name": ..., "schema": {...}}`` (OpenAI's wrapper) is taken as it is.

        >>> response_format("json", None)
        {'type': 'json_object'}
        >>> response_format(None, '{"type": "object"}')["json_schema"]["name"]
        'answer'
    """
    if schema is None:
        return {"type": "json_object"} if kind == "json" else None
    if kind == "text":
        raise InvalidOption("--schema asks for JSON; it cannot go with --format text")
    if not schema.strip():
        raise InvalidOption("--schema is empty; give a JSON Schema file or inline JSON")
    inline = schema.lstrip().startswith("{")
    where = "the inline schema" if inline else schema
    text = schema if inline else _read_schema(schema)
    doc = _load_schema_json(text, where)
    if not isinstance(doc, dict):
        raise InvalidOption(f"--schema: {where} must be a JSON object (a JSON Schema)")
    if isinstance(doc.get("schema"), dict) and isinstance(doc.get("name"), str):
        wrapped = {k: doc[k] for k in ("name", "description", "schema", "strict") if k in doc}
        return {"type": "json_schema", "json_schema": {"strict": True, **wrapped}}
    name = "answer" if inline else re.sub(r"[^A-Za-z0-9_-]", "_", Path(schema).stem)[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": doc, "strict": True}}


def _load_schema_json(text: str, where: str) -> Any:
    """The schema document; JSON that the request could not carry is refused in one line."""

    def not_json(word: str) -> float:
        raise InvalidOption(
            f"--schema: {where} holds {word}, which JSON does not allow; give a finite number"
        )

    def finite(word: str) -> float:
        value = float(word)
        return value if math.isfinite(value) else not_json(word)

    try:
        return json.loads(text, parse_constant=not_json, parse_float=finite)
    except RecursionError:
        raise InvalidOption(
            f"--schema: {where} is nested too deeply to read; flatten it (use $defs and $ref)"
        ) from None
    except ValueError as exc:
        if isinstance(exc, InvalidOption):
            raise
        raise InvalidOption(f"--schema: {where} is not valid JSON ({exc})") from None


def _read_schema(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidOption(
            f"--schema: no such file {path!r}; give a JSON Schema file or inline JSON"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidOption(f"--schema: cannot read {path!r} ({exc})") from None
