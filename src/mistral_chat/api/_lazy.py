"""PEP 562 lazy exports: a module's heavier names are imported on first use, not with it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any


def lazy_exports(
    module: str, package: str | None, where: Mapping[str, str]
) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `name` from `where[name]` (relative to `package`)."""

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(import_module(where[name], package), name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
