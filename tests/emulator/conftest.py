"""Fixtures: a fresh emulator per test and an httpx2 client for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from _emulator_helpers import AUTH

from mistral_chat.emulator import Emulator


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=emu.base_url, headers=AUTH, timeout=10) as c:
        yield c
