from __future__ import annotations

import stat
from pathlib import Path

from mistral_chat.services import credentials
from mistral_chat.services.credentials import (
    NoAPIKey,
    delete_key,
    describe_key,
    keyring_available,
    keyring_get,
    store_key,
)
from mistral_chat.services.settings import load_config


def test_describe_key_never_shows_more_than_four_chars() -> None:
    assert describe_key("sk-0123456789abcd") == "...abcd"
    assert describe_key("short") == "..."
    assert describe_key(None) == "(none)"
    assert "auth login" in str(NoAPIKey()) and "MISTRAL_API_KEY" in str(NoAPIKey())


def test_fail_backend_means_no_keyring_and_config_fallback(tmp_path: Path) -> None:
    # the autouse fixture sets PYTHON_KEYRING_BACKEND=keyring.backends.fail.Keyring
    assert not keyring_available() and keyring_get(None) is None
    path = tmp_path / "config.toml"
    assert store_key("sk-test-key-0001", None, path) == "config"
    assert store_key("sk-work-key-0002", "work", path) == "config"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = load_config(path)
    assert data["api_key"] == "sk-test-key-0001"
    assert data["profiles"]["work"]["api_key"] == "sk-work-key-0002"
    assert delete_key("work", path) == ["config"]
    assert delete_key("work", path) == []
    assert load_config(path)["api_key"] == "sk-test-key-0001"


class _MemoryKeyring:
    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, user: str) -> str | None:
        return self.store.get((service, user))

    def set_password(self, service: str, user: str, value: str) -> None:
        self.store[(service, user)] = value

    def delete_password(self, service: str, user: str) -> None:
        del self.store[(service, user)]


def test_real_backend_is_used_and_config_copy_removed(tmp_path: Path, monkeypatch) -> None:
    ring = _MemoryKeyring()
    monkeypatch.setattr(credentials, "_backend", lambda: ring)
    path = tmp_path / "config.toml"
    store_key("old-config-key", None, path)  # backend patched: this goes to the keyring
    assert ring.store == {("mistral-chat", "default"): "old-config-key"}
    assert keyring_get(None) == "old-config-key" and keyring_get("work") is None
    assert delete_key(None, path) == ["keyring"] and ring.store == {}
