"""Pure request/response logic: error mapping, Retry-After, base URLs, request bodies."""

from __future__ import annotations

import random

import pytest

from mistral_chat.api import errors
from mistral_chat.api._core import (
    build_chat_body,
    error_from_response,
    normalize_base_url,
    parse_retry_after,
    redact,
)
from mistral_chat.api._retry import RetryPolicy

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.APIStatusError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (503, errors.ServerError),
    ],
)
def test_status_maps_to_one_class(status: int, cls: type[errors.APIStatusError]) -> None:
    err = error_from_response(status, JSON, b'{"message": "nope"}', now=0)
    assert type(err) is cls
    assert err.status_code == status
    assert str(err) == "nope"


def test_validation_detail_list_is_readable() -> None:
    body = (
        b'{"detail":[{"type":"extra_forbidden","loc":["body","foo"],'
        b'"msg":"Extra inputs are not permitted","input":1},'
        b'{"type":"missing","loc":["body","model"],"msg":"Field required"}]}'
    )
    err = error_from_response(422, JSON, body, now=0)
    assert str(err) == "foo: Extra inputs are not permitted; model: Field required"
    assert len(err.details) == 2


def test_mistral_error_object_and_openai_style_and_plain_text() -> None:
    mistral = (
        b'{"object":"error","message":"Invalid model: x","type":"invalid_model","code":"1500"}'
    )
    assert str(error_from_response(400, JSON, mistral, now=0)) == "Invalid model: x"
    openai = b'{"error": {"message": "bad key", "type": "auth"}}'
    assert str(error_from_response(401, JSON, openai, now=0)) == "bad key"
    assert str(error_from_response(500, {}, b"  upstream\n failed ", now=0)) == "upstream failed"
    assert (
        str(error_from_response(401, JSON, b'{"detail": "Unauthorized"}', now=0)) == "Unauthorized"
    )


def test_html_error_page_gives_its_title() -> None:
    page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>x</body></html>"
    err = error_from_response(502, {"content-type": "text/html"}, page, now=0)
    assert isinstance(err, errors.ServerError)
    assert str(err) == "502 Bad Gateway"


def test_rate_limit_carries_retry_after_seconds_and_date() -> None:
    err = error_from_response(429, {"retry-after": "3"}, b"", now=0)
    assert isinstance(err, errors.RateLimitError) and err.retry_after == 3
    now = 1_700_000_000.0
    date = "Tue, 14 Nov 2023 22:13:40 GMT"  # now + 20 s
    assert parse_retry_after(date, now=now) == pytest.approx(20, abs=1)
    assert parse_retry_after("garbage", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_base_url_keeps_root_and_accepts_v1() -> None:
    assert normalize_base_url("https://api.mistral.ai/") == "https://api.mistral.ai"
    assert normalize_base_url("http://localhost:8000/v1") == "http://localhost:8000"
    assert normalize_base_url("http://h:1/prefix/v1/") == "http://h:1/prefix"
    with pytest.raises(ValueError, match="not an http"):
        normalize_base_url("ftp://x")


def test_chat_body_carries_only_given_fields() -> None:
    msgs = [{"role": "user", "content": "hi"}]
    assert build_chat_body("m", msgs, stream=False, options={}) == {"model": "m", "messages": msgs}
    body = build_chat_body("m", msgs, stream=True, options={"temperature": 0.2, "stop": None})
    assert body == {
        "model": "m",
        "messages": msgs,
        "temperature": 0.2,
        "stop": None,
        "stream": True,
    }
    with pytest.raises(TypeError, match="temprature"):
        build_chat_body("m", msgs, stream=False, options={"temprature": 1})


def test_redact_never_shows_more_than_four_characters() -> None:
    assert redact("sk-abcdefghijklmnop1234") == "...1234"
    assert redact("short") == "..."
    assert redact(None) == "(none)"


def test_retry_policy_backoff_and_retry_after() -> None:
    policy = RetryPolicy(max_retries=2)
    rng = random.Random(1)
    delays = [policy.delay(n, rng=rng) for n in (1, 2, 3, 10)]
    for got, base in zip(delays, (0.5, 1.0, 2.0, 8.0), strict=True):
        assert got is not None and base * 0.75 <= got <= base * 1.25
    assert policy.delay(1, retry_after=5) == 5
    assert policy.delay(1, retry_after=600) is None  # longer than we would hang: give up
    assert policy.should_retry_status(503, 2) and not policy.should_retry_status(503, 3)
    assert not policy.should_retry_status(400, 1)
    assert policy.should_retry_status(408, 1) and policy.should_retry_status(429, 1)
