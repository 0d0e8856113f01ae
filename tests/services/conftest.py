"""Fixtures the service tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mistral_chat.storage import HistoryStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[HistoryStore]:
    """A fresh history database in the test's own directory."""
    with HistoryStore(tmp_path / "history.db") as s:
        yield s
