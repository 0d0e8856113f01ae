"""The spec's request bodies as msgspec Structs: ``ChatCompletionRequest`` and ``OCRRequest``.

They mirror the OpenAPI schemas and hold no logic; decoding and the 422 listing of every
problem live in :mod:`.validate`, which walks these declarations. Every Struct forbids
unknown fields, as the spec's ``additionalProperties: false`` does. Fields are declared in
the spec's order (``kw_only`` where a required one follows defaults): :mod:`.validate`
lists problems in declaration order, as pydantic does.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec

__all__ = [
    "AssistantMessage",
    "AudioChunk",
    "ChatCompletionRequest",
    "DocumentURLChunk",
    "FileChunk",
    "FunctionTool",
    "ImageURLChunk",
    "Message",
    "OCRFileChunk",
    "OCRRequest",
    "ResponseFormat",
    "SystemMessage",
    "TextChunk",
    "ToolMessage",
    "UserMessage",
]

_S = {"forbid_unknown_fields": True, "omit_defaults": True}


class TextChunk(msgspec.Struct, tag_field="type", tag="text", **_S):
    text: str


class ImageURL(msgspec.Struct, **_S):
    url: str
    detail: Literal["low", "auto", "high"] | None = None


class ImageURLChunk(msgspec.Struct, tag_field="type", tag="image_url", **_S):
    image_url: ImageURL | str


class DocumentURLChunk(msgspec.Struct, tag_field="type", tag="document_url", **_S):
    document_url: str
    document_name: str | None = None


class ReferenceChunk(msgspec.Struct, tag_field="type", tag="reference", **_S):
    reference_ids: list[int | str]


class FileChunk(msgspec.Struct, tag_field="type", tag="file", **_S):
    file_id: str


class ToolReferenceChunk(msgspec.Struct, tag_field="type", tag="tool_reference", **_S):
    tool: str
    title: str
    url: str | None = None
    favicon: str | None = None
    description: str | None = None


class ThinkChunk(msgspec.Struct, tag_field="type", tag="thinking", **_S):
    thinking: list[TextChunk | ToolReferenceChunk | ReferenceChunk]
    signature: str | None = None
    closed: bool = True


class AudioChunk(msgspec.Struct, tag_field="type", tag="input_audio", **_S):
    input_audio: str


ContentChunk = (
    TextChunk
    | ImageURLChunk
    | DocumentURLChunk
    | ReferenceChunk
    | FileChunk
    | ThinkChunk
    | AudioChunk
)
Content = str | None | list[ContentChunk]


class FunctionCall(msgspec.Struct, **_S):
    name: str
    arguments: dict[str, Any] | str


class ToolCall(msgspec.Struct, kw_only=True, **_S):
    id: str = "null"
    type: Literal["function"] = "function"
    function: FunctionCall
    index: int = 0


class SystemMessage(msgspec.Struct, tag_field="role", tag="system", **_S):
    content: str | list[TextChunk | ThinkChunk]


class UserMessage(msgspec.Struct, tag_field="role", tag="user", **_S):
    content: Content


class AssistantMessage(msgspec.Struct, tag_field="role", tag="assistant", **_S):
    content: Content = None
    tool_calls: list[ToolCall] | None = None
    prefix: bool = False


class ToolMessage(msgspec.Struct, tag_field="role", tag="tool", **_S):
    content: Content
    tool_call_id: str | None = None
    name: str | None = None


Message = SystemMessage | UserMessage | AssistantMessage | ToolMessage


class Function(msgspec.Struct, kw_only=True, **_S):
    name: str
    description: str = ""
    strict: bool = False
    parameters: dict[str, Any]


class ToolConfiguration(msgspec.Struct, **_S):
    exclude: list[str] | None = None
    include: list[str] | None = None
    requires_confirmation: list[str] | None = None


class FunctionTool(msgspec.Struct, tag_field="type", tag="function", **_S):
    function: Function


class WebSearchTool(msgspec.Struct, tag_field="type", tag="web_search", **_S):
    tool_configuration: ToolConfiguration | None = None


class WebSearchPremiumTool(msgspec.Struct, tag_field="type", tag="web_search_premium", **_S):
    tool_configuration: ToolConfiguration | None = None


class CodeInterpreterTool(msgspec.Struct, tag_field="type", tag="code_interpreter", **_S):
    tool_configuration: ToolConfiguration | None = None


class ImageGenerationTool(msgspec.Struct, tag_field="type", tag="image_generation", **_S):
    tool_configuration: ToolConfiguration | None = None


class DocumentLibraryTool(
    msgspec.Struct, tag_field="type", tag="document_library", kw_only=True, **_S
):
    tool_configuration: ToolConfiguration | None = None
    library_ids: Annotated[list[str], msgspec.Meta(min_length=1)]


class ConnectorAuth(msgspec.Struct, **_S):
    value: str
    type: Literal["api-key", "oauth2-token"] = "api-key"


class CustomConnector(msgspec.Struct, tag_field="type", tag="connector", **_S):
    connector_id: str
    authorization: ConnectorAuth | None = None
    tool_configuration: ToolConfiguration | None = None


AnyTool = (
    FunctionTool
    | WebSearchTool
    | WebSearchPremiumTool
    | CodeInterpreterTool
    | ImageGenerationTool
    | DocumentLibraryTool
    | CustomConnector
)


class FunctionName(msgspec.Struct, **_S):
    name: str


class ToolChoice(msgspec.Struct, kw_only=True, **_S):
    type: Literal["function"] = "function"
    function: FunctionName


class JsonSchema(msgspec.Struct, kw_only=True, **_S):
    name: str
    description: str | None = None
    schema: dict[str, Any]
    strict: bool = False


class ResponseFormat(msgspec.Struct, **_S):
    type: Literal["text", "json_object", "json_schema"] = "text"
    json_schema: JsonSchema | None = None


class Prediction(msgspec.Struct, **_S):
    type: Literal["content"] = "content"
    content: str = ""


Threshold = float | None


class ModerationV1Thresholds(msgspec.Struct, **_S):
    sexual: Threshold = None
    hate_and_discrimination: Threshold = None
    violence_and_threats: Threshold = None
    dangerous_and_criminal_content: Threshold = None
    selfharm: Threshold = None
    health: Threshold = None
    financial: Threshold = None
    law: Threshold = None
    pii: Threshold = None


class ModerationV2Thresholds(msgspec.Struct, **_S):
    sexual: Threshold = None
    hate_and_discrimination: Threshold = None
    violence_and_threats: Threshold = None
    dangerous: Threshold = None
    criminal: Threshold = None
    selfharm: Threshold = None
    health: Threshold = None
    financial: Threshold = None
    law: Threshold = None
    pii: Threshold = None
    jailbreaking: Threshold = None


class ModerationV1(msgspec.Struct, **_S):
    model_name: str = "mistral-moderation-2411"
    custom_category_thresholds: ModerationV1Thresholds | None = None
    ignore_other_categories: bool = False
    action: Literal["none", "block"] = "none"


class ModerationV2(msgspec.Struct, **_S):
    model_name: str = "mistral-moderation-2603"
    custom_category_thresholds: ModerationV2Thresholds | None = None
    ignore_other_categories: bool = False
    action: Literal["none", "block"] = "none"


class GuardrailConfig(msgspec.Struct, **_S):
    # The spec leaves this one open (no additionalProperties: false).
    block_on_error: bool = False
    moderation_llm_v1: ModerationV1 | None = None
    moderation_llm_v2: ModerationV2 | None = None


Penalty = Annotated[float, msgspec.Meta(ge=-2, le=2)] | None


class ChatCompletionRequest(msgspec.Struct, kw_only=True, **_S):
    """The body of ``POST /v1/chat/completions``, field for field (and in order) from the spec."""

    model: str
    temperature: Annotated[float, msgspec.Meta(ge=0, le=1.5)] | None = None
    top_p: Annotated[float, msgspec.Meta(gt=0, le=1)] | None = None
    max_tokens: Annotated[int, msgspec.Meta(ge=0)] | None = None
    stream: bool = False
    stop: str | list[str] | None = None
    random_seed: Annotated[int, msgspec.Meta(ge=0)] | None = None
    metadata: dict[str, Any] | None = None
    messages: list[Message]
    response_format: ResponseFormat | None = None
    tools: list[AnyTool] | None = None
    tool_choice: ToolChoice | Literal["auto", "none", "any", "required"] = "auto"
    presence_penalty: Penalty = None
    frequency_penalty: Penalty = None
    n: Annotated[int, msgspec.Meta(ge=1)] | None = None
    prediction: Prediction | None = None
    parallel_tool_calls: bool = True
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh"] | None = None
    prompt_mode: Literal["reasoning"] | None = None
    guardrails: list[GuardrailConfig] | None = None
    prompt_cache_key: str | None = None
    service_tier: Literal["auto", "standard_only"] | None = None
    safe_prompt: bool = False


class OCRFileChunk(msgspec.Struct, tag_field="type", tag="file", **_S):
    """The spec's ``FileChunk`` as OCR takes it: ``file_id`` has ``format: uuid``."""

    file_id: uuid.UUID


OCRDocument = OCRFileChunk | DocumentURLChunk | ImageURLChunk


class OCRRequest(msgspec.Struct, kw_only=True, **_S):
    """The body of ``POST /v1/ocr``, field for field (and in order) from the spec."""

    model: str | None
    document: OCRDocument
    pages: str | list[int] | None = None
    include_image_base64: bool | None = None
    image_limit: int | None = None
    image_min_size: int | None = None
    bbox_annotation_format: ResponseFormat | None = None
    document_annotation_format: ResponseFormat | None = None
    document_annotation_prompt: str | None = None
    table_format: Literal["markdown", "html"] | None = None
    extract_header: bool = False
    extract_footer: bool = False
    include_blocks: bool = True
    confidence_scores_granularity: Literal["word", "page", "block"] | None = None
