from __future__ import annotations

from collections.abc import Iterator

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator() as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> Iterator[Client]:
    emu.clear_faults()
    with Client("test-key", base_url=emu.base_url + "/v1") as c:
        yield c
