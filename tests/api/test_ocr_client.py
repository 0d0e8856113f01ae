"""`client.ocr.process`: the request validates against the spec's OCRRequest, the spec's own
example answer decodes, and nothing the spec lacks is ever sent."""

from __future__ import annotations

import asyncio
import json
from functools import cache
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import pytest
import yaml

from mistral_chat.api import AsyncClient, Client, content
from mistral_chat.api.resources.ocr import build_ocr_body
from mistral_chat.api.types import OCRResponse

FULL_SPEC = Path(__file__).parents[1] / "data" / "mistral-openapi.yaml"


@cache
def spec() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader: the spec is large
    return yaml.load(FULL_SPEC.read_text(), Loader=loader)  # type: ignore[no-any-return]


def _schema(name: str) -> dict[str, Any]:
    return {**spec()["components"]["schemas"][name], "components": spec()["components"]}


def _example() -> dict[str, Any]:
    media = spec()["paths"]["/v1/ocr"]["post"]["responses"]["200"]["content"]["application/json"]
    return media["examples"]["userExample"]["value"]  # type: ignore[no-any-return]


class Recorder:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        assert request.url.path == "/v1/ocr" and request.method == "POST"
        self.bodies.append(json.loads(request.read()))
        return httpx2.Response(200, json=_example())


@pytest.mark.parametrize(
    "document",
    [
        content.document_url("https://example.com/report.pdf", name="report.pdf"),
        content.image_url("data:image/png;base64,iVBORw0KGgo="),
        content.file_chunk("3b6d2c1e-0b7a-4b5e-9d3f-2a1c5e7f9b10"),
    ],
)
def test_request_validates_and_example_answer_decodes(document: dict[str, Any]) -> None:
    recorder = Recorder()
    with Client("k", base_url="https://api.example", transport=httpx2.MockTransport(recorder)) as c:
        answer = c.ocr.process(
            "mistral-ocr-latest",
            document,
            pages=[0, 2],
            include_image_base64=True,
            image_limit=4,
            image_min_size=50,
            table_format="markdown",
            extract_header=True,
            extract_footer=True,
        )
    body = recorder.bodies[0]
    jsonschema.Draft202012Validator(_schema("OCRRequest")).validate(body)
    assert body["document"] == document and body["pages"] == [0, 2]
    expected = _example()
    assert [p.index for p in answer.pages] == [p["index"] for p in expected["pages"]]
    assert answer.pages[0].markdown == expected["pages"][0]["markdown"]
    assert answer.model == expected["model"]
    assert answer.usage_info is not None
    assert answer.usage_info.pages_processed == expected["usage_info"]["pages_processed"]


def test_absent_options_are_not_sent_and_unknown_ones_refused() -> None:
    doc = content.document_url("https://example.com/a.pdf")
    assert build_ocr_body("m", doc, {"pages": None}) == {"model": "m", "document": doc}
    with pytest.raises(TypeError, match="unknown OCR option 'dpi'"):
        build_ocr_body("m", doc, {"dpi": 300})  # type: ignore[typeddict-unknown-key]


def test_async_client_reads_the_same_answer() -> None:
    recorder = Recorder()

    async def main() -> OCRResponse:
        transport = httpx2.MockTransport(recorder)
        async with AsyncClient("k", base_url="https://api.example", transport=transport) as c:
            return await c.ocr.process("mistral-ocr-latest", content.file_chunk("f"))

    answer = asyncio.run(main())
    assert answer.pages and recorder.bodies == [
        {"model": "mistral-ocr-latest", "document": {"type": "file", "file_id": "f"}}
    ]
