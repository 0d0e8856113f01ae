"""Stop sequences and JSON answers: `validate_option` and `response_format`, checked locally."""

from __future__ import annotations

import doctest
import json
from pathlib import Path

import pytest

from mistral_chat.services import chat_options
from mistral_chat.services.chat_options import InvalidOption, response_format, validate_option


def test_doctests() -> None:
    assert doctest.testmod(chat_options).failed == 0


def test_stop_takes_one_or_several_non_empty_strings() -> None:
    assert validate_option("stop", "###") == ("stop", "###")
    assert validate_option("stop", ["a"]) == ("stop", "a")
    assert validate_option("stop", ("a", "b")) == ("stop", ["a", "b"])
    assert validate_option("stop", "none") == ("stop", None)
    for bad in ("", [], ["a", ""], [1]):
        with pytest.raises(InvalidOption, match="one or more non-empty strings"):
            validate_option("stop", bad)


def test_format_words_and_full_objects() -> None:
    assert validate_option("format", "JSON") == ("response_format", {"type": "json_object"})
    assert validate_option("format", "text") == ("response_format", None)
    schema = {"type": "json_schema", "json_schema": {"name": "n", "schema": {}}}
    assert validate_option("response_format", schema) == ("response_format", schema)
    for bad, message in [
        ("yaml", "json or text"),
        ({"type": "xml"}, "text, json_object or json_schema"),
        ({"type": "json_schema", "json_schema": {"name": "n"}}, "json_schema.schema"),
    ]:
        with pytest.raises(InvalidOption, match=message):
            validate_option("format", bad)


def test_response_format_from_files_inline_and_wrappers(tmp_path: Path) -> None:
    assert response_format(None, None) is None and response_format("text", None) is None
    schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    path = tmp_path / "book card.json"
    path.write_text(json.dumps(schema))
    assert response_format(None, str(path)) == {
        "type": "json_schema",
        "json_schema": {"name": "book_card", "schema": schema, "strict": True},
    }
    inline = response_format("json", json.dumps(schema))
    assert inline is not None and inline["json_schema"]["name"] == "answer"
    wrapper = tmp_path / "w.json"
    wrapper.write_text(json.dumps({"name": "book", "schema": schema, "strict": False}))
    got = response_format(None, str(wrapper))
    assert got == {
        "type": "json_schema",
        "json_schema": {"name": "book", "schema": schema, "strict": False},
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("[1, 2]", "must be a JSON object"),
        ("{nope", "is not valid JSON"),
        (b"\xff\xfe", "cannot read"),
    ],
)
def test_response_format_refusals(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "schema.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(InvalidOption, match=message):
        response_format(None, str(path))
    with pytest.raises(InvalidOption, match="cannot go with --format text"):
        response_format("text", "{}")
