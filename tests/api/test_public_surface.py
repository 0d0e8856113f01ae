"""The package's public surface: every exported name resolves, and nothing heavy loads early."""

from __future__ import annotations

import subprocess
import sys

import pytest

import mistral_chat
import mistral_chat.api
from mistral_chat.api import errors
from probe_env import probe_env


@pytest.mark.parametrize("module", [mistral_chat, mistral_chat.api, errors])
def test_every_exported_name_resolves(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names and len(names) == len(set(names))
    for name in names:
        assert getattr(module, name) is not None, name


def test_top_level_exports_are_the_api_classes() -> None:
    assert mistral_chat.Client is mistral_chat.api.Client
    assert mistral_chat.AsyncClient is mistral_chat.api.AsyncClient
    assert mistral_chat.MistralError is errors.MistralError
    assert issubclass(mistral_chat.RateLimitError, mistral_chat.APIStatusError)
    assert issubclass(mistral_chat.APITimeoutError, mistral_chat.APIConnectionError)
    with pytest.raises(AttributeError):
        _ = mistral_chat.NoSuchThing  # type: ignore[attr-defined]


def test_importing_client_loads_no_msgspec_asyncio_or_terminal_code() -> None:
    code = (
        "import sys\nfrom mistral_chat import Client\n"
        "heavy = [m for m in ('msgspec', 'asyncio', 'rich', 'PIL', 'prompt_toolkit', 'sqlite3')"
        " if m in sys.modules]\nprint(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=probe_env()
    )
    assert out.stdout.strip() == ""


def test_the_version_is_the_distribution_s() -> None:
    from importlib.metadata import version

    from mistral_chat.api._version import __version__

    assert mistral_chat.__version__ is __version__ == version("mistral-chat")
