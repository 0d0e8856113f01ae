"""Token counts with Mistral's own tokenizer (`mistral-common`), chat template included.

mistral-common ships two tekken tokenizer files, both usable offline:

- ``tekken_240718`` (text): Mistral Nemo, Ministral 8B (2410), Mistral Small 2 (2409);
- ``tekken_240911`` (the same vocabulary, plus images): Pixtral 12B.

For those models a count is exact. Newer models' tokenizer files are not shipped; their
requests are counted with ``tekken_240911`` (the closest shipped: same tekken vocabulary family,
and it reads images) and the count is marked approximate (``~``). What the library cannot count
is named in `TokenCount.not_counted`: documents and uploaded files (the server reads them),
images given by URL (they would have to be downloaded), images for a text-only tokenizer.

mistral-common is imported only here, inside functions, and a tokenizer is loaded once per
process (about three seconds): `mistral-chat --help` and a plain `ask` never load it.

    >>> count = count_messages("open-mistral-nemo", [{"role": "user", "content": "Hello"}])
    >>> count.tokens, count.exact, count.tokenizer                   # doctest: +SKIP
    (5, True, 'tekken_240718')
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

__all__ = [
    "IMAGE_TOKENS_MAX",
    "TokenCount",
    "TokenCountError",
    "count_messages",
    "tokenizer_for",
    "upper_bound",
]

TEXT_TOKENIZER = "tekken_240718"
IMAGE_TOKENIZER = "tekken_240911"

#: models whose own tokenizer mistral-common ships (its legacy model table, and the aliases
#: the bundled model facts give the same models)
EXACT: dict[str, str] = {
    "open-mistral-nemo-2407": TEXT_TOKENIZER,
    "open-mistral-nemo": TEXT_TOKENIZER,
    "ministral-8b-2410": TEXT_TOKENIZER,
    "mistral-small-2409": TEXT_TOKENIZER,
    "pixtral-12b-2409": IMAGE_TOKENIZER,
}

#: the most tokens one image takes with the shipped image tokenizer: a 1024-pixel square in
#: 16-pixel patches is 64 rows of 64 patches, each row ending with a break token
IMAGE_TOKENS_MAX = 64 * 65

#: the special tokens the chat template may add around one message ([INST], [/INST], </s>...)
_TEMPLATE_TOKENS_PER_MESSAGE = 4


class TokenCountError(UsageError, ValueError):
    """A request that mistral-common cannot read (one line for the user)."""


@dataclass(frozen=True)
class TokenCount:
    """The tokens of one request as mistral-common counts it.

    `exact` is False when the model's own tokenizer is not shipped and the closest one counted
    (show it as ``~1,234``); `not_counted` names the parts left out (a document, an image URL).
    """

    tokens: int
    exact: bool
    tokenizer: str
    not_counted: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        """``1,234`` or ``~1,234``."""
        return f"{'' if self.exact else '~'}{self.tokens:,}"


def tokenizer_for(model: str) -> tuple[str, bool]:
    """The shipped tokenizer file to count `model`'s requests with, and whether it is the
    model's own. A fine-tuned model (``ft:BASE:...``) counts as its base model.

        >>> tokenizer_for("open-mistral-nemo"), tokenizer_for("mistral-small-latest")
        (('tekken_240718', True), ('tekken_240911', False))
    """
    base = model.split(":")[1] if model.startswith("ft:") and model.count(":") >= 2 else model
    if base in EXACT:
        return EXACT[base], True
    return IMAGE_TOKENIZER, False


def count_messages(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    tools: Sequence[Mapping[str, Any]] | None = None,
) -> TokenCount:
    """The tokens of a chat request with `messages` (API form) for `model`, template included.

    The request must end with a user (or tool) message, as one that is sent does.
    """
    name, exact = tokenizer_for(model)
    tokenizer = _tokenizer(name)
    reads_images = tokenizer.instruct_tokenizer.image_encoder is not None
    kept, not_counted = _countable(messages, reads_images)
    from mistral_common.exceptions import MistralCommonException
    from mistral_common.protocol.instruct.request import ChatCompletionRequest
    from pydantic import ValidationError

    body: dict[str, Any] = {"messages": kept}
    if tools:
        body["tools"] = list(tools)
    try:
        request: Any = ChatCompletionRequest.model_validate(body)
        tokens = tokenizer.encode_chat_completion(request).tokens
    except (ValidationError, MistralCommonException, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TokenCountError(f"cannot count the tokens of this request: {first}") from None
    return TokenCount(len(tokens), exact, name, tuple(not_counted))


def upper_bound(messages: Sequence[Mapping[str, Any]]) -> int:
    """At least as many tokens as `count_messages` gives, without loading a tokenizer.

    Tekken tokens are whole bytes of UTF-8 text (one token is at least one byte), so the bytes
    of the text, a few template tokens per message and the largest image bound the count:
    below this, a request certainly fits, and nothing needs counting.
    """
    total = 0
    for message in messages:
        total += _TEMPLATE_TOKENS_PER_MESSAGE
        content = message.get("content")
        if isinstance(content, str):
            total += len(content.encode("utf-8"))
        elif isinstance(content, list):
            for chunk in content:
                total += _chunk_bound(chunk)
        for key in ("tool_calls", "name", "tool_call_id"):
            if message.get(key):
                total += len(json.dumps(message[key], ensure_ascii=False).encode("utf-8"))
    return total


def _chunk_bound(chunk: Any) -> int:
    if not isinstance(chunk, Mapping):
        return 0
    kind = chunk.get("type")
    if kind == "text":
        return len(str(chunk.get("text", "")).encode("utf-8"))
    if kind == "image_url":
        return IMAGE_TOKENS_MAX
    return 0  # documents and files are not counted (see `_countable`)


def _countable(
    messages: Sequence[Mapping[str, Any]], reads_images: bool
) -> tuple[list[dict[str, Any]], list[str]]:
    """The messages as mistral-common can read them, and what was left out (in words)."""
    kept: list[dict[str, Any]] = []
    left_out: list[str] = []
    for message in messages:
        copy = {k: v for k, v in message.items() if k != "prefix" or v}
        content = message.get("content")
        if isinstance(content, list):
            chunks = []
            for chunk in content:
                reason = _not_countable(chunk, reads_images)
                if reason is None:
                    chunks.append(chunk)
                else:
                    left_out.append(reason)
            copy["content"] = chunks if chunks else ""
        kept.append(copy)
    return kept, left_out


def _not_countable(chunk: Mapping[str, Any], reads_images: bool) -> str | None:
    """Why mistral-common cannot count this chunk, or None when it can."""
    kind = chunk.get("type")
    if kind == "text":
        return None
    if kind == "image_url":
        url = chunk.get("image_url")
        url = url.get("url") if isinstance(url, Mapping) else url
        if not str(url).startswith("data:"):
            return "an image given by URL (it is not downloaded to be counted)"
        if not reads_images:
            return "an image (this model's tokenizer reads no images)"
        return None
    if kind == "document_url":
        name = chunk.get("document_name")
        return f"a document{f' ({name})' if name else ''} (the server reads it)"
    if kind == "file":
        return "an uploaded file (the server reads it)"
    if kind == "thinking":
        return "earlier reasoning (not sent back)"
    return f"a {kind} chunk"


def _tokenizer_path(name: str) -> str:
    from importlib import resources

    # the files the library's own `MistralTokenizer.v3(is_tekken=True...)` read
    return str(resources.files("mistral_common") / "data" / f"{name}.json")


@lru_cache(maxsize=2)
def _tokenizer(name: str) -> MistralTokenizer[Any, Any, Any, Any, Any]:
    """A shipped tokenizer, loaded once; its image encoder counts without OpenCV."""
    from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

    tokenizer = MistralTokenizer.from_file(_tokenizer_path(name))
    inner = tokenizer.instruct_tokenizer
    if inner.image_encoder is not None:
        inner.image_encoder = _CountingImageEncoder(inner.image_encoder)  # type: ignore[assignment]
    return tokenizer


class _CountingImageEncoder:
    """mistral-common's image encoder without the pixel resampling.

    The library resizes and normalises each image for the model (with OpenCV, an optional extra
    of 170 MB); the tokens depend only on the image's size, which its own `_image_to_num_tokens`
    turns into rows of patches. The count is the library's; the pixels are not needed.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def __call__(self, chunk: Any) -> Any:
        import numpy as np
        from mistral_common.tokens.tokenizers.image import ImageEncoding, image_from_chunk

        width, height = self.inner._image_to_num_tokens(image_from_chunk(chunk))
        ids = self.inner.special_ids
        tokens = ([ids.img] * width + [ids.img_break]) * height
        tokens[-1] = ids.img_end
        return ImageEncoding(tokens=tokens, image=np.zeros((3, 1, 1), dtype=np.float32))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
