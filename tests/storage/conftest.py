from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _storage_helpers import StepClock

from mistral_chat.storage.history import HistoryStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "home" / "history.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[HistoryStore]:
    with HistoryStore(db_path, clock=StepClock()) as s:
        yield s
