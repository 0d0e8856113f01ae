"""Where the API key is stored: the OS keyring when a real backend exists, else config.toml.

keyring is imported only when a key is looked up, and a backend that cannot store anything
(`keyring.backends.fail.Keyring`, the null backend, a chainer with nothing behind it) counts as
no keyring at all, so headless machines and tests fall back to the 0600 config file.

    >>> describe_key("sk-0123456789abcd")
    '...abcd'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mistral_chat.errors import AuthError

from .settings import load_config, save_config

__all__ = [
    "BAD_KEY_CHARACTERS",
    "KEYRING_SERVICE",
    "InvalidAPIKey",
    "NoAPIKey",
    "delete_key",
    "describe_key",
    "keyring_available",
    "keyring_get",
    "plausible_key",
    "store_key",
]

KEYRING_SERVICE = "mistral-chat"
NO_KEY_MESSAGE = (
    "no API key found; run `mistral-chat auth login` or set MISTRAL_API_KEY (or try --emulator)"
)


class NoAPIKey(AuthError):
    """No key in the environment, the keyring or the config file."""

    def __init__(self, message: str = NO_KEY_MESSAGE) -> None:
        super().__init__(message)


#: what is wrong with a key that `plausible_key` refuses
BAD_KEY_CHARACTERS = "holds characters an API key never has (non-ASCII or control characters)"


class InvalidAPIKey(NoAPIKey):
    """The key found cannot be sent: it holds characters no HTTP header carries (exit 3)."""


def plausible_key(key: str) -> bool:
    """True when every character of `key` is printable ASCII (all an HTTP header can carry).

    >>> plausible_key("sk-0123"), plausible_key("clé")
    (True, False)
    """
    return all(0x21 <= ord(ch) <= 0x7E for ch in key)


def describe_key(key: str | None) -> str:
    """How a key may be shown: `...` and its last four characters (less for short keys)."""
    if not key:
        return "(none)"
    return f"...{key[-4:]}" if len(key) >= 8 else "..."


def _username(profile: str | None) -> str:
    return profile or "default"


def _backend() -> Any | None:
    """The keyring backend, or None when there is no usable one."""
    try:
        import keyring
        from keyring.backends import chainer, fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring setup must not break the CLI
        return None
    if isinstance(backend, fail.Keyring) or type(backend).__module__.endswith(".null"):
        return None
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return None
    return backend


def keyring_available() -> bool:
    return _backend() is not None


def keyring_get(profile: str | None) -> str | None:
    """The stored key for `profile` (None = default), or None; never raises."""
    backend = _backend()
    if backend is None:
        return None
    try:
        value = backend.get_password(KEYRING_SERVICE, _username(profile))
    except Exception:  # noqa: BLE001 - locked or broken keyrings read as "no key"
        return None
    return value if isinstance(value, str) and value else None


def store_key(key: str, profile: str | None, config_path: Path) -> str:
    """Save the key; returns where: "keyring" or "config" (the file is written 0600)."""
    backend = _backend()
    if backend is not None:
        try:
            backend.set_password(KEYRING_SERVICE, _username(profile), key)
        except Exception:  # noqa: BLE001 - fall back to the config file
            pass
        else:
            _remove_from_config(profile, config_path)
            return "keyring"
    data = load_config(config_path)
    table = data if profile is None else data.setdefault("profiles", {}).setdefault(profile, {})
    table["api_key"] = key
    save_config(config_path, data)
    return "config"


def delete_key(profile: str | None, config_path: Path) -> list[str]:
    """Remove the stored key from the keyring and the config file; returns where it was."""
    removed = []
    backend = _backend()
    if backend is not None:
        try:
            if backend.get_password(KEYRING_SERVICE, _username(profile)):
                backend.delete_password(KEYRING_SERVICE, _username(profile))
                removed.append("keyring")
        except Exception:  # noqa: BLE001 - nothing to delete, or the keyring is locked
            pass
    if _remove_from_config(profile, config_path):
        removed.append("config")
    return removed


def _remove_from_config(profile: str | None, config_path: Path) -> bool:
    data = load_config(config_path)
    table = data if profile is None else data.get("profiles", {}).get(profile, {})
    if "api_key" not in table:
        return False
    del table["api_key"]
    save_config(config_path, data)
    return True
