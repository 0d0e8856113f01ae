"""The generation options a user may set on a chat, and their checks against the spec's ranges.

`validate_option` maps a name as typed (`top-p`, `seed`...) to the spec's field and checks the
value before anything is sent; `InvalidOption` carries the one line to show the user.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OPTION_NAMES", "REASONING_EFFORTS", "InvalidOption", "validate_option"]

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
}

#: the spec's ReasoningEffort values, least to most
REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class InvalidOption(ValueError):
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
        known = "temperature, top_p, max_tokens, random_seed (seed), safe_prompt, reasoning_effort"
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


def _bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidOption(f"safe_prompt must be on or off, got {value!r}")
