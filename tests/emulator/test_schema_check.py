"""The emulator's own schema check, which stands between a built value and the reply,
against the ``jsonschema`` package: it must never accept what jsonschema refuses, and
(formats aside, which it checks more strictly) it must agree.

Values are valid instances with one part replaced, removed or added, so every keyword
gets exercised, not just ``type`` at the top.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from test_structured import SCHEMAS, validate

from mistral_chat.emulator.schema import _Builder, schema_instance

MORE: dict[str, dict[str, Any]] = {
    "numbers": {
        "type": "object",
        "properties": {
            "a": {"type": "integer", "minimum": 0, "maximum": 3},
            "b": {"type": "number", "exclusiveMinimum": -1, "exclusiveMaximum": 1},
            "c": {"const": [1, {"x": True}]},
            "d": {"enum": [1, "1", True, None, [1]]},
        },
        "required": ["a", "b"],
        "additionalProperties": False,
    },
    "merged": {
        "allOf": [
            {"type": "object", "properties": {"n": {"type": "number", "minimum": 2}}},
            {"type": "object", "properties": {"n": {"type": "integer", "maximum": 9}}},
            {"properties": {"tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3}}},
            {"properties": {"tags": {"items": {"maxLength": 6}, "minItems": 1}}},
            {"properties": {"kind": {"enum": ["a", "b", "c"]}}},
            {"properties": {"kind": {"enum": ["c", "b"]}}, "required": ["kind", "n", "tags"]},
        ]
    },
    "pointer into a list": {
        "type": "array",
        "items": {"$ref": "#/$defs/choices/anyOf/1"},
        "$defs": {"choices": {"anyOf": [{"type": "null"}, {"type": "boolean"}]}},
    },
    "inferred types": {
        "properties": {
            "list": {"minItems": 2},
            "number": {"maximum": -0.5},
            "label": {"minLength": 7},
        }
    },
}
CASES = {**SCHEMAS, **MORE}
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 10)
    | st.floats(-5, 10, allow_nan=False)
    | st.sampled_from(["", "a", "name", "2025-01-01", "x@example.com", "c"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=6,
)


def _parts(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _parts(item, (*path, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _parts(item, (*path, i))
    return found


def _mutate(value: Any, path: tuple[Any, ...], how: str, new: Any) -> Any:
    if not path:
        return new
    value = copy.deepcopy(value)
    parent = value
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if how == "remove":
        del parent[last]
    elif how == "add" and isinstance(parent, dict):
        parent[f"extra-{last}"] = new
    elif how == "add":
        parent.append(new)
    else:
        parent[last] = new
    return value


def _has_format(schema: Any) -> bool:
    return '"format"' in json.dumps(schema)


@pytest.mark.parametrize("schema", CASES.values(), ids=CASES.keys())
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_check_agrees_with_jsonschema(schema: dict[str, Any], data: st.DataObject) -> None:
    instance = schema_instance(schema, "hi there")
    validate(instance, schema)
    path = data.draw(st.sampled_from(_parts(instance)))
    how = data.draw(st.sampled_from(["replace", "remove", "add"] if path else ["replace"]))
    mutated = _mutate(instance, path, how, data.draw(JSON))
    mine = _Builder(schema, "").error(mutated, schema) is None
    theirs = Draft202012Validator(schema).is_valid(mutated)
    if _has_format(schema):
        assert not mine or theirs, mutated  # never accepts what jsonschema refuses
    else:
        assert mine == theirs, mutated


@pytest.mark.parametrize("schema", MORE.values(), ids=MORE.keys())
def test_more_schemas_have_instances(schema: dict[str, Any]) -> None:
    validate(schema_instance(schema, "hi"), schema)


def test_merged_and_inferred_values() -> None:
    assert schema_instance(MORE["merged"], "") == {"n": 2, "tags": ["tags 1"], "kind": "b"}
    assert schema_instance(MORE["inferred types"], "") == {
        "list": ["list 1", "list 2"],
        "number": -0.5,
        "label": "label label",
    }
    assert schema_instance(MORE["pointer into a list"], "") == [True]


@pytest.mark.parametrize(
    ("instance", "schema", "keyword"),
    [
        (1, False, "false"),
        (-1, {"minimum": 0}, "minimum"),
        (4, {"maximum": 3}, "maximum"),
        (0, {"exclusiveMinimum": 0}, "exclusiveMinimum"),
        (3.5, {"exclusiveMaximum": 3.5}, "exclusiveMaximum"),
        ("toolong", {"maxLength": 3}, "maxLength"),
        ("ab", {"minLength": 3}, "minLength"),
        ("2025-13-01", {"format": "date"}, "format"),
        ([1, 2], {"maxItems": 1}, "maxItems"),
        ([], {"minItems": 1}, "minItems"),
        ([1, 1.0], {"uniqueItems": True}, "uniqueItems"),
        ([1, "a"], {"items": {"type": "integer"}}, "items"),
        ({}, {"required": ["a"]}, "required"),
        ({"a": 1}, {"properties": {"a": {"type": "string"}}}, "properties"),
        ({"b": 1}, {"additionalProperties": False}, "additionalProperties"),
        (True, {"const": 1}, "const"),
        (1, {"enum": [True, "1"]}, "enum"),
        (1.5, {"type": "integer"}, "type"),
        (1, {"oneOf": [{"type": "integer"}, {"type": "number"}]}, "oneOf"),
        ("a", {"anyOf": [{"type": "null"}, {"type": "integer"}]}, "anyOf"),
        (2, {"allOf": [{"minimum": 1}, {"maximum": 1}]}, "allOf"),
        ("a", {"$ref": "#/$defs/N", "$defs": {"N": {"type": "null"}}}, "$ref"),
    ],
)
def test_check_names_the_failing_keyword(instance: Any, schema: Any, keyword: str) -> None:
    checker = Draft202012Validator.FORMAT_CHECKER
    assert not Draft202012Validator(schema, format_checker=checker).is_valid(instance)
    root = schema if isinstance(schema, dict) else {}
    assert _Builder(root, "").error(instance, schema) == keyword


def test_check_accepts_json_equal_values() -> None:
    builder = _Builder({}, "")
    assert builder.error(2.0, {"type": "integer", "const": 2, "enum": [True, 2]}) is None
    assert builder.error({"a": [1]}, {"const": {"a": [1.0]}}) is None
    assert builder.error(None, True) is None
