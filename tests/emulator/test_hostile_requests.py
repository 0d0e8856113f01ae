"""The emulator against hostile requests (issue 10, item 12): a body that is not UTF-8 or is
nested past any decoder is the client's mistake, a 422, never a 500 that clients retry; the
fault endpoint refuses values that would inject headers or hang a handler, naming the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from mistral_chat.emulator import Emulator

AUTH = {"Authorization": "Bearer k", "Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.fixture(scope="module")
def http() -> Iterator[httpx2.Client]:
    with Emulator() as emu, httpx2.Client(base_url=emu.base_url) as client:
        yield client


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize(
    "body",
    [
        b'{"model": "mistral-small-latest", "messages": [{"role": "user", "content": "caf\xe9"}]}',
        DEEP,
        b'{"model": "mistral-small-latest", "messages": ' + DEEP + b"}",
        b'{"model": "mistral-small-latest", "messages": [{"role": "user", "content": '
        + nested(900)
        + b"}]}",
        b'{"model": "m", "document": ' + nested(900) + b"}",
    ],
    ids=["utf8", "deep", "deep-field", "900-deep-content", "900-deep-ocr"],
)
@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/ocr"])
def test_an_unreadable_body_is_a_422(http: httpx2.Client, path: str, body: bytes) -> None:
    response = http.post(path, content=body, headers=AUTH)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("fault", "field"),
    [
        ({"kind": "status", "status": 429, "retry_after": "1\r\nX-Injected: yes"}, "retry_after"),
        ({"kind": "status", "status": 99999}, "status"),
        ({"kind": "status", "status": 200}, "status"),
        ({"kind": "slow", "delay": -1}, "delay"),
        ({"kind": "slow", "delay": 1e308}, "delay"),
        ({"kind": "slow", "delay": "soon"}, "delay"),
        ({"kind": "cut", "after_chunks": -3}, "after_chunks"),
        ({"kind": "status", "status": 500, "times": 0}, "times"),
        ({"kind": "status", "status": 500, "path": "v1/models"}, "path"),
        ({"kind": "status", "status": 500, "colour": "red"}, "colour"),
        ({"kind": "explode"}, "kind"),
        ([1, 2], None),
    ],
)
def test_the_fault_endpoint_names_a_bad_field(
    http: httpx2.Client, fault: Any, field: str | None
) -> None:
    response = http.post("/_emulator/faults", json=fault)
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == (["body", field] if field else ["body"])
    # nothing was queued: the next request is served normally
    assert http.get("/v1/models", headers=AUTH).status_code == 200


@pytest.mark.parametrize("body", [b"\xff\xfe{", DEEP])
def test_the_fault_endpoint_refuses_unreadable_json(http: httpx2.Client, body: bytes) -> None:
    response = http.post("/_emulator/faults", content=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]


def test_a_valid_date_retry_after_is_still_accepted(http: httpx2.Client) -> None:
    fault = {"kind": "status", "status": 503, "retry_after": "Wed, 21 Oct 2015 07:28:00 GMT"}
    assert http.post("/_emulator/faults", json=fault).status_code == 200
    response = http.get("/v1/models", headers=AUTH)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "Wed, 21 Oct 2015 07:28:00 GMT"
