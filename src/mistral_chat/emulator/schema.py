"""An instance of a JSON schema, for ``response_format: {"type": "json_schema"}``.

:func:`schema_instance` returns a deterministic value that validates against the schema,
or raises the API's 400 error: for a keyword outside the supported subset (named in the
message, with where it is), and for a schema it cannot satisfy. It never answers with a
value it has not checked against the schema itself.

Supported: ``type`` (one or a list), ``properties``, ``required``, ``additionalProperties``,
``items`` (one schema), ``minItems``, ``maxItems``, ``uniqueItems``, ``enum``, ``const``,
``default``, ``anyOf`` and ``oneOf`` (the first branch that fits), ``allOf`` (merged),
``$ref`` to a local pointer (``#/$defs/...``, ``#/definitions/...``, ``#``), ``minimum``,
``maximum``, ``exclusiveMinimum``, ``exclusiveMaximum``, ``minLength``, ``maxLength`` and
``format`` (see ``FORMATS``); annotations (``title``, ``description``, ``examples``...)
are ignored. Every property is filled, not only the required ones (down to ``_DEEP``
levels of nesting; below that only required ones, so recursive schemas end).

The subset itself (keywords, formats) and the up-front check of a schema are in
:mod:`.schema_keywords`; this module builds a value and checks it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from .schema_keywords import FORMATS, check_keywords, refuse

__all__ = ["schema_instance"]

# Property names whose string gets the "You said: ..." text.
_TEXTUAL = frozenset(
    {
        "answer",
        "body",
        "comment",
        "content",
        "description",
        "explanation",
        "message",
        "output",
        "reason",
        "reasoning",
        "reply",
        "response",
        "result",
        "summary",
        "text",
    }
)
_DEEP = 6  # below this nesting, only required properties and minItems items
_LIMIT = 32  # deeper than this, a recursive schema has no instance the emulator can find


class _Impossible(Exception):
    """No value fits: ``keyword`` is the one that failed, at ``where`` in the schema."""

    def __init__(self, keyword: str, where: str) -> None:
        super().__init__(keyword)
        self.keyword = keyword
        self.where = where


def schema_instance(schema: dict[str, Any], said: str) -> Any:
    """A value valid against ``schema``; strings such as ``summary`` get ``You said: <said>``."""
    check_keywords(schema, "#", root=True)
    builder = _Builder(schema, said)
    try:
        return builder.value(schema, "#", None, None, 0)
    except _Impossible as exc:
        raise refuse(
            f"the emulator found no value that satisfies '{exc.keyword}' at {exc.where}"
        ) from None


def _pointer(root: dict[str, Any], ref: str) -> Any:
    node: Any = root
    for raw in ref.removeprefix("#").split("/")[1:]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise refuse(f"'$ref' {ref!r} points at nothing")
    check_keywords(node, ref)
    return node


def _type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _same(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, but ``1`` is ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


_NUMBERS = ("integer", "number")


class _Builder:
    """Builds values for one schema (``root``, which ``$ref`` pointers are resolved in)
    and checks them against it."""

    def __init__(self, root: dict[str, Any], said: str) -> None:
        self.root = root
        self.said = said

    # Checking

    def error(self, value: Any, schema: Any, depth: int = 0) -> str | None:
        """The first keyword of ``schema`` that ``value`` fails, or None if it is valid."""
        if schema is True:
            return None
        if schema is False:
            return "false"
        if depth > _LIMIT * 4:
            return "$ref"
        kind = _type_of(value)
        if "$ref" in schema and self.error(value, _pointer(self.root, schema["$ref"]), depth + 1):
            return "$ref"
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if kind not in names and not (kind == "integer" and "number" in names):
                return "type"
        if "const" in schema and not _same(value, schema["const"]):
            return "const"
        if "enum" in schema and not any(_same(value, v) for v in schema["enum"]):
            return "enum"
        for key in ("allOf", "anyOf", "oneOf"):
            if key in schema:
                fits = sum(self.error(value, s, depth + 1) is None for s in schema[key])
                if (key == "allOf" and fits < len(schema[key])) or (
                    (key == "anyOf" and fits == 0) or (key == "oneOf" and fits != 1)
                ):
                    return key
        if kind in _NUMBERS:
            return self._number_error(value, schema)
        if kind == "string":
            return self._string_error(value, schema)
        if kind == "array":
            return self._array_error(value, schema, depth)
        if kind == "object":
            return self._object_error(value, schema, depth)
        return None

    def _number_error(self, value: float, schema: dict[str, Any]) -> str | None:
        if "minimum" in schema and value < schema["minimum"]:
            return "minimum"
        if "maximum" in schema and value > schema["maximum"]:
            return "maximum"
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            return "exclusiveMinimum"
        if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
            return "exclusiveMaximum"
        return None

    def _string_error(self, value: str, schema: dict[str, Any]) -> str | None:
        if len(value) < schema.get("minLength", 0):
            return "minLength"
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            return "maxLength"
        if "format" in schema and not FORMATS[schema["format"]][1](value):
            return "format"
        return None

    def _array_error(self, value: list[Any], schema: dict[str, Any], depth: int) -> str | None:
        if len(value) < schema.get("minItems", 0):
            return "minItems"
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            return "maxItems"
        if schema.get("uniqueItems") and any(
            _same(a, b) for i, a in enumerate(value) for b in value[i + 1 :]
        ):
            return "uniqueItems"
        if "items" in schema and any(self.error(v, schema["items"], depth + 1) for v in value):
            return "items"
        return None

    def _object_error(
        self, value: dict[str, Any], schema: dict[str, Any], depth: int
    ) -> str | None:
        if any(key not in value for key in schema.get("required", [])):
            return "required"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            sub = properties.get(key, extra)
            if self.error(item, sub, depth + 1):
                return "properties" if key in properties else "additionalProperties"
        return None

    # Building

    def value(
        self, schema: Any, where: str, name: str | None, index: int | None, depth: int
    ) -> Any:
        """The first candidate that ``schema`` accepts."""
        if depth > _LIMIT:
            raise _Impossible("$ref", where)
        if schema is True:
            schema = {}
        if schema is False:
            raise _Impossible("false", where)
        failed: _Impossible | None = None
        for candidate in self.candidates(schema, where, name, index, depth):
            if isinstance(candidate, _Impossible):
                failed = candidate
                continue
            keyword = self.error(candidate, schema)
            if keyword is None:
                return candidate
            failed = _Impossible(keyword, where)
        raise failed or _Impossible("type", where)

    def candidates(
        self, schema: dict[str, Any], where: str, name: str | None, index: int | None, depth: int
    ) -> Iterator[Any]:
        """Values to try, best first; an :class:`_Impossible` stands for a branch that failed."""
        flat = self.flatten(schema, where, depth)
        if "const" in flat:
            yield flat["const"]
            return
        if "enum" in flat:
            values = flat["enum"]
            shift = (index or 0) % len(values)  # items of an array take the values in turn
            yield from values[shift:] + values[:shift]
            return
        default = flat.pop("default", ...)
        # A default is the answer, but null is a poor one: tried last (first deep down).
        if default is not ... and (default is not None or depth >= _DEEP):
            yield default
        branches = flat.pop("anyOf", None) or flat.pop("oneOf", None)
        if branches:
            subs = [{**flat, **b} if isinstance(b, dict) else b for b in branches]
            if depth >= _DEEP:
                subs.sort(key=self._weight)  # nulls and scalars first: recursion ends
            for i, sub in enumerate(subs):
                try:
                    yield self.value(sub, f"{where}/{i}", name, index, depth)
                except _Impossible as exc:
                    yield exc
        else:
            for type_ in self.types(flat, depth):
                try:
                    yield self.of_type(type_, flat, where, name, index, depth)
                except _Impossible as exc:
                    yield exc
        if default is None and depth < _DEEP:
            yield default

    def _weight(self, branch: Any) -> int:
        if not isinstance(branch, dict) or "$ref" in branch:
            return 2
        names = branch.get("type", [])
        names = names if isinstance(names, list) else [names]
        if "null" in names:
            return 0
        return 1 if names and not {"object", "array"} & set(names) else 2

    def flatten(self, schema: dict[str, Any], where: str, depth: int) -> dict[str, Any]:
        """``schema`` with its ``$ref`` and ``allOf`` merged in."""
        flat = {k: v for k, v in schema.items() if k not in ("$ref", "allOf")}
        parts: list[Any] = []
        if "$ref" in schema:
            parts.append(_pointer(self.root, schema["$ref"]))
        parts += schema.get("allOf", [])
        for part in parts:
            if part is False:
                raise _Impossible("allOf", where)
            if part is True:
                continue
            if depth > _LIMIT:
                raise _Impossible("$ref", where)
            flat = _merge(flat, self.flatten(part, where, depth + 1))
        return flat

    def types(self, schema: dict[str, Any], depth: int) -> list[str]:
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        elif {"properties", "required", "additionalProperties"} & schema.keys():
            names = ["object"]
        elif {"items", "minItems", "maxItems", "uniqueItems"} & schema.keys():
            names = ["array"]
        elif {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} & schema.keys():
            names = ["number"]
        else:
            names = ["string"]
        # A value is more useful than null, unless the schema is recursing deep.
        nulls = [n for n in names if n == "null"]
        others = [n for n in names if n != "null"]
        return nulls + others if depth >= _DEEP else others + nulls

    def of_type(
        self,
        type_: str,
        schema: dict[str, Any],
        where: str,
        name: str | None,
        index: int | None,
        depth: int,
    ) -> Any:
        if type_ == "object":
            return self.object(schema, where, depth)
        if type_ == "array":
            return self.array(schema, where, name, depth)
        if type_ == "string":
            return self.string(schema, where, name, index)
        if type_ in _NUMBERS:
            return _number(schema, where, type_ == "integer", index)
        if type_ == "boolean":
            return index is None or index % 2 == 0
        return None

    def object(self, schema: dict[str, Any], where: str, depth: int) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required: list[str] = schema.get("required", [])
        extra = schema.get("additionalProperties", True)
        # every property (a forbidden one only if required: then the check refuses it)
        keys = [
            k
            for k, sub in properties.items()
            if k in required or (depth < _DEEP and sub is not False)
        ]
        out: dict[str, Any] = {}
        for key in keys:
            out[key] = self.value(
                properties[key], f"{where}/properties/{key}", key, None, depth + 1
            )
        for key in required:
            if key not in properties:
                if extra is False:
                    raise _Impossible("additionalProperties", where)
                out[key] = self.value(extra, f"{where}/additionalProperties", key, None, depth + 1)
        return out

    def array(self, schema: dict[str, Any], where: str, name: str | None, depth: int) -> list[Any]:
        low = schema.get("minItems", 0)
        count = max(low, 0 if depth >= _DEEP else 1)
        count = min(count, schema.get("maxItems", count))
        items = schema.get("items", {})
        return [self.value(items, f"{where}/items", name, i, depth + 1) for i in range(count)]

    def string(
        self, schema: dict[str, Any], where: str, name: str | None, index: int | None
    ) -> str:
        if "format" in schema:
            text = str(FORMATS[schema["format"]][0](name, index))
        elif name is None or _TEXTUAL & set(_words(name)):
            text = f"You said: {self.said}"
            if index:
                text += f" ({index + 1})"
        else:
            text = name if index is None else f"{name} {index + 1}"
        if "format" in schema:
            return text  # not padded nor cut: the check refuses a length it cannot meet
        base = text or "x"
        while len(text) < schema.get("minLength", 0):
            text = f"{text} {base}" if text else base
        return text[: schema.get("maxLength", len(text))]


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def _number(schema: dict[str, Any], where: str, integer: bool, index: int | None) -> float:
    """1 (1.5 for a number), plus the index in an array, moved inside the bounds."""
    inf = math.inf
    minimum, maximum = schema.get("minimum", -inf), schema.get("maximum", inf)
    above, below = schema.get("exclusiveMinimum", -inf), schema.get("exclusiveMaximum", inf)
    low: float
    high: float
    if integer:
        low = max(_whole(minimum, math.ceil), _whole(above, math.floor) + 1)
        high = min(_whole(maximum, math.floor), _whole(below, math.ceil) - 1)
        if low > high:
            raise _Impossible("maximum" if "maximum" in schema else "exclusiveMaximum", where)
        return int(min(max(1 + (index or 0), low), high))
    low, high = max(minimum, above + 0.5), min(maximum, below - 0.5)
    if low > high:
        # an interval narrower than a step: its middle (the check still has the last word)
        return float(max(minimum, above) + min(maximum, below)) / 2
    return float(min(max(1.5 + (index or 0), low), high))


def _whole(bound: float, rounding: Callable[[float], int]) -> float:
    return rounding(bound) if math.isfinite(bound) else bound


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Both schemas as one, for ``allOf``: properties, required, types and bounds combined.

    Where two keywords cannot be combined the first is kept: the value built is checked
    against the original schema, which then names the keyword that could not be met.
    """
    out = dict(a)
    for key, value in b.items():
        if key not in out:
            out[key] = value
        elif key == "properties":
            props = dict(out[key])
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
            out[key] = props
        elif key == "required":
            out[key] = list(dict.fromkeys([*out[key], *value]))
        elif key in ("minimum", "exclusiveMinimum", "minItems", "minLength"):
            out[key] = max(out[key], value)
        elif key in ("maximum", "exclusiveMaximum", "maxItems", "maxLength"):
            out[key] = min(out[key], value)
        elif key == "items":
            out[key] = {"allOf": [out[key], value]}
        elif key == "type":
            mine = out[key] if isinstance(out[key], list) else [out[key]]
            theirs = value if isinstance(value, list) else [value]
            both = [t for t in mine if t in theirs]
            both += [
                t
                for t in ("integer",)
                if t not in both and {"integer", "number"} <= {*mine, *theirs}
            ]
            out[key] = both or mine
        elif key == "enum":
            out[key] = [v for v in out[key] if any(_same(v, w) for w in value)] or out[key]
    return out
