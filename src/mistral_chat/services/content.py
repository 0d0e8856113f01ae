"""Turn what the user attached into the content chunks of one chat message.

`classify` (services.attachments) says what each `-a` / `/attach` argument is; this module sends
it the way the API wants it and records what was attached for the history:

    ImageFile       prepare_image() -> `image_url` with a data URI (its true MIME type)
    TextFile        its text, fenced under its name -> `text` (no upload)
    DocumentFile    Files API upload (purpose "ocr"; an earlier upload of the same bytes is
                    reused, see services.upload_reuse) -> signed URL -> `document_url`
    RemoteURL       `image_url` or `document_url` with the URL itself
    UploadedFile    `file` chunk with the file id

    >>> prepared = prepare_attachments([RemoteURL("https://example.com/a.png", "image")], None)
    >>> prepared.chunks
    [{'type': 'image_url', 'image_url': {'url': 'https://example.com/a.png'}}]
    >>> user_content("What is this?", prepared)[0]
    {'type': 'text', 'text': 'What is this?'}

Cheap checks come first (how many images) so nothing is encoded or uploaded for a message that
would be refused anyway. `require_vision` refuses images for a model whose catalog entry lacks
`vision`, naming the models that have it (a server that lists no capabilities decides itself).
With an `ImageStore`, each image's prepared bytes are kept, so that a continued conversation
sends them again (services.image_store).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mistral_chat.api import content as chunks
from mistral_chat.services.attachments import (
    AttachmentError,
    AttachmentSpec,
    AudioClip,
    DocumentFile,
    ImageFile,
    RemoteURL,
    TextFile,
    UploadedFile,
)
from mistral_chat.services.images import (
    DEFAULT_MAX_SIDE,
    ImageError,
    prepare_image,
)
from mistral_chat.storage.records import Attachment

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.services.image_store import ImageStore
    from mistral_chat.services.upload_reuse import UploadReuse

__all__ = [
    "DOCUMENT_PURPOSE",
    "MAX_TEXT_BYTES",
    "AudioRequired",
    "ModelLookup",
    "PreparedAttachments",
    "UploadProgress",
    "VisionRequired",
    "count_images",
    "inline_text",
    "prepare_attachments",
    "read_audio_clip",
    "read_text_file",
    "require_audio",
    "require_vision",
    "upload_document",
    "user_content",
]

#: the Files API purpose under which a document for document Q&A is uploaded
DOCUMENT_PURPOSE = "ocr"

#: the largest audio file sent inline in a chat message (about 20 minutes of MP3 at 128 kbit/s)
MAX_AUDIO_BYTES = 20_000_000

#: the largest text file sent inline (about 500k tokens: more than any model's context)
MAX_TEXT_BYTES = 2_000_000

#: called as a document uploads: (file name, bytes sent, total bytes or None)
UploadProgress = Callable[[str, int, "int | None"], None]


class AudioRequired(AttachmentError):
    """Audio was attached for a model that cannot hear it (exit 2)."""


class VisionRequired(ImageError):
    """An image was attached for a model that cannot see images (exit 2, like any bad image)."""


@dataclass
class PreparedAttachments:
    """The chunks to send after the text, and what to remember of them in the history."""

    chunks: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    images: int = 0

    @property
    def has_images(self) -> bool:
        return self.images > 0


def count_images(specs: Sequence[AttachmentSpec]) -> int:
    """How many of `specs` go to the model as images (local files and image URLs)."""
    return sum(
        1
        for s in specs
        if isinstance(s, ImageFile) or (isinstance(s, RemoteURL) and s.kind == "image")
    )


def prepare_attachments(
    specs: Sequence[AttachmentSpec],
    client: Client | None,
    *,
    max_side: int = DEFAULT_MAX_SIDE,
    on_upload: UploadProgress | None = None,
    images: ImageStore | None = None,
    uploads: UploadReuse | None = None,
) -> PreparedAttachments:
    """Encode images, upload documents and build the chunks, in the order given.

    Raises `ImageError` (an unusable image) before any upload; `client` is needed only when a
    local document has to be uploaded. How many images a message may hold is checked as they
    join it (`services.chat.outbox`). `images` keeps each image's bytes; `uploads` reuses
    earlier uploads of the same documents.
    """
    out = PreparedAttachments()
    for spec in specs:
        if isinstance(spec, ImageFile):
            image = prepare_image(spec.path, max_side=max_side)
            if images is not None:
                _keep(images, image.data)
            out.chunks.append(chunks.image_url(image.data_uri()))
            out.attachments.append(
                Attachment(
                    kind="image",
                    name=spec.path.name,
                    mime_type=image.mime,
                    size=len(image.data),
                    sha256=hashlib.sha256(image.data).hexdigest(),
                )
            )
            out.images += 1
        elif isinstance(spec, AudioClip):
            chunk, record = read_audio_clip(spec)
            out.chunks.append(chunk)
            out.attachments.append(record)
        elif isinstance(spec, TextFile):
            chunk, record = read_text_file(spec)
            out.chunks.append(chunk)
            out.attachments.append(record)
        elif isinstance(spec, DocumentFile):
            if client is None:
                raise ValueError("a client is needed to upload documents")
            chunk, record = upload_document(spec, client, on_upload, uploads)
            out.chunks.append(chunk)
            out.attachments.append(record)
        elif isinstance(spec, RemoteURL):
            if spec.kind == "image":
                out.chunks.append(chunks.image_url(spec.url))
                out.images += 1
            else:
                out.chunks.append(chunks.document_url(spec.url))
            out.attachments.append(Attachment(kind=spec.kind, url=spec.url))
        elif isinstance(spec, UploadedFile):
            out.chunks.append(chunks.file_chunk(spec.file_id))
            out.attachments.append(Attachment(kind="file", file_id=spec.file_id))
    return out


def _keep(images: ImageStore, data: bytes) -> None:
    """Keep an image's bytes for later turns; a disk that refuses only costs that (a resumed
    conversation then says the image is gone)."""
    import contextlib

    with contextlib.suppress(OSError):
        images.put(data)


def _read_within(path: Path, cap: int, too_big: str) -> bytes:
    """The file's bytes, or AttachmentError: unreadable, or over `cap` ("PATH is SIZE " and
    `too_big`, whose `{cap}` is the cap as a size)."""
    try:
        size = path.stat().st_size
        if size > cap:
            from mistral_chat.services.transfers import human_size

            said = too_big.replace("{cap}", human_size(cap))
            raise AttachmentError(f"{path} is {human_size(size)} {said}")
        return path.read_bytes()
    except OSError as exc:
        raise AttachmentError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_audio_clip(spec: AudioClip) -> tuple[dict[str, Any], Attachment]:
    """A local audio file as an `input_audio` chunk (base64, as the API takes it), with the
    record the history keeps; longer recordings belong to `mistral-chat transcribe`."""
    import base64

    data = _read_within(
        spec.path,
        MAX_AUDIO_BYTES,
        "of audio, more than the {cap} a chat message carries; use "
        f"`mistral-chat transcribe {spec.path}` for long recordings",
    )
    record = Attachment(
        kind="audio",
        name=spec.path.name,
        mime_type=spec.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    chunk = {"type": "input_audio", "input_audio": base64.b64encode(data).decode("ascii")}
    return chunk, record


def read_text_file(spec: TextFile) -> tuple[dict[str, Any], Attachment]:
    """A text file as a `text` chunk (see `inline_text`), with the record the history keeps."""
    name = spec.path.name
    data = _read_within(
        spec.path, MAX_TEXT_BYTES, "of text, more than the {cap} sent inline; attach an excerpt"
    )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AttachmentError(
            f"{spec.path} is not UTF-8 text (invalid byte at position {exc.start + 1}); "
            "save it as UTF-8"
        ) from exc
    record = Attachment(
        kind="text",
        name=name,
        mime_type=spec.mime,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return chunks.text(inline_text(name, text)), record


def inline_text(name: str, text: str) -> str:
    r"""A file's text under its name, in a code fence longer than any backtick run inside it,
    so the file can hold fences of its own.

    >>> print(inline_text("add.py", "def add(a, b):\n    return a + b\n"))
    File: add.py
    ```py
    def add(a, b):
        return a + b
    ```
    >>> inline_text("notes.md", "```sh\nls\n```").splitlines()[1]
    '````md'
    """
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    info = name.rpartition(".")[2] if "." in name.strip(".") else ""
    body = text if text.endswith("\n") else text + "\n"
    return f"File: {name}\n{fence}{info}\n{body}{fence}"


def upload_document(
    spec: DocumentFile,
    client: Client,
    on_upload: UploadProgress | None,
    uploads: UploadReuse | None = None,
) -> tuple[dict[str, Any], Attachment]:
    """Upload a local document (purpose ocr) and give its `document_url` chunk (a signed URL),
    as Mistral documents for document Q&A and OCR, with the record the history keeps.

    With `uploads`, an earlier upload of the same bytes that is still on the server is used
    instead; without, the upload still expires (`CHAT_UPLOAD_EXPIRY_HOURS`). `NoFilesAPI` when
    the server has none."""
    from mistral_chat.services.upload_reuse import UploadReuse

    name = spec.path.name
    progress = None
    if on_upload is not None:
        callback = on_upload

        def progress(done: int, total: int | None) -> None:
            callback(name, done, total)

    reuse = uploads if uploads is not None else UploadReuse(None, server="")
    try:
        uploaded = reuse.upload(
            client, spec.path, mime=spec.mime, purpose=DOCUMENT_PURPOSE, on_progress=progress
        )
    except OSError as exc:
        raise AttachmentError(f"cannot read {spec.path}: {exc.strerror or exc}") from exc
    url = client.files.signed_url(uploaded.file_id)
    record = Attachment(
        kind="document",
        name=name,
        mime_type=spec.mime,
        size=uploaded.size,
        file_id=uploaded.file_id,
    )
    return chunks.document_url(url, name=name), record


def user_content(text: str, prepared: PreparedAttachments | None = None) -> list[dict[str, Any]]:
    """The content of a user message: the text (if any) followed by the attachments."""
    content = [chunks.text(text)] if text else []
    if prepared is not None:
        content.extend(prepared.chunks)
    return content


class ModelLookup(Protocol):
    """What `require_vision` needs of the model catalog (services.catalog.ModelCatalog)."""

    def get(self, model_id: str) -> Any: ...

    def vision_models(self) -> Sequence[Any]: ...


def require_vision(model: str, catalog: ModelLookup | None) -> None:
    """Refuse images for `model` if the catalog knows it and it lacks `vision`.

    Skipped (no error) when there is no catalog, it cannot be read, it does not know the
    model, or its list says nothing of capabilities (vLLM, llama.cpp, Ollama): the server then
    has the last word.
    """
    others = _lacks(model, catalog, "vision")
    if others is None:
        return
    shown = ", ".join(others[:6]) + (", ..." if len(others) > 6 else "")
    hint = f"; models that accept images: {shown}" if shown else ""
    raise VisionRequired(f"{model} cannot read images (no vision capability){hint}; use -m MODEL")


def require_audio(model: str, catalog: ModelLookup | None) -> None:
    """Refuse audio for `model` if the catalog knows it and it lacks `audio` (same rules as
    `require_vision`)."""
    others = _lacks(model, catalog, "audio")
    if others is None:
        return
    shown = ", ".join(others[:6]) + (", ..." if len(others) > 6 else "")
    hint = f"; models that hear audio: {shown}" if shown else ""
    raise AudioRequired(
        f"{model} cannot hear audio (no audio capability){hint}; use -m MODEL, or "
        "`mistral-chat transcribe` for the text"
    )


def _lacks(model: str, catalog: ModelLookup | None, capability: str) -> list[str] | None:
    """The ids of the models with `capability`, when `model` is known to lack it; else None."""
    if catalog is None:
        return None
    from mistral_chat.api.errors import AuthenticationError, MistralError, PermissionDeniedError

    try:
        info = catalog.get(model)
        if info is None or not info.capabilities_known or capability in list(info.capabilities):
            return None
        with_it = getattr(catalog, "models_with", None)
        found = with_it(capability) if with_it is not None else catalog.vision_models()
        return [m.id for m in found]
    except (AuthenticationError, PermissionDeniedError):
        raise
    except (MistralError, OSError, ValueError):
        return None
