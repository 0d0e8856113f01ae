"""Fixtures for the batch tests: an emulator whose jobs finish quickly, an HTTP client on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from _batch_helpers import AUTH

from mistral_chat.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A fresh emulator whose batch jobs queue for no time and run for 0.2 s."""
    with Emulator() as emulator:
        emulator.app.batch.timing.queued = 0.0
        emulator.app.batch.timing.running = 0.2
        yield emulator


@pytest.fixture
def http(emu: Emulator) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=emu.base_url, headers=AUTH, timeout=30) as client:
        yield client


@pytest.fixture
def batch_cli(emu: Emulator, tmp_path: Any) -> Any:
    """``batch_cli(*args, input=None, timeout=120) -> (code, stdout, stderr)``: a real
    `mistral-chat` process against ``emu`` (MISTRAL_CHAT_HOME is the test's)."""
    import subprocess
    import sys

    from cli_support import cli_env

    def run(*args: str, input: bytes | None = None, timeout: float = 120) -> tuple[int, str, str]:
        env = cli_env(env={"MISTRAL_BASE_URL": emu.base_url, "MISTRAL_API_KEY": "test"})
        proc = subprocess.run(
            [sys.executable, "-m", "mistral_chat", *args],
            input=input,
            capture_output=True,
            env=env,
            cwd=tmp_path,
            timeout=timeout,
            check=False,
        )
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    return run
