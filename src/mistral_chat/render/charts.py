"""Bars for a table on a terminal: one cell per eighth of a character, drawn with block glyphs.

>>> bar(3, 4, width=8)
'██████'
>>> bar(1, 3, width=4)
'█▍'
"""

from __future__ import annotations

__all__ = ["bar"]

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, largest: float, *, width: int = 20) -> str:
    """A horizontal bar ``value / largest`` of ``width`` cells long (at least a sliver when
    ``value`` is above 0, so a small group still shows)."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(min(value / largest, 1.0) * width * 8))
    full, rest = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[rest] if rest else "")
