"""What real models honour: ``response_format`` (``json_object``, ``json_schema``) and ``stop``.

Instances are validated with the ``jsonschema`` package, not with the emulator's own check;
formats that package leaves unchecked without optional extras (date-time, time, uri,
hostname) are checked here.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Any

import httpx2
import pytest
from _emulator_helpers import chat, check, image_uri, reply_text, sse_data
from jsonschema import Draft202012Validator, FormatChecker

MODEL = "mistral-small-latest"
HI = [{"role": "user", "content": "hi there"}]


def stream(client: httpx2.Client, messages: list[dict[str, Any]], **extra: Any) -> list[Any]:
    body = {"model": MODEL, "messages": messages, "stream": True, **extra}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        assert r.status_code == 200, r.read()
        events = sse_data(list(r.iter_lines()))
    assert events[-1] == "[DONE]"
    for event in events[:-1]:
        check(event, "CompletionChunk")
    return events[:-1]


def streamed_text(chunks: list[Any]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)


# json_object


def test_json_object_carries_the_text_facts(client: httpx2.Client) -> None:
    upload = client.post("/v1/files", files={"file": ("notes.txt", b"x" * 45)})
    pdf = client.post("/v1/files", files={"file": ("report.pdf", b"%PDF-1.7\n" + b"0" * 2039)})
    url = client.get(f"/v1/files/{pdf.json()['id']}/url").json()["url"]
    png = base64.b64decode(image_uri("PNG", (8, 8), (0, 0, 255)).partition(",")[2])
    picture = client.post("/v1/files", files={"file": ("blue.png", png)}).json()
    picture_url = client.get(f"/v1/files/{picture['id']}/url").json()["url"]
    content = [
        {"type": "text", "text": "describe"},
        {"type": "image_url", "image_url": image_uri("PNG", (64, 48), (255, 0, 0))},
        {"type": "image_url", "image_url": "https://example.com/cat.jpg"},
        {"type": "image_url", "image_url": {"url": picture_url}},
        {"type": "document_url", "document_url": url},
        {"type": "document_url", "document_url": "data:text/plain,hello", "document_name": "a.txt"},
        {"type": "file", "file_id": upload.json()["id"]},
        {"type": "input_audio", "input_audio": "AAAA"},
    ]
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": content},
    ]
    response = chat(client, messages, response_format={"type": "json_object"})
    text = reply_text(response)
    assert "\n" not in text  # one line
    assert json.loads(text) == {
        "you_said": "describe",
        "images": [
            {
                "format": "PNG",
                "width": 64,
                "height": 48,
                "colour": "red",
                "hex": "#ff0000",
                "source": "data_uri",
                "mime": "image/png",
            },
            {"source": "url", "url": "https://example.com/cat.jpg"},
            {
                "format": "PNG",
                "width": 8,
                "height": 8,
                "colour": "blue",
                "hex": "#0000ff",
                "source": "signed_url",
            },
        ],
        "documents": [
            {
                "name": "report.pdf",
                "bytes": 2048,
                "mime": "application/pdf",
                "source": "signed_url",
            },
            {"name": "a.txt", "bytes": 5, "mime": "text/plain", "source": "data_uri"},
        ],
        "files": [{"name": "notes.txt", "bytes": 45}],
        "audio": [{"bytes": 3}],
        "system": "Be brief.",
        "messages": {"total": 2, "system": 1, "user": 1},
    }
    assert response.json()["choices"][0]["finish_reason"] == "stop"
    # The same facts as the text reply: one paragraph per fact.
    paragraphs = reply_text(chat(client, messages)).split("\n\n")
    assert len(paragraphs) == 1 + 3 + 2 + 1 + 1 + 1 + 1
    assert paragraphs[3] == "Image 3: PNG 8x8, dominant colour blue (#0000ff), via signed URL"
    assert paragraphs[4] == "Document 1: report.pdf (2048 bytes, application/pdf) via signed URL"
    assert paragraphs[5] == "Document 2: a.txt (5 bytes, text/plain) as data URI"


def test_json_object_tool_results_and_minimal(client: httpx2.Client) -> None:
    assert json.loads(reply_text(chat(client, HI, response_format={"type": "json_object"}))) == {
        "you_said": "hi there",
        "messages": {"total": 1, "user": 1},
    }
    messages = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": "", "tool_calls": [_CALL]},
        {
            "role": "tool",
            "content": '{"temp": 21}',
            "tool_call_id": "abc123xyz",
            "name": "get_weather",
        },
    ]
    reply = json.loads(reply_text(chat(client, messages, response_format={"type": "json_object"})))
    assert reply["tool_results"] == [{"name": "get_weather", "content": '{"temp": 21}'}]
    assert reply["messages"] == {"total": 3, "user": 1, "assistant": 1, "tool": 1}


_CALL = {
    "id": "abc123xyz",
    "type": "function",
    "function": {"name": "get_weather", "arguments": "{}"},
}


def test_json_object_streams_in_pieces(client: httpx2.Client) -> None:
    whole = reply_text(chat(client, HI, response_format={"type": "json_object"}))
    chunks = stream(client, HI, response_format={"type": "json_object"})
    pieces = [c["choices"][0]["delta"]["content"] for c in chunks[1:]]
    assert len([p for p in pieces if p]) >= 4
    assert streamed_text(chunks) == whole and isinstance(json.loads(whole), dict)
    for piece in pieces[:-1]:
        with pytest.raises(json.JSONDecodeError):
            json.loads(piece)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_json_object_on_a_reasoning_model(client: httpx2.Client) -> None:
    response = chat(
        client, HI, model="magistral-medium-latest", response_format={"type": "json_object"}
    )
    content = response.json()["choices"][0]["message"]["content"]
    assert [c["type"] for c in content] == ["thinking", "text"]
    assert json.loads(content[1]["text"])["you_said"] == "hi there"


def test_text_format_is_the_default(client: httpx2.Client) -> None:
    text = reply_text(chat(client, HI, response_format={"type": "text"}))
    assert text == reply_text(chat(client, HI)) == "You said: hi there\n\nMessages: 1 (user 1)"


# json_schema

_FORMATS = FormatChecker()


@_FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    pattern = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
    return not isinstance(value, str) or bool(
        re.fullmatch(pattern, value) and datetime.fromisoformat(value.replace("Z", "+00:00"))
    )


@_FORMATS.checks("time")
def _time(value: object) -> bool:
    pattern = r"\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"
    return not isinstance(value, str) or bool(re.fullmatch(pattern, value))


@_FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(re.fullmatch(r"[a-z][a-z0-9+.-]*:[^\s]+", value))


@_FORMATS.checks("hostname")
def _hostname(value: object) -> bool:
    label = r"[a-z0-9]([a-z0-9-]*[a-z0-9])?"
    return not isinstance(value, str) or bool(re.fullmatch(rf"({label}\.)*{label}", value))


def validate(instance: Any, schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema, format_checker=_FORMATS).validate(instance)


def json_schema(schema: dict[str, Any], name: str = "answer") -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema, "strict": True}}


def structured(client: httpx2.Client, schema: dict[str, Any], said: str = "hi there") -> Any:
    messages = [{"role": "user", "content": said}]
    text = reply_text(chat(client, messages, response_format=json_schema(schema)))
    instance = json.loads(text)
    validate(instance, schema)
    return instance


PERSON = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "email": {"type": "string", "format": "email"},
        "age": {"type": "integer", "minimum": 18, "maximum": 130},
    },
    "required": ["name"],
    "additionalProperties": False,
}

SCHEMAS: dict[str, dict[str, Any]] = {
    "nested objects": {
        "type": "object",
        "properties": {
            "book": {
                "type": "object",
                "properties": {
                    "title": {"type": "string"},
                    "summary": {"type": "string"},
                    "author": PERSON,
                    "published": {"type": "string", "format": "date"},
                },
                "required": ["title", "author"],
                "additionalProperties": False,
            }
        },
        "required": ["book"],
        "additionalProperties": False,
    },
    "arrays of objects": {
        "type": "object",
        "properties": {
            "people": {"type": "array", "items": PERSON, "minItems": 3, "maxItems": 5},
            "tags": {"type": "array", "items": {"type": "string"}, "uniqueItems": True},
            "scores": {
                "type": "array",
                "items": {"type": "number", "exclusiveMinimum": 0, "maximum": 10},
                "minItems": 2,
                "uniqueItems": True,
            },
        },
    },
    "refs to $defs and definitions": {
        "type": "object",
        "properties": {
            "owner": {"$ref": "#/$defs/Person"},
            "pets": {"type": "array", "items": {"$ref": "#/definitions/Pet"}},
        },
        "required": ["owner", "pets"],
        "$defs": {"Person": PERSON},
        "definitions": {
            "Pet": {
                "type": "object",
                "properties": {
                    "kind": {"enum": ["cat", "dog"]},
                    "owner": {"$ref": "#/$defs/Person"},
                },
                "required": ["kind"],
            }
        },
    },
    "recursive ref": {
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {
                    "label": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}},
                    "parent": {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]},
                },
                "required": ["label", "children", "parent"],
                "additionalProperties": False,
            }
        },
    },
    "enum and const": {
        "type": "object",
        "properties": {
            "colour": {"type": "string", "enum": ["red", "green"]},
            "mixed": {"enum": [None, 1, "x"]},
            "version": {"const": 2},
            "levels": {
                "type": "array",
                "items": {"enum": ["low", "mid", "high"]},
                "minItems": 3,
                "uniqueItems": True,
            },
        },
        "required": ["colour", "version"],
    },
    "anyOf oneOf allOf": {
        "type": "object",
        "properties": {
            "maybe": {"anyOf": [{"type": "string", "maxLength": 5}, {"type": "null"}]},
            "either": {"oneOf": [{"type": "integer"}, {"type": "number"}]},
            "both": {
                "allOf": [
                    {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                    {"properties": {"b": {"type": "integer", "minimum": 5}}, "required": ["b"]},
                ]
            },
            "described": {"allOf": [{"$ref": "#/$defs/Level"}], "description": "a level"},
        },
        "$defs": {"Level": {"type": "integer", "minimum": 3, "exclusiveMaximum": 4}},
    },
    "formats": {
        "type": "object",
        "properties": {
            name: {"type": "string", "format": name}
            for name in (
                "date",
                "date-time",
                "time",
                "email",
                "uri",
                "uuid",
                "hostname",
                "ipv4",
                "ipv6",
            )
        },
    },
    "bounds and lengths": {
        "type": "object",
        "properties": {
            "low": {"type": "integer", "maximum": -10},
            "high": {"type": "integer", "exclusiveMinimum": 99},
            "narrow": {"type": "number", "exclusiveMinimum": 0.1, "exclusiveMaximum": 0.2},
            "code": {"type": "string", "minLength": 12, "maxLength": 14},
            "short_summary": {"type": "string", "maxLength": 8},
            "empty": {"type": "array", "maxItems": 0},
        },
    },
    "types, defaults, open objects": {
        "type": "object",
        "properties": {
            "count": {"type": ["integer", "null"]},
            "flag": {"type": "boolean"},
            "nothing": {"type": "null"},
            "anything": {},
            "never_null": {"type": ["null", "string"]},
            "unit": {"type": "string", "default": "kg"},
            "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
            "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
            "closed": {"type": "object", "additionalProperties": False},
        },
        "required": ["count", "x-custom"],
        "additionalProperties": {"type": "boolean"},
    },
    "top-level array": {"type": "array", "items": {"type": "string"}, "minItems": 2},
    "top-level string": {"type": "string"},
    "boolean schemas": {
        "type": "object",
        "properties": {"yes": True, "no": False},
        "required": ["yes"],
    },
}


@pytest.mark.parametrize("schema", SCHEMAS.values(), ids=SCHEMAS.keys())
def test_json_schema_instance_validates(client: httpx2.Client, schema: dict[str, Any]) -> None:
    instance = structured(client, schema)
    messages = [{"role": "user", "content": "hi there"}]
    chunks = stream(client, messages, response_format=json_schema(schema))
    assert json.loads(streamed_text(chunks)) == instance


def test_json_schema_fills_every_property_meaningfully(client: httpx2.Client) -> None:
    instance = structured(client, SCHEMAS["nested objects"], said="Tell me about Dune")
    assert instance == {
        "book": {
            "title": "title",
            "summary": "You said: Tell me about Dune",
            "author": {"name": "name", "email": "email@example.com", "age": 18},
            "published": "2025-01-01",
        }
    }
    people = structured(client, SCHEMAS["arrays of objects"])
    assert len(people["people"]) == 3 and people["tags"] == ["tags 1"]
    assert people["scores"] == [1.5, 2.5]


def test_json_schema_choices(client: httpx2.Client) -> None:
    refs = structured(client, SCHEMAS["refs to $defs and definitions"])
    assert refs["pets"] == [{"kind": "cat", "owner": refs["owner"]}]
    enums = structured(client, SCHEMAS["enum and const"])
    assert enums == {"colour": "red", "mixed": None, "version": 2, "levels": ["low", "mid", "high"]}
    branches = structured(client, SCHEMAS["anyOf oneOf allOf"])
    # anyOf: the first branch; oneOf: 1 is also a number, so the first branch that fits alone
    assert branches == {"maybe": "maybe", "either": 1.5, "both": {"a": "a", "b": 5}, "described": 3}
    typed = structured(client, SCHEMAS["types, defaults, open objects"])
    assert typed["count"] == 1 and typed["never_null"] == "never_null" and typed["nothing"] is None
    assert typed["unit"] == "kg"  # a default is used...
    assert typed["note"] == "note"  # ...but a null default only when nothing else fits
    assert typed["x-custom"] is True  # required, not declared: from additionalProperties
    assert structured(client, SCHEMAS["top-level string"]) == "You said: hi there"
    tree = structured(client, SCHEMAS["recursive ref"])
    depth = 0
    while tree["children"]:
        tree, depth = tree["children"][0], depth + 1
    assert 1 <= depth <= 5


def test_json_schema_with_a_description_and_no_strict(client: httpx2.Client) -> None:
    response_format = {
        "type": "json_schema",
        "json_schema": {"name": "n", "description": "a number", "schema": {"type": "integer"}},
    }
    assert reply_text(chat(client, HI, response_format=response_format)) == "1"


@pytest.mark.parametrize(
    ("schema", "named"),
    [
        ({"type": "string", "pattern": "^a"}, "'pattern' (at #)"),
        ({"properties": {"x": {"not": {"type": "null"}}}}, "'not' (at #/properties/x)"),
        ({"if": {}, "then": {}}, "'if'"),
        ({"type": "object", "patternProperties": {"^x": {}}}, "'patternProperties'"),
        ({"$defs": {"A": {"type": "number", "multipleOf": 3}}}, "'multipleOf' (at #/$defs/A)"),
        ({"type": "string", "format": "regex"}, "'format' with 'regex'"),
        ({"$ref": "https://example.com/schema.json"}, "'$ref'"),
        ({"$ref": "#/$defs/Missing"}, "'#/$defs/Missing' points at nothing"),
        ({"type": "array", "items": [{"type": "string"}]}, "'items' as a list"),
        ({"type": "strin"}, "'type' must be one of"),
        ({"type": "object", "nullable": True}, "'nullable'"),
        ({"properties": []}, "'properties' must be an object, at #/properties"),
        ({"anyOf": []}, "'anyOf' must be a non-empty list"),
        ({"required": "name"}, "'required' must be a list of strings"),
        ({"enum": []}, "'enum' must be a non-empty list"),
        ({"minLength": -1}, "'minLength' must be a non-negative integer"),
        ({"minimum": "1"}, "'minimum' must be a number"),
        ({"items": 3}, "a schema must be an object or a boolean, at #/items"),
        ({"$defs": {"A": {"$id": "a"}}}, "'$id' (at #/$defs/A)"),
    ],
)
def test_json_schema_refuses_what_it_cannot_honour(
    client: httpx2.Client, schema: dict[str, Any], named: str
) -> None:
    response = chat(client, HI, response_format=json_schema(schema))
    assert response.status_code == 400
    body = response.json()
    assert body["object"] == "error" and body["type"] == "invalid_request_error"
    assert body["code"] == "3000" and body["param"] is None
    assert body["message"].startswith("response_format.json_schema.schema: ")
    assert named in body["message"]


@pytest.mark.parametrize(
    ("schema", "keyword"),
    [
        ({"type": "integer", "minimum": 3, "maximum": 2}, "'maximum' at #"),
        ({"type": "integer", "exclusiveMinimum": 1, "exclusiveMaximum": 2}, "'exclusiveMaximum'"),
        ({"type": "array", "minItems": 3, "maxItems": 2}, "'minItems'"),
        ({"type": "string", "minLength": 30, "format": "date"}, "'minLength'"),
        (
            {"type": "array", "items": {"enum": ["a"]}, "minItems": 2, "uniqueItems": True},
            "'uniqueItems'",
        ),
        ({"allOf": [{"type": "string"}, {"type": "integer"}]}, "'allOf'"),
        ({"type": "string", "const": 3}, "'type'"),
        (
            {"type": "object", "required": ["x"], "additionalProperties": False},
            "'additionalProperties' at #",
        ),
        ({"properties": {"x": False}, "required": ["x"]}, "'false' at #/properties/x"),
        (
            {
                "$ref": "#/$defs/A",
                "$defs": {
                    "A": {
                        "type": "object",
                        "properties": {"a": {"$ref": "#/$defs/A"}},
                        "required": ["a"],
                    }
                },
            },
            "'$ref'",
        ),
    ],
)
def test_json_schema_refuses_what_nothing_satisfies(
    client: httpx2.Client, schema: dict[str, Any], keyword: str
) -> None:
    response = chat(client, HI, response_format=json_schema(schema))
    assert response.status_code == 400, response.text
    message = response.json()["message"]
    assert "the emulator found no value that satisfies" in message and keyword in message


def test_json_schema_needs_its_schema(client: httpx2.Client) -> None:
    response = chat(client, HI, response_format={"type": "json_schema"})
    assert response.status_code == 400
    assert "json_schema is required" in response.json()["message"]
    missing = chat(
        client, HI, response_format={"type": "json_schema", "json_schema": {"name": "x"}}
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == [
        "body",
        "response_format",
        "json_schema",
        "schema",
    ]


def test_json_schema_still_checks_attachments(client: httpx2.Client) -> None:
    garbage = [{"type": "image_url", "image_url": "data:image/png;base64,AAAA"}]
    response = chat(
        client,
        [{"role": "user", "content": garbage}],
        response_format=json_schema({"type": "string"}),
    )
    assert response.status_code == 400 and "decoded" in response.json()["message"]


def test_tool_call_wins_over_json(client: httpx2.Client) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": "emulator:tool {}"}]
    response = chat(client, messages, tools=tools, response_format={"type": "json_object"})
    assert response.json()["choices"][0]["finish_reason"] == "tool_calls"


# stop


def test_stop_cuts_before_the_stop_string(client: httpx2.Client) -> None:
    full = chat(client, HI).json()
    response = chat(client, HI, stop="there")
    assert reply_text(response) == "You said: hi "
    body = response.json()
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["completion_tokens"] == 3  # "You ", "said: ", "hi "
    assert body["usage"]["completion_tokens"] < full["usage"]["completion_tokens"]
    assert body["usage"]["prompt_tokens"] == full["usage"]["prompt_tokens"]
    total = body["usage"]["prompt_tokens"] + body["usage"]["completion_tokens"]
    assert body["usage"]["total_tokens"] == total


def test_stop_list_cuts_at_the_earliest(client: httpx2.Client) -> None:
    # earliest in the reply, not first in the list; mid-word cuts are fine
    assert reply_text(chat(client, HI, stop=["Messages", "aid", "\n"])) == "You s"
    response = chat(client, HI, stop=["\n\n"])
    assert reply_text(response) == "You said: hi there"
    assert response.json()["usage"]["completion_tokens"] == 4


def test_stop_absent_or_empty_changes_nothing(client: httpx2.Client) -> None:
    whole = chat(client, HI).json()
    for stop in ("nowhere", [], [""], ""):
        response = chat(client, HI, stop=stop).json()
        assert response["choices"] == whole["choices"] and response["usage"] == whole["usage"]


def test_stop_at_the_start_sends_nothing(client: httpx2.Client) -> None:
    response = chat(client, HI, stop="You")
    assert reply_text(response) == ""
    assert response.json()["usage"]["completion_tokens"] == 0
    chunks = stream(client, HI, stop="You")
    assert streamed_text(chunks) == ""
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == 0


def test_stop_streamed(client: httpx2.Client) -> None:
    expected = chat(client, HI, stop=["Messages"]).json()
    chunks = stream(client, HI, stop=["Messages"])
    assert streamed_text(chunks) == "You said: hi there\n\n"
    assert streamed_text(chunks) == expected["choices"][0]["message"]["content"]
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None] * (len(chunks) - 1) + [
        "stop"
    ]
    assert chunks[-1]["usage"] == expected["usage"]
    assert expected["usage"]["completion_tokens"] == len(chunks) - 1  # one token a chunk


def test_stop_and_max_tokens(client: httpx2.Client) -> None:
    # the stop string comes first: "stop"; max_tokens comes first: "length"
    early = chat(client, HI, stop="hi", max_tokens=3).json()
    assert early["choices"][0]["message"]["content"] == "You said: "
    assert early["choices"][0]["finish_reason"] == "stop"
    late = chat(client, HI, stop="Messages", max_tokens=3).json()
    assert late["choices"][0]["message"]["content"] == "You said: hi "
    assert late["choices"][0]["finish_reason"] == "length"


def test_stop_applies_to_markdown_and_json(client: httpx2.Client) -> None:
    markdown = [{"role": "user", "content": "emulator:markdown 200"}]
    assert reply_text(chat(client, markdown, stop="```")).endswith("- third point\n\n")
    # like a real model, a stop string can cut structured output short
    cut = reply_text(chat(client, HI, response_format={"type": "json_object"}, stop=", "))
    assert cut == '{"you_said": "hi there"'


def test_stop_leaves_tool_calls_alone(client: httpx2.Client) -> None:
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": 'emulator:tool {"a": 1}'}]
    response = chat(client, messages, tools=tools, stop="a")
    call = response.json()["choices"][0]["message"]["tool_calls"][0]
    assert json.loads(call["function"]["arguments"]) == {"a": 1}
