"""The emulator's model catalog, built from the bundled model facts.

Cards follow the spec's ``BaseModelCard`` / ``FTModelCard``. Capability flags are derived
from each model's input/output modalities and feature tags, so they are true to the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib import resources
from typing import Any

from mistral_chat.data.facts import capabilities, context_tokens

__all__ = ["FINE_TUNED_ID", "ModelCatalog", "ServedModel"]

# One card per family, newest generally-available version; magistral is the single
# deprecated-but-served model so clients can show a deprecation notice.
_SERVED_SLUGS = (
    "mistral-large-3-25-12",
    "mistral-medium-3-5-26-04",
    "mistral-small-4-0-26-03",
    "ministral-3-14b-25-12",
    "ministral-3-8b-25-12",
    "ministral-3-3b-25-12",
    "magistral-medium-1-2-25-09",
    "codestral-25-08",
    "voxtral-small-25-07",
    "ocr-4-1",
    "mistral-embed-23-12",
    "mistral-moderation-26-03",
    # the specialists of /v1/audio/*, and the embedding model with dimensions and dtypes
    "voxtral-mini-transcribe-26-02",
    "voxtral-tts-26-03",
    "codestral-embed-25-05",
)
_DEPRECATED_SLUG = "magistral-medium-1-2-25-09"

FINE_TUNED_ID = "ft:mistral-small-latest:abc123:20250101:a1b2c3d4"
_FT_ROOT = "mistral-small-latest"
_FT_JOB = "5e7f1c3a-8b2d-4c6e-9f0a-1b2c3d4e5f60"


@dataclass(frozen=True)
class ServedModel:
    """A model the emulator serves: its card and what chat may do with it."""

    card: dict[str, Any]
    names: tuple[str, ...]

    @property
    def chat(self) -> bool:
        return bool(self.card["capabilities"]["completion_chat"])

    @property
    def vision(self) -> bool:
        return bool(self.card["capabilities"]["vision"])

    @property
    def ocr(self) -> bool:
        return bool(self.card["capabilities"]["ocr"])

    @property
    def context_length(self) -> int:
        return int(self.card["max_context_length"])

    @property
    def reasoning(self) -> bool:
        return bool(self.card["capabilities"]["reasoning"])

    def card_as(self, name: str) -> dict[str, Any]:
        """The card as the API shows it when asked for it under ``name``."""
        if self.card.get("type") == "fine-tuned" or name == self.card["id"]:
            return dict(self.card)
        card = dict(self.card)
        card["id"] = name
        card["aliases"] = [n for n in self.names if n != name]
        return card


def _context_tokens(text: str | None) -> int:
    """'128k' -> 131072; unknown -> the spec's default."""
    tokens = context_tokens(text)
    return 32768 if tokens is None else tokens


def _unix(day: str) -> int:
    return int(datetime.combine(date.fromisoformat(day), time(), UTC).timestamp())


def _describe(fact: dict[str, Any]) -> str:
    return (
        f"{fact['name']}: {fact['class'].lower()} model; input {', '.join(fact['input'])}; "
        f"output {', '.join(fact['output'])}. Released {fact['release_date']}."
    )


class ModelCatalog:
    """The models the emulator lists and accepts, looked up by id or alias."""

    def __init__(self) -> None:
        raw = resources.files("mistral_chat.data").joinpath("mistral-models.json").read_text()
        facts = {m["slug"]: m for m in json.loads(raw)["models"]}
        by_name = {f["name"]: f for f in facts.values() if f["status"] == "GA" and f["api_names"]}
        self._models: list[ServedModel] = []
        for slug in _SERVED_SLUGS:
            fact = facts[slug]
            names = tuple(fact["api_names"])
            card: dict[str, Any] = {
                "id": names[0],
                "object": "model",
                "created": _unix(fact["release_date"]),
                "owned_by": "mistralai",
                "capabilities": capabilities(fact),
                "name": names[0],
                "description": _describe(fact),
                "max_context_length": _context_tokens(fact["context_length"]),
                "aliases": list(names[1:]),
                "deprecation": None,
                "deprecation_replacement_model": None,
                "default_model_temperature": 0.7 if "reasoning" in fact["output"] else 0.3,
                "type": "base",
            }
            if slug == _DEPRECATED_SLUG:
                retire = fact["retirement_date"] or fact["deprecation_date"]
                card["deprecation"] = f"{retire}T00:00:00Z"
                replacement = by_name.get(str(fact["replacement"]))
                card["deprecation_replacement_model"] = (
                    replacement["api_names"][-1] if replacement else None
                )
            if not card["capabilities"]["completion_chat"]:
                card["default_model_temperature"] = None
            self._models.append(ServedModel(card, names))
        self._models.append(self._fine_tuned())
        self._index = {name: m for m in self._models for name in m.names}

    def _fine_tuned(self) -> ServedModel:
        root = next(m for m in self._models if _FT_ROOT in m.names)
        card: dict[str, Any] = {
            "id": FINE_TUNED_ID,
            "object": "model",
            "created": _unix("2025-01-01"),
            "owned_by": "abc123",
            "capabilities": {**root.card["capabilities"], "fine_tuning": True},
            "name": None,
            "description": f"Fine-tuned from {_FT_ROOT}.",
            "max_context_length": root.card["max_context_length"],
            "aliases": [],
            "deprecation": None,
            "deprecation_replacement_model": None,
            "default_model_temperature": root.card["default_model_temperature"],
            "type": "fine-tuned",
            "job": _FT_JOB,
            "root": _FT_ROOT,
            "archived": False,
        }
        return ServedModel(card, (FINE_TUNED_ID,))

    def cards(self) -> list[dict[str, Any]]:
        """All cards, as ``GET /v1/models`` lists them."""
        return [dict(m.card) for m in self._models]

    def delete(self, name: str) -> None:
        """Forget a fine-tuned model, as ``DELETE /v1/models/{id}`` does."""
        model = self._index.pop(name, None)
        if model is not None:
            self._models.remove(model)

    def find(self, name: str) -> ServedModel | None:
        """The model known by ``name`` (an id or an alias), if served."""
        return self._index.get(name)
