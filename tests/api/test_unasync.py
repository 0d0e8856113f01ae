"""The sync API is generated from the async one: editing one side only fails here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_sync_modules_are_generated_from_the_async_ones() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "unasync.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sync_twins_are_the_public_classes() -> None:
    from mistral_chat import AsyncClient, Client
    from mistral_chat.api import _client, streaming
    from mistral_chat.api._async.client import AsyncClient as SourceClient
    from mistral_chat.api._sync.client import Client as GeneratedClient
    from mistral_chat.api._sync.streaming import ChatStream
    from mistral_chat.api.resources import chat, files, models

    assert Client is GeneratedClient is _client.Client
    assert AsyncClient is SourceClient is _client.AsyncClient
    assert streaming.ChatStream is ChatStream
    assert chat.Chat.__module__ == "mistral_chat.api._sync.chat"
    assert files.AsyncFiles.__module__ == "mistral_chat.api._async.files"
    assert models.Models.__module__ == "mistral_chat.api._sync.models"
