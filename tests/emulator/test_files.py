"""Files routes: upload (streamed, multipart), list filters, retrieve, download, signed URLs."""

from __future__ import annotations

import hashlib
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx2
import pytest
from _emulator_helpers import check

from mistral_chat.emulator import Emulator


def upload(client: httpx2.Client, name: str, data: bytes, **fields: str) -> dict[str, Any]:
    response = client.post("/v1/files", files={"file": (name, data)}, data=fields)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    check(body, "CreateFileResponse")
    return body


def test_upload_fields(client: httpx2.Client) -> None:
    body = upload(client, "train.jsonl", b'{"a": 1}\n{"a": 2}\n', purpose="fine-tune")
    assert uuid.UUID(str(body["id"])).version == 4
    assert body["object"] == "file" and body["source"] == "upload"
    assert (body["bytes"], body["num_lines"], body["filename"]) == (18, 2, "train.jsonl")
    assert (body["purpose"], body["sample_type"], body["mimetype"]) == (
        "fine-tune",
        "instruct",
        "application/jsonl",
    )
    assert (
        isinstance(body["signature"], str) and abs(int(str(body["created_at"])) - time.time()) < 5
    )
    pdf = upload(client, "scan.bin", b"%PDF-1.7\n...", purpose="ocr", expiry="2")
    assert pdf["mimetype"] == "application/pdf" and pdf["num_lines"] is None
    assert pdf["expires_at"] == int(str(pdf["created_at"])) + 7200
    batch = upload(client, "b.jsonl", b"{}\n", purpose="batch", visibility="user")
    assert (batch["sample_type"], batch["visibility"]) == ("batch_request", "user")


def test_upload_errors(client: httpx2.Client) -> None:
    response = client.post("/v1/files", files={"file": ("a.txt", b"x")}, data={"purpose": "fun"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "purpose"]
    response = client.post("/v1/files", data={"purpose": "ocr"}, files={"other": ("a", b"x")})
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "missing"
    response = client.post(
        "/v1/files",
        content=b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc',
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 400
    assert client.get("/v1/files").json()["total"] == 0  # nothing half-stored


def test_list_filters_and_paging(client: httpx2.Client) -> None:
    a = upload(client, "alpha.txt", b"a\n", purpose="ocr")
    time.sleep(1.01)  # created_at has one-second resolution; newest comes first
    b = upload(client, "beta.jsonl", b"{}\n", purpose="batch")
    listing = client.get("/v1/files").json()
    check(listing, "ListFilesResponse")
    assert [f["id"] for f in listing["data"]] == [b["id"], a["id"]]
    assert listing["object"] == "list" and listing["total"] == 2

    def ids(**params: object) -> list[object]:
        response = client.get("/v1/files", params=params)  # type: ignore[arg-type]
        assert response.status_code == 200, response.text
        check(response.json(), "ListFilesResponse")
        return [f["id"] for f in response.json()["data"]]

    assert ids(purpose="ocr") == [a["id"]]
    assert ids(search="BETA") == [b["id"]]
    assert ids(sample_type=["batch_request"]) == [b["id"]]
    assert ids(mimetypes=["text/plain", "application/jsonl"]) == [b["id"], a["id"]]
    assert ids(source=["mistral"]) == []
    assert ids(page=1, page_size=1) == [a["id"]]
    assert client.get("/v1/files", params={"include_total": "false"}).json()["total"] is None
    assert client.get("/v1/files", params={"page": "x"}).status_code == 422
    assert client.get("/v1/files", params={"purpose": "nope"}).status_code == 422


def test_retrieve_download_delete(client: httpx2.Client) -> None:
    data = bytes(range(256)) * 10
    body = upload(client, "blob.bin", data)
    file_id = body["id"]
    got = client.get(f"/v1/files/{file_id}")
    check(got.json(), "GetFileResponse")
    assert got.json()["deleted"] is False and got.json()["bytes"] == len(data)
    content = client.get(f"/v1/files/{file_id}/content")
    assert content.headers["content-type"] == "application/octet-stream"
    assert content.headers["content-length"] == str(len(data)) and content.content == data
    deleted = client.delete(f"/v1/files/{file_id}")
    check(deleted.json(), "DeleteFileResponse")
    assert deleted.json() == {"id": file_id, "object": "file", "deleted": True}
    for path in (
        f"/v1/files/{file_id}",
        f"/v1/files/{file_id}/content",
        f"/v1/files/{file_id}/url",
    ):
        response = client.get(path)
        assert response.status_code == 404 and response.json()["object"] == "error"
    assert client.delete(f"/v1/files/{file_id}").status_code == 404
    assert client.get("/v1/files/not-a-uuid").status_code == 422


def test_signed_url(client: httpx2.Client, emu: Emulator) -> None:
    body = upload(client, "doc.pdf", b"%PDF-1.7\nhello")
    response = client.get(f"/v1/files/{body['id']}/url", params={"expiry": 2})
    check(response.json(), "GetSignedUrlResponse")
    url = response.json()["url"]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == emu.base_url
    assert parts.path == f"/_signed/{body['id']}"
    with httpx2.Client() as anonymous:  # no Authorization: the signature is the credential
        ok = anonymous.get(url)
        assert ok.status_code == 200 and ok.content == b"%PDF-1.7\nhello"
        assert ok.headers["content-type"] == "application/pdf"
        tampered = url[:-1] + ("0" if url[-1] != "0" else "1")
        assert anonymous.get(tampered).status_code == 403
        expired = emu.signed_url(str(body["id"]), expires_at=int(time.time()) - 1)
        assert anonymous.get(expired).status_code == 403
    for expiry in (0, 169, "x"):
        assert (
            client.get(f"/v1/files/{body['id']}/url", params={"expiry": expiry}).status_code == 422
        )


SIZE = 50 * 1024 * 1024
BLOCK = bytes(range(256)) * 4096  # 1 MiB


def _multipart_body(boundary: str) -> Iterator[bytes]:
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    for _ in range(SIZE // len(BLOCK)):
        yield BLOCK
    yield f"\r\n--{boundary}--\r\n".encode()


@pytest.mark.slow
def test_50_mb_upload_streams_to_disk(client: httpx2.Client) -> None:
    boundary = "emulator-test-boundary"
    tracemalloc.start()
    try:
        response = client.post(
            "/v1/files",
            content=_multipart_body(boundary),  # chunked: no length known up front
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            timeout=60,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    assert peak < 16 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"
    body = response.json()
    assert body["bytes"] == SIZE and body["purpose"] == "batch"
    digest = hashlib.sha256()
    size = 0
    with client.stream("GET", f"/v1/files/{body['id']}/content") as download:
        assert download.headers["content-length"] == str(SIZE)
        for chunk in download.iter_bytes():
            digest.update(chunk)
            size += len(chunk)
    expected = hashlib.sha256(BLOCK * (SIZE // len(BLOCK))).hexdigest()
    assert size == SIZE and digest.hexdigest() == expected


def test_state_dir_persists(tmp_path: object) -> None:
    from pathlib import Path

    state = Path(str(tmp_path))
    with (
        Emulator(state_dir=state) as first,
        httpx2.Client(base_url=first.base_url, headers={"Authorization": "Bearer k"}) as c,
    ):
        file_id = upload(c, "keep.txt", b"kept\n")["id"]
    with (
        Emulator(state_dir=state) as second,
        httpx2.Client(base_url=second.base_url, headers={"Authorization": "Bearer k"}) as c,
    ):
        assert c.get(f"/v1/files/{file_id}/content").content == b"kept\n"
    assert (state / "files" / f"{file_id}.bin").exists()


def test_emulators_sharing_a_state_dir_see_each_others_files(tmp_path: object) -> None:
    from pathlib import Path

    state = Path(str(tmp_path))
    auth = {"Authorization": "Bearer k"}
    with (
        Emulator(state_dir=state) as one,
        Emulator(state_dir=state) as two,
        httpx2.Client(base_url=one.base_url, headers=auth) as a,
        httpx2.Client(base_url=two.base_url, headers=auth) as b,
    ):
        file_id = upload(a, "shared.txt", b"both\n")["id"]
        assert [f["id"] for f in b.get("/v1/files").json()["data"]] == [file_id]
        assert b.delete(f"/v1/files/{file_id}").status_code == 200
        assert a.get(f"/v1/files/{file_id}").status_code == 404
        assert a.get("/v1/files").json()["data"] == []
        # a process killed while writing metadata leaves a file that is skipped, not fatal
        (state / "files" / f"{uuid.uuid4()}.json").write_text('{"id": "half')
        assert a.get("/v1/files").json()["data"] == []
        # an id that is not one never names a path
        assert a.get("/v1/files/..%2F..%2Fsecret").status_code == 404


def test_every_form_and_query_problem_is_listed(client: httpx2.Client) -> None:
    form = {"purpose": "fun", "visibility": "everyone", "expiry": "soon"}
    response = client.post("/v1/files", data=form, files={"other": ("a", b"x")})
    assert response.status_code == 422
    check(response.json(), "HTTPValidationError")
    assert [(d["type"], d["loc"]) for d in response.json()["detail"]] == [
        ("int_parsing", ["body", "expiry"]),
        ("enum", ["body", "visibility"]),
        ("enum", ["body", "purpose"]),
        ("missing", ["body", "file"]),
    ]
    params = {"page": "x", "include_total": "maybe", "source": ["upload", "nope"]}
    response = client.get("/v1/files", params=params)
    assert [(d["loc"], d["input"]) for d in response.json()["detail"]] == [
        (["query", "page"], "x"),
        (["query", "include_total"], "maybe"),
        (["query", "source"], "nope"),
    ]
    response = client.get("/v1/files/not-a-uuid/url", params={"expiry": "x"})
    assert [d["loc"] for d in response.json()["detail"]] == [
        ["path", "file_id"],
        ["query", "expiry"],
    ]
