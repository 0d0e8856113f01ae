"""PEP 562 lazy exports, the one helper every package of mistral_chat uses for them.

A package lists its heavier names and the module each lives in; they are imported on first
use, not with the package, so `mistral-chat --help` never pays for the HTTP stack. The
modules are named as strings, so a lazy export adds no import edge (and no import cycle).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    module: str, package: str | None, where: Mapping[str, str]
) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `name` from `where[name]` (relative to `package`).

    >>> __getattr__ = lazy_exports(__name__, __package__, {"Client": ".api"})  # doctest: +SKIP
    """

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(import_module(where[name], package), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
