"""Fill-in-the-middle with Codestral: a prefix and a suffix, from flags or from a file with
one `<FILL>` marker where the middle goes.

    >>> split_at_marker("def f():\\n    <FILL>\\nprint(f())", "x.py")
    ('def f():\\n    ', '\\nprint(f())')
"""

from __future__ import annotations

from typing import Final

from mistral_chat.errors import UsageError

__all__ = ["DEFAULT_FIM_MODEL", "MARKER", "split_at_marker"]

DEFAULT_FIM_MODEL: Final = "codestral-latest"
MARKER: Final = "<FILL>"


def split_at_marker(text: str, name: str) -> tuple[str, str]:
    """(prefix, suffix) around the one `<FILL>` marker in `text`."""
    count = text.count(MARKER)
    if count == 0:
        raise UsageError(
            f"{name} has no {MARKER} marker; put {MARKER} where the code should be filled in "
            "(or use --prefix/--suffix)"
        )
    if count > 1:
        raise UsageError(f"{name} has {count} {MARKER} markers; leave exactly one")
    prefix, _, suffix = text.partition(MARKER)
    if not prefix.strip():
        raise UsageError(f"{name}: nothing comes before {MARKER}; FIM needs a prefix to continue")
    return prefix, suffix
