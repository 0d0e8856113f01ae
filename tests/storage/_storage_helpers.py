"""Helpers shared by the storage tests (imported by name: tests/ is not a package)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mistral_chat

SRC = str(Path(mistral_chat.__file__).resolve().parents[1])


class StepClock:
    """A frozen clock that moves one millisecond each time it is read."""

    def __init__(self, start: datetime = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


def run_python(code: str, *args: str, **kwargs: object) -> subprocess.Popen[str]:
    """Start a Python subprocess that can import mistral_chat from this checkout."""
    # without COVERAGE_* variables: measuring a subprocess imports sqlite3 into it
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = SRC + os.pathsep + os.environ.get("PYTHONPATH", "")
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", code, *args], env=env, text=True, **kwargs
    )
