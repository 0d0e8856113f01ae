"""Conversation and message ids: short, unique, and sorted by creation time."""

from __future__ import annotations

import secrets
from datetime import datetime

__all__ = ["new_id"]

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: sorts like the numbers


class _IdMaker:
    """12-character ids: 45 bits of milliseconds then 15 bits that start random and count up.

    Ids sort by creation time, and ids made by one process never repeat.
    """

    def __init__(self) -> None:
        self._last = -1

    def __call__(self, now: datetime) -> str:
        value = (int(now.timestamp() * 1000) << 15) | secrets.randbits(15)
        if value <= self._last:
            value = self._last + 1
        self._last = value
        return "".join(_ALPHABET[(value >> shift) & 31] for shift in range(55, -1, -5))


new_id = _IdMaker()
