"""Token counts equal mistral-common's own, called the documented way, on a fixed corpus.

The reference side builds mistral-common's request objects by hand (`UserMessage`,
`ImageURLChunk`...) and tokenizes with `MistralTokenizer.v3(is_tekken=True[, is_mm=True])`,
the library's own constructors for the shipped files; with OpenCV installed (a dev dependency)
it resamples images as the library does. Our side takes the API's message dicts.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from mistral_common.protocol.instruct.chunk import ImageURLChunk, TextChunk
from mistral_common.protocol.instruct.messages import (
    AssistantMessage,
    SystemMessage,
    UserMessage,
)
from mistral_common.protocol.instruct.request import ChatCompletionRequest
from mistral_common.tokens.tokenizers.mistral import MistralTokenizer
from PIL import Image

from mistral_chat.services.tokens import (
    IMAGE_TOKENS_MAX,
    count_messages,
    tokenizer_for,
    upper_bound,
)


def _png(size: tuple[int, int], color: str = "red") -> str:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


LONG = "Le renard brun saute par-dessus le chien paresseux. " * 40
CODE = 'def f(x):\n    return {"a": x ** 2}  # 二乗\n\n\tprint(f(3))\n'
PHOTO = _png((800, 600))
TALL = _png((300, 2000), "blue")

#: (API messages, the same request in mistral-common's own classes)
CORPUS: list[tuple[list[dict[str, Any]], list[Any]]] = [
    ([{"role": "user", "content": "Hello"}], [UserMessage(content="Hello")]),
    (
        [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "What is FIM?"},
            {"role": "assistant", "content": "Fill in the middle."},
            {"role": "user", "content": "Et en français ?"},
        ],
        [
            SystemMessage(content="You are terse."),
            UserMessage(content="What is FIM?"),
            AssistantMessage(content="Fill in the middle."),
            UserMessage(content="Et en français ?"),
        ],
    ),
    (
        [
            {
                "role": "user",
                "content": [{"type": "text", "text": CODE}, {"type": "text", "text": LONG}],
            }
        ],
        [UserMessage(content=[TextChunk(text=CODE), TextChunk(text=LONG)])],
    ),
    (
        [
            {"role": "user", "content": "日本語のテキストと emoji 🎉 も数えます。"},
            {"role": "assistant", "content": [{"type": "text", "text": "はい。"}]},
            {"role": "user", "content": "  spaces\n\n\nand newlines  "},
        ],
        [
            UserMessage(content="日本語のテキストと emoji 🎉 も数えます。"),
            AssistantMessage(content="はい。"),
            UserMessage(content="  spaces\n\n\nand newlines  "),
        ],
    ),
]

IMAGE_CORPUS: list[tuple[list[dict[str, Any]], list[Any]]] = [
    (
        [
            {"role": "system", "content": "Describe images."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": PHOTO}},
                ],
            },
        ],
        [
            SystemMessage(content="Describe images."),
            UserMessage(content=[TextChunk(text="What is this?"), ImageURLChunk(image_url=PHOTO)]),
        ],
    ),
    (
        [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": PHOTO},
                    {"type": "text", "text": "and"},
                    {"type": "image_url", "image_url": {"url": TALL}},
                ],
            }
        ],
        [
            UserMessage(
                content=[
                    ImageURLChunk(image_url=PHOTO),
                    TextChunk(text="and"),
                    ImageURLChunk(image_url=TALL),
                ]
            )
        ],
    ),
]


def _reference(tokenizer: MistralTokenizer, messages: list[Any]) -> int:
    request = ChatCompletionRequest(messages=messages)
    return len(tokenizer.encode_chat_completion(request).tokens)


@pytest.fixture(scope="module")
def text_tokenizer() -> MistralTokenizer:
    return MistralTokenizer.v3(is_tekken=True)


@pytest.fixture(scope="module")
def image_tokenizer() -> MistralTokenizer:
    return MistralTokenizer.v3(is_tekken=True, is_mm=True)


@pytest.mark.parametrize("case", range(len(CORPUS)))
def test_text_counts_equal_mistral_common_for_mistral_nemo(
    case: int, text_tokenizer: MistralTokenizer
) -> None:
    ours, theirs = CORPUS[case]
    count = count_messages("open-mistral-nemo", ours)
    assert count.exact and count.tokenizer == "tekken_240718"
    assert count.tokens == _reference(text_tokenizer, theirs)
    assert count.not_counted == ()
    assert upper_bound(ours) >= count.tokens


@pytest.mark.parametrize("case", range(len(CORPUS) + len(IMAGE_CORPUS)))
def test_counts_with_images_equal_mistral_common_for_pixtral(
    case: int, image_tokenizer: MistralTokenizer
) -> None:
    ours, theirs = [*CORPUS, *IMAGE_CORPUS][case]
    count = count_messages("pixtral-12b-2409", ours)
    assert count.exact and count.tokenizer == "tekken_240911"
    assert count.tokens == _reference(image_tokenizer, theirs)
    assert upper_bound(ours) >= count.tokens


def test_an_image_counts_as_rows_of_patches() -> None:
    # 800x600 in 16-pixel patches: 38 rows of 50 patches and a break each
    text_only = count_messages("pixtral-12b-2409", [{"role": "user", "content": "What is this?"}])
    with_image = count_messages("pixtral-12b-2409", IMAGE_CORPUS[0][0][1:])
    assert with_image.tokens - text_only.tokens == 38 * 51
    assert IMAGE_TOKENS_MAX > 38 * 51


def test_newer_models_are_counted_with_the_closest_shipped_tokenizer(
    image_tokenizer: MistralTokenizer,
) -> None:
    ours, theirs = IMAGE_CORPUS[0]
    count = count_messages("mistral-small-latest", ours)
    assert (count.exact, count.tokenizer) == (False, "tekken_240911")
    assert count.shown == f"~{_reference(image_tokenizer, theirs):,}"
    assert tokenizer_for("ft:open-mistral-nemo:acme:20260101:abc") == ("tekken_240718", True)


def test_what_cannot_be_counted_is_named() -> None:
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Compare"},
                {
                    "type": "document_url",
                    "document_url": "https://x/y.pdf",
                    "document_name": "y.pdf",
                },
                {"type": "image_url", "image_url": "https://example.com/a.png"},
                {"type": "file", "file_id": "f-1"},
            ],
        }
    ]
    count = count_messages("mistral-small-latest", messages)
    assert count.not_counted == (
        "a document (y.pdf) (the server reads it)",
        "an image given by URL (it is not downloaded to be counted)",
        "an uploaded file (the server reads it)",
    )
    assert (
        count.tokens
        == count_messages("mistral-small-latest", [{"role": "user", "content": "Compare"}]).tokens
    )
    text_only = count_messages("open-mistral-nemo", IMAGE_CORPUS[0][0])
    assert text_only.not_counted == ("an image (this model's tokenizer reads no images)",)
