"""Request validation: decoding a body into the spec's Structs, or the API's 422.

The Structs themselves (``ChatCompletionRequest``, ``OCRRequest`` and their parts) are in
:mod:`.request_bodies`. A failure becomes the API's 422 body:
``{"detail": [{"type", "loc", "msg", "input"}]}`` with pydantic-style types and messages
(the real API is FastAPI). Like pydantic, it lists every problem: msgspec stops at the first
error, so an invalid body is walked again field by field (:func:`problems`). Fields are
declared in the spec's order, so entries come in pydantic's order: each object's fields in
declaration order, then its unknown fields in input order; list items by index.
"""

from __future__ import annotations

import re
from types import UnionType
from typing import Any, Union, get_args, get_origin

import msgspec

# ChatCompletionRequest, OCRFileChunk and OCRRequest moved to request_bodies; re-exported
# so that this module's public names stay as they were.
from .request_bodies import ChatCompletionRequest, OCRFileChunk, OCRRequest

__all__ = [
    "ApiError",
    "ChatCompletionRequest",
    "Invalid",
    "OCRFileChunk",
    "OCRRequest",
    "context_too_long",
    "decode_chat_request",
    "decode_ocr_request",
    "detail_entry",
    "invalid_request",
    "json_body",
    "not_found",
    "problems",
]

# The spec's document is an anyOf (no discriminator) whose members give ``type`` a default,
# so ``{"file_id": ...}`` alone is a FileChunk: such a member is named by its own field.
_OCR_DOCUMENT_KEYS = {"file_id": "file", "document_url": "document_url", "image_url": "image_url"}


class Invalid(Exception):
    """A request that fails validation; ``detail`` is the 422 body's list."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__(detail[0]["msg"] if detail else "invalid")
        self.detail = detail


def detail_entry(
    type_: str, loc: list[str | int], msg: str, input_: Any, ctx: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One entry of a 422 ``detail`` list."""
    entry: dict[str, Any] = {"type": type_, "loc": loc, "msg": msg, "input": input_}
    if ctx:
        entry["ctx"] = ctx
    return entry


def json_body(body: bytes) -> Any:
    """The parsed JSON body; a missing or malformed one is a 422 as FastAPI gives it."""
    try:
        raw = msgspec.json.decode(body) if body else None
    except (ValueError, RecursionError) as exc:
        # msgspec's DecodeError, invalid UTF-8 (UnicodeDecodeError) and nesting deeper than
        # the decoder follows: the client's mistake, never a 500 (which clients retry)
        raise Invalid(
            [
                detail_entry(
                    "json_invalid", ["body", 0], "JSON decode error", {}, {"error": str(exc)}
                )
            ]
        ) from None
    if raw is None:
        raise Invalid([detail_entry("missing", ["body"], "Field required", None)])
    return raw


def decode_chat_request(body: bytes) -> ChatCompletionRequest:
    """Parse and validate a chat request body, or raise :class:`Invalid`."""
    raw = json_body(body)
    try:
        return msgspec.convert(raw, ChatCompletionRequest)
    except msgspec.ValidationError:
        raise Invalid([translate(p, raw) for p in problems(raw, ChatCompletionRequest)]) from None


def decode_ocr_request(body: bytes) -> OCRRequest:
    """Parse and validate an OCR request body, or raise :class:`Invalid`."""
    raw = json_body(body)
    typed = raw
    document = raw.get("document") if isinstance(raw, dict) else None
    if isinstance(document, dict) and "type" not in document:
        # A member named by its field takes its default ``type`` (inputs stay as sent).
        named = [tag for key, tag in _OCR_DOCUMENT_KEYS.items() if key in document]
        if len(named) == 1:
            typed = {**raw, "document": {"type": named[0], **document}}
    try:
        return msgspec.convert(typed, OCRRequest)
    except msgspec.ValidationError:
        raise Invalid([translate(p, raw) for p in problems(typed, OCRRequest)]) from None


def problems(value: Any, type_: Any, path: str = "$") -> list[str]:
    """Every problem of ``value`` against ``type_``, as msgspec messages (``... - at `$.a```).

    msgspec reports only its first error; this descends into objects and lists so that each
    field and each item is checked on its own, as pydantic does. Empty if ``value`` is valid.
    """
    try:
        msgspec.convert(value, type_)
    except msgspec.ValidationError as exc:
        text, _, at = str(exc).partition(" - at `")
        whole = f"{text} - at `{path}{at.rstrip('`').removeprefix('$')}`"
        return _descend(value, type_, path) or [whole]
    return []


def _descend(value: Any, type_: Any, path: str) -> list[str]:
    """The problems found inside ``value``, or none when it cannot be taken apart."""
    if isinstance(type_, type) and issubclass(type_, msgspec.Struct):
        return _struct_problems(value, type_, path) if isinstance(value, dict) else []
    if get_origin(type_) is list:
        if not isinstance(value, list):
            return []
        (item,) = get_args(type_)
        return [p for i, v in enumerate(value) for p in problems(v, item, f"{path}[{i}]")]
    if get_origin(type_) in (Union, UnionType):
        member = _member_for(value, get_args(type_))
        return _descend(value, member, path) if member is not None else []
    return []


def _member_for(value: Any, members: tuple[Any, ...]) -> Any:
    """The one union member an object or a list can be checked against, if there is one."""
    if isinstance(value, list):
        lists = [m for m in members if get_origin(m) is list]
        return lists[0] if len(lists) == 1 else None
    if not isinstance(value, dict):
        return None
    structs = [m for m in members if isinstance(m, type) and issubclass(m, msgspec.Struct)]
    tag_field = structs[0].__struct_config__.tag_field if structs else None
    if tag_field is None:
        return structs[0] if len(structs) == 1 else None
    # A tagged union: only a known tag picks a member (else msgspec's own error stands).
    tags = {s.__struct_config__.tag: s for s in structs}
    tag = value.get(tag_field)
    return tags.get(tag) if isinstance(tag, str) else None


def _struct_problems(value: dict[str, Any], struct: type[msgspec.Struct], path: str) -> list[str]:
    found: list[str] = []
    tag_field = struct.__struct_config__.tag_field
    known = {tag_field} if tag_field else set()
    for field in msgspec.structs.fields(struct):
        name = field.encode_name
        known.add(name)
        if name in value:
            found += problems(value[name], field.type, f"{path}.{name}")
        elif field.required:
            found.append(f"Object missing required field `{name}` - at `{path}`")
    if struct.__struct_config__.forbid_unknown_fields:
        found += [
            f"Object contains unknown field `{k}` - at `{path}`" for k in value if k not in known
        ]
    return found


_TAGS = {
    "role": ("system", "user", "assistant", "tool"),
    "type": (
        "text",
        "image_url",
        "document_url",
        "reference",
        "file",
        "thinking",
        "input_audio",
    ),
}
_ENTRY_TAGS = (
    "message.input",
    "message.output",
    "function.result",
    "function.call",
    "tool.execution",
    "agent.handoff",
)
_TOOL_TAGS = (
    "function",
    "web_search",
    "web_search_premium",
    "code_interpreter",
    "image_generation",
    "document_library",
    "connector",
)
_TYPE_NAMES = {
    "str": ("string_type", "Input should be a valid string"),
    "int": ("int_type", "Input should be a valid integer"),
    "float": ("float_type", "Input should be a valid number"),
    "bool": ("bool_type", "Input should be a valid boolean"),
    "array": ("list_type", "Input should be a valid list"),
    "object": ("dict_type", "Input should be a valid dictionary"),
    "null": ("none_required", "Input should be None"),
    "uuid": ("uuid_type", "UUID input should be a string, bytes or UUID object"),
}
_BOUNDS = {
    ">=": ("greater_than_equal", "greater than or equal to", "ge"),
    ">": ("greater_than", "greater than", "gt"),
    "<=": ("less_than_equal", "less than or equal to", "le"),
    "<": ("less_than", "less than", "lt"),
}
_PATH_PART = re.compile(r"\.(\w+)|\[(\d+)\]")


def _walk(raw: Any, path: str) -> tuple[list[str | int], Any, Any]:
    """Follow a msgspec error path (``$.a[0].b``) through the raw body.

    Returns the loc, the value there and its parent. Inside a tagged union the tag joins
    the loc, as pydantic reports it (``["body", "messages", 0, "user", "content"]``).
    """
    parts: list[str | int] = [n if n else int(i) for n, i in _PATH_PART.findall(path)]
    loc: list[str | int] = ["body"]
    value, parent = raw, None
    for pos, key in enumerate(parts):
        parent = value
        if isinstance(value, dict) and isinstance(key, str):
            value = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        loc.append(key)
        following = parts[pos + 1] if pos + 1 < len(parts) else None
        if isinstance(key, int) and isinstance(value, dict) and following not in _TAGS:
            tag = value.get("role", value.get("type"))
            if isinstance(tag, str):
                loc.append(tag)
    return loc, value, parent


def _expected_tags(field: str, loc: list[str | int]) -> tuple[str, ...]:
    if loc[:2] == ["body", "document"]:
        return tuple(_OCR_DOCUMENT_KEYS.values())
    if loc[:2] == ["body", "inputs"] and len(loc) == 4:
        return _ENTRY_TAGS
    if field == "role":
        return _TAGS["role"]
    if "tools" in loc:
        return _TOOL_TAGS
    if "system" in loc:
        return ("text", "thinking")
    return _TAGS["type"]


def translate(message: str, raw: Any) -> dict[str, Any]:
    """Turn one msgspec error message into a pydantic-style ``detail`` entry."""
    text, _, path = message.partition(" - at `")
    loc, value, parent = _walk(raw, path.rstrip("`"))
    if m := re.fullmatch(r"Object missing required field `([^`]+)`", text):
        field = m.group(1)
        if field in _TAGS and loc[-1] != field:
            return detail_entry(
                "union_tag_not_found",
                loc,
                f"Unable to extract tag using discriminator '{field}'",
                value,
                {"discriminator": f"'{field}'"},
            )
        return detail_entry("missing", [*loc, field], "Field required", value)
    if m := re.fullmatch(r"Object contains unknown field `([^`]+)`", text):
        field = m.group(1)
        got = value.get(field) if isinstance(value, dict) else None
        return detail_entry("extra_forbidden", [*loc, field], "Extra inputs are not permitted", got)
    if m := re.fullmatch(r"Invalid value '(.*)'", text):
        field = str(loc[-1])
        tags = ", ".join(f"'{t}'" for t in _expected_tags(field, loc))
        return detail_entry(
            "union_tag_invalid",
            loc[:-1],
            f"Input tag '{m.group(1)}' found using '{field}' does not match any of the "
            f"expected tags: {tags}",
            parent,
            {"discriminator": f"'{field}'", "tag": m.group(1), "expected_tags": tags},
        )
    if text == "Invalid UUID":
        return detail_entry("uuid_parsing", loc, "Input should be a valid UUID", value)
    if re.fullmatch(r"Invalid enum value '(.*)'", text):
        return detail_entry("enum", loc, "Input should be one of the allowed values", value)
    if m := re.fullmatch(r"Expected `(\w+)` (>=|>|<=|<) (-?[\d.]+)", text):
        type_, words, key = _BOUNDS[m.group(2)]
        limit: float | int = float(m.group(3)) if m.group(1) == "float" else int(m.group(3))
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return detail_entry(type_, loc, f"Input should be {words} {limit}", value, {key: limit})
    if m := re.fullmatch(r"Expected `array` of length >= (\d+)", text):
        return detail_entry(
            "too_short",
            loc,
            f"List should have at least {m.group(1)} item after validation",
            value,
        )
    if m := re.fullmatch(r"Expected `([\w |]+)`, got `\w+`", text):
        first = m.group(1).split(" | ")[0]
        type_, msg = _TYPE_NAMES.get(first, ("value_error", f"Input should be {first}"))
        return detail_entry(type_, loc, msg, value)
    return detail_entry("value_error", loc, text, value)


class ApiError(Exception):
    """An error the API answers with its error object (anything but a 422).

    ``code`` 1500 (invalid model) and 3051 (prompt too long) are Mistral's own; the other
    3xxx codes are the emulator's.
    """

    def __init__(self, status: int, message: str, type_: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {
            "object": "error",
            "message": message,
            "type": type_,
            "param": None,
            "code": code,
        }


def invalid_request(message: str) -> ApiError:
    return ApiError(400, message, "invalid_request_error", "3000")


def not_found(message: str) -> ApiError:
    return ApiError(404, message, "not_found_error", "3001")


def context_too_long(prompt_tokens: int, draft_tokens: int, context: int) -> ApiError:
    """The API's answer to a prompt (plus ``max_tokens``) longer than the model's window."""
    return ApiError(
        400,
        f"Prompt contains {prompt_tokens} tokens and {draft_tokens} draft tokens, too large "
        f"for model with {context} maximum context length",
        "invalid_request_message_error",
        "3051",
    )
