"""Request lines: one per row, deterministic custom_ids, and every body (and every job body the
client sends) valid against the vendored spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from _batch_helpers import BODY_SCHEMAS, check, write_csv

from mistral_chat.api import Client
from mistral_chat.services.batch.inputs import open_input
from mistral_chat.services.batch.plan import build_shards
from mistral_chat.services.batch.requests import (
    ENDPOINTS,
    RequestBuilder,
    RequestSpec,
    RowFailure,
)
from mistral_chat.services.batch.template import TemplateError
from mistral_chat.services.chat_options import response_format

SCHEMA = {"type": "object", "properties": {"summary": {"type": "string"}}}


def build(path: Path, spec: RequestSpec) -> list[Any]:
    return list(RequestBuilder(spec, open_input(str(path), path.parent)))


def body_of(item: Any) -> dict[str, Any]:
    line: dict[str, Any] = json.loads(item[2])
    assert set(line) == {"custom_id", "body"} and item[2].endswith(b"\n")
    check(line, "BatchRequest")
    return line["body"]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("endpoint", "spec_kw"),
    [
        (
            "chat",
            {
                "prompt": "Summarise {title} ({{id}} {id})",
                "system": "Be brief.",
                "options": (
                    ("max_tokens", 50),
                    ("random_seed", 7),
                    ("response_format", response_format(None, json.dumps(SCHEMA))),
                    ("safe_prompt", True),
                    ("stop", ["END"]),
                    ("temperature", 0.2),
                    ("top_p", 0.9),
                ),
            },
        ),
        ("chat", {"prompt": "{title}", "options": (("response_format", {"type": "json_object"}),)}),
        (
            "fim",
            {"prompt": "def {title}(", "suffix": "return {id}", "options": (("max_tokens", 9),)},
        ),
        ("embeddings", {"prompt": "{title}"}),
        ("moderations", {"prompt": "{title}"}),
        ("ocr", {"prompt": "https://example.com/{id}.pdf"}),
    ],
)
def test_every_line_validates_against_the_endpoint_schema(
    tmp_path: Path, endpoint: str, spec_kw: dict[str, Any]
) -> None:
    spec = RequestSpec(ENDPOINTS[endpoint], "some-model", **spec_kw)
    items = build(write_csv(tmp_path / "in.csv", 5), spec)
    assert [item[0] for item in items] == [0, 1, 2, 3, 4]
    for item in items:
        body = body_of(item)
        check(body, BODY_SCHEMAS[ENDPOINTS[endpoint].path])
        assert body["model"] == "some-model"
    first = body_of(items[0])
    if endpoint == "chat" and "system" in spec_kw:
        assert first["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Summarise title 0 ({id} 0)"},
        ]
    if endpoint == "fim":
        assert (first["prompt"], first["suffix"]) == ("def title 0(", "return 0")
    if endpoint == "ocr":
        assert first["document"] == {
            "type": "document_url",
            "document_url": "https://example.com/0.pdf",
        }


def test_custom_ids_are_the_row_and_a_hash_of_what_is_sent(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", 3)
    spec = RequestSpec(ENDPOINTS["chat"], "m", prompt="{title}")
    ids = [item[1] for item in build(path, spec)]
    assert ids == [item[1] for item in build(path, spec)]  # the same on every run
    assert [i.split(b"-")[0] for i in ids] == [b"0", b"1", b"2"]
    assert len(set(ids)) == 3
    for changed in (
        RequestSpec(ENDPOINTS["chat"], "other-model", prompt="{title}"),
        RequestSpec(ENDPOINTS["chat"], "m", prompt="{title}!"),
        RequestSpec(ENDPOINTS["chat"], "m", prompt="{title}", options=(("temperature", 0.5),)),
        RequestSpec(ENDPOINTS["chat"], "m", prompt="{title}", system="hi"),
    ):
        assert not set(ids) & {item[1] for item in build(path, changed)}


def test_default_prompt_is_the_only_column_or_a_prompt_column(tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_text("question\nWhy?\n")
    spec = RequestSpec(ENDPOINTS["chat"], "m")
    assert body_of(build(one, spec)[0])["messages"][0]["content"] == "Why?"
    named = tmp_path / "named.jsonl"
    named.write_text('{"id": 1, "prompt": "Hi {there}"}\n')
    assert body_of(build(named, spec)[0])["messages"][0]["content"] == "Hi {there}"
    many = write_csv(tmp_path / "many.csv", 1)
    with pytest.raises(Exception, match="give --prompt"):
        build(many, spec)


def test_jsonl_values_and_a_missing_key_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"n": 3, "tags": ["a"]}\n\n{"tags": []}\n')
    spec = RequestSpec(ENDPOINTS["chat"], "m", prompt="{n}: {tags}")
    with pytest.raises(TemplateError, match=r"line 3 has no 'n'"):
        build(path, spec)
    path.write_text('{"n": 3, "tags": ["a"]}\n')
    assert body_of(build(path, spec)[0])["messages"][0]["content"] == '3: ["a"]'


def test_folder_rows_are_attachments(tmp_path: Path) -> None:
    from mistral_chat.services.images import test_image

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Page >> endobj\n%%EOF\n")
    (folder / "b.png").write_bytes(test_image("red", (8, 8)).data)
    (folder / "c.md").write_text("# Notes\n")
    (folder / "d.bin").write_bytes(b"\x00\x01\x02\xff" * 10)
    uploads: list[str] = []

    def upload(path: Path, mime: str, sha: str) -> str:
        uploads.append(path.name)
        return "3b6d2c1e-0b7a-4b5e-9d3f-2a1c5e7f9b10"

    chat = RequestSpec(ENDPOINTS["chat"], "m", prompt="What is {file}?")
    builder = RequestBuilder(chat, open_input(str(folder), tmp_path), upload)
    items = list(builder)
    assert uploads == ["a.pdf"] and builder.documents == 1
    assert isinstance(items[3], RowFailure) and items[3].row == 3
    content = [body_of(i)["messages"][0]["content"] for i in items[:3]]
    assert content[0] == [
        {"type": "text", "text": "What is a.pdf?"},
        {"type": "file", "file_id": "3b6d2c1e-0b7a-4b5e-9d3f-2a1c5e7f9b10"},
    ]
    assert content[1][1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert content[2][1]["text"].startswith("File: c.md\n```md\n# Notes")
    for item in items[:3]:
        check(body_of(item), "ChatCompletionRequest")
    # the id hashes the document's content, not the id it got: a dry run gives the same ids
    dry = list(RequestBuilder(chat, open_input(str(folder), tmp_path)))
    assert [i[1] for i in dry[:3]] == [i[1] for i in items[:3]]
    ocr = RequestSpec(ENDPOINTS["ocr"], "mistral-ocr-latest")
    ocr_items = list(RequestBuilder(ocr, open_input(str(folder), tmp_path), upload))
    assert isinstance(ocr_items[2], RowFailure) and "already text" in ocr_items[2].message
    for item in (ocr_items[0], ocr_items[1]):
        check(body_of(item), "OCRRequest")


def test_shards_follow_the_limits(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", 25)
    spec = RequestSpec(ENDPOINTS["chat"], "m", prompt="{title}")
    plan = build_shards(RequestBuilder(spec, open_input(str(path), tmp_path)), tmp_path / "s", 10)
    assert [(s.first_row, s.rows, s.requests) for s in plan.shards] == [
        (0, 10, 10),
        (10, 10, 10),
        (20, 5, 5),
    ]
    assert plan.rows == 25 and all(s.inline for s in plan.shards)
    assert sum(len(s.path.read_bytes().splitlines()) for s in plan.shards) == 25
    again = build_shards(RequestBuilder(spec, open_input(str(path), tmp_path)), tmp_path / "t", 10)
    assert [s.digest for s in plan.shards] == [s.digest for s in again.shards]
    by_bytes = build_shards(
        RequestBuilder(spec, open_input(str(path), tmp_path)), tmp_path / "u", 100, max_bytes=1000
    )
    assert len(by_bytes.shards) > 1 and all(s.bytes <= 1000 for s in by_bytes.shards)


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        self.requests.append(request)
        job = {"id": "b6f1c3a0-0000-4000-8000-000000000001", "status": "QUEUED"}
        if request.url.path == "/v1/batch/jobs" and request.method == "GET":
            return httpx2.Response(200, json={"data": [job], "object": "list", "total": 1})
        if request.method == "DELETE":
            return httpx2.Response(200, json={"id": job["id"], "object": "batch", "deleted": True})
        return httpx2.Response(200, json=job)


def test_job_bodies_and_queries_validate_against_the_spec(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    recorder = Recorder()
    path = write_csv(tmp_path / "in.csv", 3)
    spec = RequestSpec(ENDPOINTS["chat"], "mistral-small-latest", prompt="{title}")
    requests = [json.loads(item[2]) for item in build(path, spec)]
    with Client("k", base_url="https://api.example", transport=httpx2.MockTransport(recorder)) as c:
        c.batch.create(
            endpoint="/v1/chat/completions",
            model="mistral-small-latest",
            requests=requests,
            metadata={"mistral_chat_run": "abc", "mistral_chat_shard": "abc:0:ff"},
        )
        c.batch.create(
            endpoint="/v1/ocr",
            input_files=["3b6d2c1e-0b7a-4b5e-9d3f-2a1c5e7f9b10"],
            timeout_hours=48,
        )
        listed = c.batch.list(
            page=1,
            page_size=20,
            status=["RUNNING", "QUEUED"],
            created_after=datetime(2026, 1, 1, tzinfo=UTC),
        )
        assert listed.total == 1 and listed.data[0].status == "QUEUED"
        c.batch.get("b6f1c3a0-0000-4000-8000-000000000001", inline=True)
        c.batch.cancel("b6f1c3a0-0000-4000-8000-000000000001")
        assert c.batch.delete("b6f1c3a0-0000-4000-8000-000000000001").deleted
        with pytest.raises(ValueError, match="input_files or requests"):
            c.batch.create(endpoint="/v1/chat/completions")
        with pytest.raises(ValueError, match="invalid batch job id"):
            c.batch.get("..")
    first, second, listing, got, cancelled, deleted = recorder.requests
    check(json.loads(first.content), "CreateBatchJobRequest")
    check(json.loads(second.content), "CreateBatchJobRequest")
    assert (first.method, first.url.path) == ("POST", "/v1/batch/jobs")
    assert listing.url.params.get_list("status") == ["RUNNING", "QUEUED"]
    assert listing.url.params["created_after"] == "2026-01-01T00:00:00+00:00"
    assert got.url.params["inline"] == "true"
    assert (cancelled.method, cancelled.url.path) == (
        "POST",
        "/v1/batch/jobs/b6f1c3a0-0000-4000-8000-000000000001/cancel",
    )
    assert deleted.method == "DELETE"
