"""The vendored OpenAPI spec, for tests that check a request body the way the API would."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

SPEC_PATH = Path(__file__).parent / "data" / "mistral-openapi.yaml"

__all__ = ["body_errors"]


@cache
def _spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: the spec is large
    return yaml.load(SPEC_PATH.read_text(), Loader=loader)  # type: ignore[no-any-return]


@cache
def _validator(path: str, method: str) -> jsonschema.Draft202012Validator:
    spec = _spec()
    body = spec["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    if "$ref" in body:  # the request object itself, so its additionalProperties applies
        body = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return jsonschema.Draft202012Validator({**body, "components": spec["components"]})


def body_errors(path: str, method: str, body: Any) -> list[str]:
    """What the spec finds wrong with a request body ([] when it is valid)."""
    return [error.message for error in _validator(path, method).iter_errors(body)]
