"""Fixtures for the batch tests: an emulator whose jobs finish quickly, an HTTP client on it."""

from __future__ import annotations

from collections.abc import Iterator

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
