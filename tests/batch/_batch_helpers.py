"""Helpers for the batch tests: spec validation (the whole published spec), inputs, polling."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

FULL_SPEC = Path(__file__).parent.parent / "data" / "mistral-openapi.yaml"
AUTH = {"Authorization": "Bearer test-key"}


@cache
def _registry() -> Registry[Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec = yaml.load(FULL_SPEC.read_text(), Loader=loader)
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    return registry


def check(instance: Any, schema: str) -> None:
    """Validate against ``#/components/schemas/<schema>`` of the vendored spec."""
    ref = {"$ref": f"urn:spec#/components/schemas/{schema}"}
    validator = Draft202012Validator(
        ref, registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(instance)


#: the spec's request body schema of each endpoint a batch line may target
BODY_SCHEMAS = {
    "/v1/chat/completions": "ChatCompletionRequest",
    "/v1/fim/completions": "FIMCompletionRequest",
    "/v1/embeddings": "EmbeddingRequest",
    "/v1/moderations": "ClassificationRequest",
    "/v1/ocr": "OCRRequest",
}


def write_csv(path: Path, rows: int, columns: tuple[str, ...] = ("id", "title")) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for i in range(rows):
            writer.writerow([str(i), *(f"{c} {i}" for c in columns[1:])])
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def until(condition: Callable[[], Any], timeout: float = 20.0) -> Any:
    """Poll ``condition`` until it returns something true (tests never assert on timing:
    the timeout only stops a broken test from hanging)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("the condition never held")
        time.sleep(0.02)
