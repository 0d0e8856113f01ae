"""Attachments waiting for the next message: classified, counted and described as they join,
prepared (vision checked, images encoded, documents uploaded) once, when the message goes.

This is the one attachment pipeline: `ask -a`, piped stdin and the REPL's `/image` and
`/attach` all put their specs here, and nothing else counts images or checks vision.

    >>> box = Outbox()
    >>> box.add(RemoteURL("https://example.com/a.png", "image")).detail
    'image URL'
    >>> box.images
    1
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mistral_chat.services.attachments import (
    AttachmentError,
    AttachmentSpec,
    DocumentFile,
    ImageFile,
    RemoteURL,
    TextFile,
    UploadedFile,
    classify,
)
from mistral_chat.services.content import (
    ModelLookup,
    PreparedAttachments,
    UploadProgress,
    count_images,
    prepare_attachments,
    require_vision,
)
from mistral_chat.services.images import (
    DEFAULT_MAX_SIDE,
    check_image_count,
    prepare_image,
)

if TYPE_CHECKING:
    from mistral_chat.api import Client

__all__ = ["Outbox", "Pending"]


@dataclass
class Pending:
    """An attachment waiting for the next message, with how to show it."""

    spec: AttachmentSpec
    label: str
    detail: str = ""

    @property
    def is_image(self) -> bool:
        return count_images([self.spec]) == 1


class Outbox:
    """The attachments of the next message, in the order given (at most 8 images)."""

    def __init__(self, *, max_side: int = DEFAULT_MAX_SIDE) -> None:
        self.max_side = max_side
        self.items: list[Pending] = []

    @property
    def images(self) -> int:
        return count_images([p.spec for p in self.items])

    def add(
        self,
        attachment: AttachmentSpec | str,
        *,
        label: str | None = None,
        want: str | None = None,
        describe: bool = False,
    ) -> Pending:
        """Classify (a string), check the image count and queue one attachment.

        `want="image"` refuses anything else; `describe=True` reads a local image now so its
        size can be shown (and a broken image refused before the message is written).
        """
        spec = classify(attachment) if isinstance(attachment, str) else attachment
        if want == "image" and not count_images([spec]):
            raise AttachmentError(
                f"{label or spec.label} is not an image; use /attach for documents"
            )
        if count_images([spec]):
            check_image_count(self.images + 1)
        pending = Pending(spec, label or spec.label, self._detail(spec, describe))
        self.items.append(pending)
        return pending

    def add_uploaded_image(
        self,
        path: Path,
        client: Client,
        *,
        label: str | None = None,
        on_upload: Callable[[str, str], None] | None = None,
    ) -> Pending:
        """Upload an image (scaled, its true MIME type) through the Files API and queue it by
        its signed URL. `on_upload(name, state)` hears "uploading" then the file id."""
        spec = classify(str(path))
        if not isinstance(spec, ImageFile):
            raise AttachmentError(f"{label or path} is not an image")
        check_image_count(self.images + 1)
        image = prepare_image(spec.path, max_side=self.max_side)
        if on_upload is not None:
            on_upload(path.name, "uploading")
        uploaded = client.files.upload(
            io.BytesIO(image.data), filename=path.name, mime=image.mime, purpose="ocr"
        )
        url = client.files.signed_url(uploaded.id)
        if on_upload is not None:
            on_upload(path.name, uploaded.id)
        detail = f"image {image.width}x{image.height} via signed URL"
        pending = Pending(RemoteURL(url, "image"), path.name, detail)
        self.items.append(pending)
        return pending

    def drop(self, number: int) -> Pending:
        """Remove attachment `number` (from 1)."""
        if not 1 <= number <= len(self.items):
            raise AttachmentError(f"no attachment {number}; they are numbered 1 to {len(self)}")
        return self.items.pop(number - 1)

    def clear(self) -> None:
        self.items.clear()

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)

    def prepare(
        self,
        model: str,
        *,
        client: Callable[[], Client],
        catalog: ModelLookup | None,
        on_upload: UploadProgress | None = None,
    ) -> PreparedAttachments | None:
        """Check vision for `model` (once), then encode, inline and upload, in order.

        Nothing is uploaded for a message that would be refused. `client` is called only when
        a document must be uploaded.
        """
        if not self.items:
            return None
        specs = [p.spec for p in self.items]
        if self.images:
            require_vision(model, catalog)
        needs_client = any(isinstance(s, DocumentFile) for s in specs)
        return prepare_attachments(
            specs, client() if needs_client else None, max_side=self.max_side, on_upload=on_upload
        )

    def _detail(self, spec: AttachmentSpec, describe: bool) -> str:
        if isinstance(spec, ImageFile):
            if not describe:
                return "image"
            image = prepare_image(spec.path, max_side=self.max_side)
            return f"image {image.width}x{image.height}"
        if isinstance(spec, TextFile):
            return f"text {spec.mime}, sent inline"
        if isinstance(spec, DocumentFile):
            return f"document {spec.mime}"
        if isinstance(spec, RemoteURL):
            return f"{spec.kind} URL"
        if isinstance(spec, UploadedFile):
            return "uploaded file"
        return str(spec.kind)
