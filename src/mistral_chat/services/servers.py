"""Servers that are not Mistral's: vLLM, llama.cpp, Ollama and other OpenAI-compatible ones.

For a base URL outside mistral.ai, mistral-chat asks for no key unless the server does (a 401
without a key says to set one), picks the server's own model when none is set, and lets the
server decide whether a model reads images when its model list says nothing of capabilities.

    >>> is_mistral_url("https://api.mistral.ai"), is_mistral_url("http://127.0.0.1:11434")
    (True, False)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .catalog import ModelCatalog

__all__ = ["is_mistral_url", "server_default_model"]


def is_mistral_url(url: str) -> bool:
    """Whether `url` is Mistral's API (api.mistral.ai, or another host under mistral.ai)."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host == "mistral.ai" or host.endswith(".mistral.ai")


def server_default_model(catalog: ModelCatalog, fallback: str) -> str:
    """The model to use on a server that is not Mistral's when none was chosen.

    `fallback` (mistral-small-latest) when the server offers it (a Mistral-compatible server,
    the emulator); else the server's only model, or its first chat model (a model whose
    capabilities are unknown may chat). `fallback` too when the list cannot be read; a server
    that wants a key says so (`AuthenticationError` propagates).
    """
    from ..api.errors import AuthenticationError, MistralError, PermissionDeniedError
    from .catalog import CACHE_FRESH_SECONDS, find_model

    try:
        result = catalog.models(max_age=CACHE_FRESH_SECONDS)
    except (AuthenticationError, PermissionDeniedError):
        raise
    except MistralError:
        return fallback  # no /v1/models (404...): the chat request will say what is wrong
    if result.source == "bundled" or find_model(result.models, fallback) is not None:
        return fallback
    models = result.models
    if len(models) == 1:
        return models[0].id
    chat = [m for m in models if not m.capabilities_known or "completion_chat" in m.capabilities]
    return chat[0].id if chat else fallback
