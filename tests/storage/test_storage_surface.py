"""The storage package's public names, and its cheap import."""

from __future__ import annotations

import subprocess

import pytest
from _storage_helpers import run_python

import mistral_chat.storage as storage


def test_every_exported_name_resolves() -> None:
    assert sorted(storage.__all__) == sorted(set(storage.__all__))
    for name in storage.__all__:
        assert getattr(storage, name) is not None
    assert set(dir(storage)) >= set(storage.__all__)
    with pytest.raises(AttributeError):
        storage.NoSuchThing  # noqa: B018


def test_errors_import_without_sqlite3() -> None:
    code = (
        "import sys\n"
        "import mistral_chat.storage\n"
        "from mistral_chat.storage.errors import HistoryError\n"
        "print('sqlite3' in sys.modules)\n"
    )
    proc = run_python(code, stdout=subprocess.PIPE)
    out, _ = proc.communicate(timeout=30)
    assert out.strip() == "False"


def test_store_documents_its_data_model() -> None:
    doc = storage.HistoryStore.__doc__ or ""
    for word in ("conversations", "messages", "attachments", "messages_fts", "Example"):
        assert word in doc
