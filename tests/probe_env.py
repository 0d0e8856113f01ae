"""The environment for a subprocess that checks what an import loads.

Under `pytest --cov`, coverage measures subprocesses by passing COVERAGE_* variables; the
measuring itself imports sqlite3 and more, so an import probe runs without them.
"""

from __future__ import annotations

import os


def probe_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env.update(extra)
    return env
