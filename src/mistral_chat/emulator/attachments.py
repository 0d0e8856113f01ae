"""What the emulator sees in attachments: images (format, size, dominant colour), documents,
files and audio, read from data URIs, its own signed URLs or its file store."""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any
from urllib.parse import parse_qs, unquote_to_bytes, urlsplit

from .files import FileStore
from .request_bodies import AudioChunk, DocumentURLChunk, FileChunk, ImageURLChunk
from .validate import Invalid, detail_entry, invalid_request, not_found

__all__ = [
    "CSS_COLOURS",
    "LABELS",
    "attachment_text",
    "attachments",
    "data_uri",
    "image_facts",
    "image_summary",
    "signed_file",
]

CSS_COLOURS = {
    "black": (0, 0, 0),
    "silver": (192, 192, 192),
    "gray": (128, 128, 128),
    "white": (255, 255, 255),
    "maroon": (128, 0, 0),
    "red": (255, 0, 0),
    "purple": (128, 0, 128),
    "fuchsia": (255, 0, 255),
    "green": (0, 128, 0),
    "lime": (0, 255, 0),
    "olive": (128, 128, 0),
    "yellow": (255, 255, 0),
    "navy": (0, 0, 128),
    "blue": (0, 0, 255),
    "teal": (0, 128, 128),
    "aqua": (0, 255, 255),
    # CSS 2.1's seventeenth: without it #ffa500 would be named "yellow"
    "orange": (255, 165, 0),
}
_MIME_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg"}
_UUID = re.compile(r"[0-9a-fA-F]{8}-?([0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")
LABELS = {"images": "Image", "documents": "Document", "files": "File", "audio": "Audio"}


def attachment_text(kind: str, data: dict[str, Any]) -> str:
    if data.get("source") == "url":
        return f"URL {data['url']}"
    if kind == "images":
        how = (
            f"sent as data URI {data['mime']}" if data["source"] == "data_uri" else "via signed URL"
        )
        return f"{image_summary(data)}, {how}"
    if kind == "documents":
        how = "as data URI" if data["source"] == "data_uri" else "via signed URL"
        return f"{data['name']} ({data['bytes']} bytes, {data['mime']}) {how}"
    if kind == "files":
        return f"{data['name']} ({data['bytes']} bytes)"
    return f"{data['bytes']} bytes"


def image_summary(facts: dict[str, Any]) -> str:
    """``PNG 64x48, dominant colour red (#ff0000)`` from :func:`image_facts`."""
    return (
        f"{facts['format']} {facts['width']}x{facts['height']}, "
        f"dominant colour {facts['colour']} ({facts['hex']})"
    )


def attachments(
    chunks: list[Any], store: FileStore, bases: tuple[str, ...]
) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for chunk in chunks:
        if isinstance(chunk, ImageURLChunk):
            url = chunk.image_url if isinstance(chunk.image_url, str) else chunk.image_url.url
            found.append(("images", _describe_image(url, store, bases)))
        elif isinstance(chunk, DocumentURLChunk):
            found.append(("documents", _describe_document(chunk, store, bases)))
        elif isinstance(chunk, FileChunk):
            stored = _stored_file(chunk.file_id, store)
            found.append(("files", {"name": stored.filename, "bytes": stored.bytes}))
        elif isinstance(chunk, AudioChunk):
            size = len(_b64decode(chunk.input_audio, "audio"))
            found.append(("audio", {"bytes": size}))
    # Kinds in a fixed order (images, documents, files, audio), each in the order sent.
    order = list(LABELS)
    return sorted(found, key=lambda pair: order.index(pair[0]))


def _stored_file(file_id: str, store: FileStore) -> Any:
    if not _UUID.fullmatch(file_id):
        msg = "Input should be a valid UUID"
        raise Invalid([detail_entry("uuid_parsing", ["body", "file_id"], msg, file_id)])
    stored = store.get(file_id.lower())
    if stored is None:
        raise not_found(f"File {file_id} not found.")
    return stored


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise invalid_request(f"The {what} data is not valid base64.") from None


def data_uri(uri: str, what: str) -> tuple[str, bytes]:
    header, comma, payload = uri.partition(",")
    if not comma:
        raise invalid_request(f"The {what} data URI has no data.")
    params = header.removeprefix("data:").split(";")
    mime = params[0].lower() or "text/plain"
    if "base64" in params[1:]:
        return mime, _b64decode(payload, what)
    return mime, unquote_to_bytes(payload)


def check_signed_urls(chunks: list[Any], store: FileStore, bases: tuple[str, ...]) -> None:
    """The API fetches the attachments of every message it is sent, earlier ones included: a
    signed URL of this emulator that has expired (or was forged) is refused wherever it is."""
    for chunk in chunks:
        if isinstance(chunk, DocumentURLChunk):
            signed_file(chunk.document_url, store, bases, "document")
        elif isinstance(chunk, ImageURLChunk):
            url = chunk.image_url if isinstance(chunk.image_url, str) else chunk.image_url.url
            signed_file(url, store, bases, "image")


def signed_file(url: str, store: FileStore, bases: tuple[str, ...], what: str) -> Any:
    """The stored file behind one of this emulator's signed URLs, or None for other URLs."""
    if not url.startswith(tuple(f"{base}/_signed/" for base in bases)):
        return None
    parts = urlsplit(url)
    file_id = parts.path.rsplit("/", 1)[-1]
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    ok = store.check_signature(file_id, query.get("expires", ""), query.get("signature", ""))
    stored = store.get(file_id) if ok else None
    if stored is None:
        raise invalid_request(f"The {what} URL could not be fetched (HTTP 403).")
    return stored


def _describe_image(url: str, store: FileStore, bases: tuple[str, ...]) -> dict[str, Any]:
    if url.startswith("data:"):
        declared, data = data_uri(url, "image")
        return {**image_facts(data, declared), "source": "data_uri", "mime": declared}
    stored = signed_file(url, store, bases, "image")
    if stored is not None:
        data = store.content_path(stored.id).read_bytes()
        return {**image_facts(data, None), "source": "signed_url"}
    return {"source": "url", "url": url}


def image_facts(data: bytes, declared: str | None) -> dict[str, Any]:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            fmt = str(img.format)
            width, height = img.size
            colour = _dominant(img)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise invalid_request("The image could not be decoded.") from None
    actual = Image.MIME.get(fmt, f"image/{fmt.lower()}")
    if declared is not None and _MIME_ALIASES.get(declared, declared) != actual:
        raise invalid_request(f"The image is declared as {declared} but its data is {fmt}.")
    name = min(
        CSS_COLOURS,
        key=lambda n: sum((a - b) ** 2 for a, b in zip(CSS_COLOURS[n], colour, strict=True)),
    )
    hex_ = "#{:02x}{:02x}{:02x}".format(*colour)
    return {"format": fmt, "width": width, "height": height, "colour": name, "hex": hex_}


def _dominant(img: Any) -> tuple[int, int, int]:
    from PIL import Image

    rgb = img.convert("RGB")
    # Nearest-neighbour keeps exact pixel colours; 64x64 samples are plenty.
    small = rgb.resize((min(rgb.width, 64), min(rgb.height, 64)), Image.Resampling.NEAREST)
    colours = small.getcolors(64 * 64)
    count_colour = max(colours, key=lambda c: c[0])
    r, g, b = count_colour[1][:3]
    return int(r), int(g), int(b)


def _describe_document(
    chunk: DocumentURLChunk, store: FileStore, bases: tuple[str, ...]
) -> dict[str, Any]:
    url = chunk.document_url
    if url.startswith("data:"):
        mime, data = data_uri(url, "document")
        name = chunk.document_name or "document"
        return {"name": name, "bytes": len(data), "mime": mime, "source": "data_uri"}
    stored = signed_file(url, store, bases, "document")
    if stored is not None:
        return {
            "name": stored.filename,
            "bytes": stored.bytes,
            "mime": stored.mimetype,
            "source": "signed_url",
        }
    return {"source": "url", "url": url}
