"""Helpers for the emulator tests: spec validation, SSE parsing, test images."""

from __future__ import annotations

import base64
import io
import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import yaml
from jsonschema import Draft202012Validator
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC = Path(__file__).parent.parent / "data" / "mistral-openapi.min.yaml"
# The whole published spec, for what the trimmed one leaves out (OCR).
FULL_SPEC = Path(__file__).parent.parent / "data" / "mistral-openapi.yaml"
AUTH = {"Authorization": "Bearer test-key"}


@cache
def load_spec(full: bool = False) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load((FULL_SPEC if full else SPEC).read_text(), Loader=loader)


@cache
def _registry(full: bool = False) -> Registry[Any]:
    resource = Resource.from_contents(load_spec(full), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource("urn:spec", resource)
    return registry


def check(instance: Any, schema: str, *, full: bool = False) -> None:
    """Validate ``instance`` against ``#/components/schemas/<schema>`` of the spec
    (the whole published one with ``full``)."""
    ref = {"$ref": f"urn:spec#/components/schemas/{schema}"}
    validator = Draft202012Validator(
        ref, registry=_registry(full), format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    validator.validate(instance)


def check_op(instance: Any, path: str, method: str = "get") -> None:
    """Validate against an operation's inline 200 schema (e.g. retrieve model's oneOf)."""
    ref = {
        "$ref": "urn:spec#/paths/"
        + path.replace("~", "~0").replace("/", "~1")
        + f"/{method}/responses/200/content/application~1json/schema"
    }
    Draft202012Validator(ref, registry=_registry()).validate(instance)


def sse_data(lines: list[str]) -> list[Any]:
    """The JSON payloads of ``data:`` lines, with ``[DONE]`` kept as a string."""
    out: list[Any] = []
    for line in lines:
        if line.startswith("data: "):
            payload = line.removeprefix("data: ")
            out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def image_uri(fmt: str, size: tuple[int, int] = (64, 48), colour: Any = (255, 0, 0)) -> str:
    mode = "P" if fmt == "GIF" else "RGB"
    img = Image.new("RGB", size, colour)
    if mode == "P":
        img = img.convert("P")
    buf = io.BytesIO()
    img.save(buf, fmt)
    mime = Image.MIME[fmt]
    return f"data:{mime};base64," + base64.b64encode(buf.getvalue()).decode()


def chat(client: httpx2.Client, messages: list[dict[str, Any]], **extra: Any) -> httpx2.Response:
    body = {"model": "mistral-small-latest", "messages": messages, **extra}
    return client.post("/v1/chat/completions", json=body)


def reply_text(response: httpx2.Response) -> str:
    assert response.status_code == 200, response.text
    check(response.json(), "ChatCompletionResponse")
    content = response.json()["choices"][0]["message"]["content"]
    if isinstance(content, list):
        return "".join(c["text"] for c in content if c["type"] == "text")
    return str(content)
