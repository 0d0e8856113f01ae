"""OCR: ``POST /v1/ocr`` validated from the spec, pages that describe what was received."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx2
import msgspec
import pytest
from _emulator_helpers import check, image_uri, load_spec
from jsonschema import Draft202012Validator
from PIL import Image
from test_files import upload

from mistral_chat.emulator import Emulator
from mistral_chat.emulator.ocr import pdf_pages
from mistral_chat.emulator.request_bodies import OCRRequest

MODEL = "mistral-ocr-latest"
A4 = {"dpi": 200, "height": 2339, "width": 1654}


def make_pdf(pages: int) -> bytes:
    """A real PDF written by Pillow, one coloured page per image."""
    colours = ["red", "green", "blue", "white", "black"]
    images = [Image.new("RGB", (60, 80), colours[i % len(colours)]) for i in range(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:])
    return buf.getvalue()


def ocr(client: httpx2.Client, document: dict[str, Any], **extra: Any) -> httpx2.Response:
    return client.post("/v1/ocr", json={"model": MODEL, "document": document, **extra})


def ok(response: httpx2.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    check(body, "OCRResponse", full=True)
    return body


@pytest.fixture
def pdf_file(client: httpx2.Client) -> tuple[dict[str, Any], bytes]:
    data = make_pdf(3)
    return upload(client, "report.pdf", data, purpose="ocr"), data


def test_pdf_by_file_id(client: httpx2.Client, pdf_file: tuple[dict[str, Any], bytes]) -> None:
    stored, data = pdf_file
    body = ok(ocr(client, {"type": "file", "file_id": stored["id"]}))
    line = f"Document: report.pdf ({len(data)} bytes, application/pdf) via file {stored['id']}"
    assert body == {
        "pages": [
            {
                "index": i,
                "markdown": f"# Page {i + 1} of 3\n\n{line}",
                "images": [],
                "dimensions": A4,
            }
            for i in range(3)
        ],
        "model": MODEL,
        "usage_info": {"pages_processed": 3, "doc_size_bytes": len(data)},
    }


def test_pdf_by_signed_url_and_page_selection(
    client: httpx2.Client, pdf_file: tuple[dict[str, Any], bytes]
) -> None:
    stored, data = pdf_file
    url = client.get(f"/v1/files/{stored['id']}/url").json()["url"]
    # The spec's FileChunk and DocumentURLChunk give ``type`` a default: it may be left out.
    body = ok(ocr(client, {"document_url": url}, pages=[2, 0, 2]))
    assert [p["index"] for p in body["pages"]] == [0, 2]
    assert body["pages"][1]["markdown"] == (
        f"# Page 3 of 3\n\nDocument: report.pdf ({len(data)} bytes, application/pdf) via signed URL"
    )
    assert body["usage_info"] == {"pages_processed": 2, "doc_size_bytes": len(data)}
    ranged = ok(ocr(client, {"file_id": stored["id"]}, pages="1-2"))
    assert [p["index"] for p in ranged["pages"]] == [1, 2]
    assert [
        p["index"] for p in ok(ocr(client, {"file_id": stored["id"]}, pages="0,2"))["pages"]
    ] == [
        0,
        2,
    ]


@pytest.mark.parametrize(
    ("pages", "named"),
    [([3, -1, 1, 7], "-1, 3, 7"), ("0,2-5", "3-5"), ("4", "4")],
)
def test_pages_out_of_range(
    client: httpx2.Client, pdf_file: tuple[dict[str, Any], bytes], pages: Any, named: str
) -> None:
    response = ocr(client, {"type": "file", "file_id": pdf_file[0]["id"]}, pages=pages)
    assert response.status_code == 400
    assert response.json() == {
        "object": "error",
        "message": f"Pages out of range: {named} (the document has 3 pages, numbered from 0).",
        "type": "invalid_request_error",
        "param": None,
        "code": "3000",
    }


def test_malformed_page_string(
    client: httpx2.Client, pdf_file: tuple[dict[str, Any], bytes]
) -> None:
    response = ocr(client, {"type": "file", "file_id": pdf_file[0]["id"]}, pages="2-1,x")
    assert response.status_code == 400
    assert "Invalid pages: '2-1,x'" in response.json()["message"]


def test_image_data_uri(client: httpx2.Client) -> None:
    uri = image_uri("PNG", (64, 48), (255, 0, 0))
    for document in ({"type": "image_url", "image_url": uri}, {"image_url": {"url": uri}}):
        body = ok(ocr(client, document))
        assert body["pages"] == [
            {
                "index": 0,
                "markdown": "# Page 1 of 1\n\n"
                "Image: PNG 64x48, dominant colour red (#ff0000), sent as data URI image/png",
                "images": [],
                "dimensions": {"dpi": 200, "height": 48, "width": 64},
            }
        ]
        assert body["usage_info"]["pages_processed"] == 1
        assert body["usage_info"]["doc_size_bytes"] > 0
    bad = ocr(client, {"type": "image_url", "image_url": "data:image/png;base64,AAAA"})
    assert bad.status_code == 400
    assert bad.json()["message"] == "The image could not be decoded."


def test_uploaded_image_and_other_files(client: httpx2.Client) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (30, 20), (0, 0, 255)).save(buf, "JPEG")
    image = upload(client, "scan.jpg", buf.getvalue(), purpose="ocr")
    body = ok(ocr(client, {"type": "file", "file_id": image["id"]}))
    assert body["pages"][0]["markdown"].startswith("# Page 1 of 1\n\nImage: JPEG 30x20, ")
    assert body["pages"][0]["markdown"].endswith(f"via file {image['id']}")
    assert body["pages"][0]["dimensions"] == {"dpi": 200, "height": 20, "width": 30}
    text = upload(client, "notes.txt", b"hello\n", purpose="ocr")
    body = ok(ocr(client, {"type": "file", "file_id": text["id"]}))
    assert body["pages"] == [
        {
            "index": 0,
            "markdown": "# Page 1 of 1\n\nDocument: notes.txt (6 bytes, text/plain) "
            f"via file {text['id']}",
            "images": [],
            "dimensions": A4,
        }
    ]


def test_urls_the_emulator_cannot_fetch(client: httpx2.Client) -> None:
    body = ok(ocr(client, {"type": "document_url", "document_url": "https://example.com/a.pdf"}))
    assert body["pages"] == [
        {
            "index": 0,
            "markdown": "# Page 1 of 1\n\nDocument: URL https://example.com/a.pdf",
            "images": [],
            "dimensions": A4,
        }
    ]
    assert body["usage_info"] == {"pages_processed": 1, "doc_size_bytes": None}
    image = ok(ocr(client, {"type": "image_url", "image_url": "https://example.com/cat.png"}))
    assert (
        image["pages"][0]["markdown"] == "# Page 1 of 1\n\nImage: URL https://example.com/cat.png"
    )
    assert image["pages"][0]["dimensions"] is None


def test_pdf_data_uri(client: httpx2.Client) -> None:
    data = make_pdf(2)
    uri = "data:application/pdf;base64," + base64.b64encode(data).decode()
    document = {"type": "document_url", "document_url": uri, "document_name": "two.pdf"}
    body = ok(ocr(client, document, pages=[1]))
    assert body["pages"][0]["markdown"] == (
        f"# Page 2 of 2\n\nDocument: two.pdf ({len(data)} bytes, application/pdf) as data URI"
    )


def test_forged_signed_url(client: httpx2.Client, pdf_file: tuple[dict[str, Any], bytes]) -> None:
    url = client.get(f"/v1/files/{pdf_file[0]['id']}/url").json()["url"]
    response = ocr(client, {"type": "document_url", "document_url": url + "0"})
    assert response.status_code == 400
    assert response.json()["message"] == "The document URL could not be fetched (HTTP 403)."


def test_models(client: httpx2.Client) -> None:
    document = {"type": "document_url", "document_url": "https://example.com/a.pdf"}
    for name in ("mistral-ocr-latest", "mistral-ocr-4-1", "mistral-ocr-4"):
        assert (
            ok(client.post("/v1/ocr", json={"model": name, "document": document}))["model"] == name
        )
    chat = client.post("/v1/ocr", json={"model": "mistral-small-latest", "document": document})
    assert chat.status_code == 400
    assert chat.json() == {
        "object": "error",
        "message": "Model mistral-small-latest does not support OCR.",
        "type": "invalid_model",
        "param": None,
        "code": "1500",
    }
    for name in ("no-such-model", None):
        unknown = client.post("/v1/ocr", json={"model": name, "document": document})
        assert unknown.status_code == 400
        assert unknown.json()["message"] == f"Invalid model: {name}"
        assert unknown.json()["type"] == "invalid_model"


def test_unknown_file_is_404(client: httpx2.Client) -> None:
    file_id = "abcdefab-1234-4234-8234-123456789012"
    response = ocr(client, {"type": "file", "file_id": file_id})
    assert response.status_code == 404
    assert response.json() == {
        "object": "error",
        "message": f"File {file_id} not found.",
        "type": "not_found_error",
        "param": None,
        "code": "3001",
    }


def test_every_problem_is_listed(client: httpx2.Client) -> None:
    body = {
        "model": 3,
        "document": {"type": "file", "file_id": "nope", "extra": 1},
        "pages": [1, "two"],
        "image_limit": "many",
        "table_format": "xml",
        "include_blocks": "yes",
        "foo": 1,
    }
    response = client.post("/v1/ocr", json=body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    check(response.json(), "HTTPValidationError", full=True)
    assert [(d["type"], d["loc"]) for d in detail] == [
        ("string_type", ["body", "model"]),
        ("uuid_parsing", ["body", "document", "file_id"]),
        ("extra_forbidden", ["body", "document", "extra"]),
        ("int_type", ["body", "pages", 1]),
        ("int_type", ["body", "image_limit"]),
        ("enum", ["body", "table_format"]),
        ("bool_type", ["body", "include_blocks"]),
        ("extra_forbidden", ["body", "foo"]),
    ]


@pytest.mark.parametrize(
    ("body", "type_", "loc"),
    [
        ({"document": {"document_url": "x"}}, "missing", ["body", "model"]),
        ({"model": MODEL}, "missing", ["body", "document"]),
        ({"model": MODEL, "document": {}}, "union_tag_not_found", ["body", "document"]),
        (
            {"model": MODEL, "document": {"type": "video"}},
            "union_tag_invalid",
            ["body", "document"],
        ),
        ({"model": MODEL, "document": "https://x"}, "dict_type", ["body", "document"]),
        (
            {"model": MODEL, "document": {"type": "document_url"}},
            "missing",
            ["body", "document", "document_url"],
        ),
        (
            {"model": MODEL, "document": {"image_url": {"url": "x", "detail": "max"}}},
            "enum",
            ["body", "document", "image_url", "detail"],
        ),
        (
            {"model": MODEL, "document": {"file_id": 3}},
            "uuid_type",
            ["body", "document", "file_id"],
        ),
        (
            {"model": MODEL, "document": {"document_url": "x"}, "pages": 3.5},
            "string_type",
            ["body", "pages"],
        ),
    ],
)
def test_validation_entries(client: httpx2.Client, body: Any, type_: str, loc: list[Any]) -> None:
    response = client.post("/v1/ocr", json=body)
    assert response.status_code == 422, response.text
    assert [(d["type"], d["loc"]) for d in response.json()["detail"]] == [(type_, loc)]


def test_every_spec_field_is_accepted(client: httpx2.Client) -> None:
    schema = {"type": "json_schema", "json_schema": {"name": "doc", "schema": {
        "type": "object",
        "properties": {"summary": {"type": "string"}},
        "required": ["summary"],
    }}}  # fmt: skip
    body = {
        "model": MODEL,
        "document": {"type": "document_url", "document_url": "https://example.com/a.pdf"},
        "pages": "0",
        "include_image_base64": True,
        "image_limit": 3,
        "image_min_size": 10,
        "bbox_annotation_format": schema,
        "document_annotation_format": schema,
        "document_annotation_prompt": "Summarise",
        "table_format": "html",
        "extract_header": True,
        "extract_footer": False,
        "include_blocks": False,
        "confidence_scores_granularity": "page",
    }
    spec = load_spec(full=True)
    request_schema = {
        **spec["components"]["schemas"]["OCRRequest"],
        "components": spec["components"],
    }
    Draft202012Validator(request_schema).validate(body)
    result = ok(client.post("/v1/ocr", json=body))
    assert result["document_annotation"] == (
        '{"summary": "You said: Document: URL https://example.com/a.pdf"}'
    )
    # Nothing else is echoed: only the spec's required keys (and the asked-for annotation).
    assert set(result) == {"pages", "model", "usage_info", "document_annotation"}
    assert set(result["pages"][0]) == {"index", "markdown", "images", "dimensions"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"document_annotation_format": {"type": "json_object"}}, "only type json_schema"),
        ({"bbox_annotation_format": {"type": "text"}}, "only type json_schema"),
        ({"document_annotation_prompt": "x"}, "requires a document_annotation_format"),
    ],
)
def test_annotation_formats_refused(client: httpx2.Client, extra: Any, message: str) -> None:
    document = {"type": "document_url", "document_url": "https://example.com/a.pdf"}
    response = ocr(client, document, **extra)
    assert response.status_code == 400
    assert message in response.json()["message"]


def test_request_struct_follows_the_spec() -> None:
    properties = load_spec(full=True)["components"]["schemas"]["OCRRequest"]["properties"]
    fields = [f.encode_name for f in msgspec.structs.fields(OCRRequest)]
    assert fields == list(properties)


def test_recorded_and_faults(client: httpx2.Client, emu: Emulator) -> None:
    document = {"type": "document_url", "document_url": "https://example.com/a.pdf"}
    emu.inject("status", status=503, path="/v1/ocr")
    assert ocr(client, document).status_code == 503
    ok(ocr(client, document))
    recorded = [r for r in emu.requests if r.path == "/v1/ocr"]
    assert len(recorded) == 2
    assert recorded[-1].method == "POST"
    assert recorded[-1].json == {"model": MODEL, "document": document}


def test_deterministic(client: httpx2.Client, pdf_file: tuple[dict[str, Any], bytes]) -> None:
    document = {"type": "file", "file_id": pdf_file[0]["id"]}
    assert ocr(client, document).content == ocr(client, document).content


@pytest.mark.parametrize("size", [1, 5, 16, 17, 1000])
def test_pdf_pages_across_chunks(size: int) -> None:
    data = make_pdf(4) + b"/Type/Page /Type  /Pages"
    chunks = [data[i : i + size] for i in range(0, len(data), size)]
    assert pdf_pages(chunks) == 5
    assert pdf_pages([b"%PDF-1.4 nothing here"]) == 1
