"""argparse `type=` checkers shared by the commands: numbers with a range, said in one line.

>>> int_range(1, 10)("3")
3
>>> positive_int("0")
Traceback (most recent call last):
...
argparse.ArgumentTypeError: must be 1 or more, got '0'
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..services.setting_values import MAX_TIMEOUT, seconds

__all__ = [
    "MAX_TIMEOUT",
    "file_id",
    "int_range",
    "model_id",
    "non_empty",
    "positive_int",
    "positive_seconds",
]


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def positive_int(text: str) -> int:
    """A whole number of 1 or more."""
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def int_range(lo: int, hi: int) -> Callable[[str], int]:
    """A checker for a whole number from `lo` to `hi` (both included)."""

    def parse(text: str) -> int:
        value = _whole(text)
        if not lo <= value <= hi:
            raise argparse.ArgumentTypeError(f"must be from {lo} to {hi}, got {text!r}")
        return value

    return parse


def positive_seconds(text: str) -> float:
    """A timeout: more than 0, at most `MAX_TIMEOUT` seconds (the rule of config `timeout`)."""
    try:
        return seconds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}, got {text!r}") from None


def non_empty(text: str) -> str:
    """Any text but an empty (or blank) one: an empty value is a mistake, never "the default"."""
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def model_id(text: str) -> str:
    """A model id that can name a model in a URL path (not empty, `.` or `..`)."""
    if text.strip() in ("", ".", ".."):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a model id; `mistral-chat models list` shows the models"
        )
    return text


def file_id(text: str) -> str:
    """The id of an uploaded file (letters, digits, '-', '_' and '.'; never `.` or `..`)."""
    from ..services.attachments import AttachmentError, check_file_id

    try:
        return check_file_id(text)
    except AttachmentError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
