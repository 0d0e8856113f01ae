"""The sync API is generated from the async one: editing one side only fails here."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
API = ROOT / "src" / "mistral_chat" / "api"


def test_sync_modules_are_generated_from_the_async_ones() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sync_twins_are_the_public_classes() -> None:
    import mistral_chat.api
    from mistral_chat import AsyncClient, Client
    from mistral_chat.api._async.client import AsyncClient as SourceClient
    from mistral_chat.api._sync.chat import Chat
    from mistral_chat.api._sync.client import Client as GeneratedClient
    from mistral_chat.api._sync.streaming import ChatStream

    assert Client is GeneratedClient is mistral_chat.api.Client
    assert AsyncClient is SourceClient is mistral_chat.api.AsyncClient
    assert mistral_chat.api.ChatStream is ChatStream
    assert type(Client(api_key="k" * 32).chat) is Chat


@pytest.mark.parametrize("path", sorted((API / "_async").glob("*.py")), ids=lambda p: p.name)
def test_the_twins_import_only_public_names(path: Path) -> None:
    # what the twins share lives in modules they import by public names: a private name
    # imported from elsewhere is a helper without a home
    private = [
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.name.startswith("_") and alias.name != "__future__"
    ]
    assert not private
