"""What the user attached: classify an `-a` / `/image` / `/attach` argument, by content.

`classify` turns one argument into one of five specs, each saying how it goes to the API:

    ImageFile(path)            local image  -> prepare_image() -> image_url (data URI)
    AudioClip(path, mime)      local audio (WAV, MP3, FLAC, OGG...) -> input_audio (base64)
    TextFile(path, mime)       local UTF-8 text (code, notes, CSV, JSON) -> inline text chunk
    DocumentFile(path, mime)   local document -> Files API upload -> signed URL -> document_url
    RemoteURL(url, kind)       http(s) URL  -> image_url (kind "image") or document_url
    UploadedFile(file_id)      file:ID      -> file chunk

    >>> classify("https://example.com/cat.png")
    RemoteURL(url='https://example.com/cat.png', kind='image')
    >>> classify("file:3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b")
    UploadedFile(file_id='3b1f0c2e-5d7a-4f8e-9c1d-2a6b7e8f9a0b')

A local file's kind comes from its first bytes (magic numbers, the inner names of a ZIP container,
valid UTF-8 for text); the extension is consulted only where the content is ambiguous: which kind
of text (.md, .csv, .json ...) and which legacy Office format (.doc, .xls, .ppt). Any image format
gives an `ImageFile`, so that `prepare_image` can say precisely why a BMP or HEIC is refused.
Nothing here reads more than the first 64 KiB of a file (a ZIP's directory aside) or touches the
network; `~` is not expanded (that is the shell's, or the interface's, job).

Exceptions:

    ValueError
     └── AttachmentError    one line for the user: what, why, what to do
"""

from __future__ import annotations

import codecs
import json
import re
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import ClassVar, Final, Literal, TypeAlias
from urllib.parse import SplitResult, unquote, urlsplit

from mistral_chat.errors import UsageError
from mistral_chat.services.images import sniff_image_format

__all__ = [
    "ACCEPTED_TYPES_TEXT",
    "AttachmentError",
    "AttachmentSpec",
    "AudioClip",
    "DocumentFile",
    "ImageFile",
    "RemoteURL",
    "TextFile",
    "UploadedFile",
    "check_file_id",
    "classify",
    "classify_bytes",
]

ACCEPTED_TYPES_TEXT: Final = (
    "an image (PNG, JPEG, WEBP, GIF), a PDF, an Office or OpenDocument file (DOCX, PPTX, XLSX, "
    "ODT, ODS, ...), a text file (TXT, MD, CSV, JSON, code ...), an http(s):// URL or file:ID"
)
_HEAD_BYTES: Final = 64 * 1024
_URL_IMAGE_SUFFIXES: Final = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif"})
_SCHEME_RE: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_FILE_ID_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")

DOCX: Final = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX: Final = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_OOXML_PARTS: Final = (
    ("word/document.xml", DOCX),
    ("ppt/presentation.xml", PPTX),
    ("xl/workbook.xml", XLSX),
)
_OOXML_MACRO: Final = {  # the same containers, told apart only by their extension
    ".docm": "application/vnd.ms-word.document.macroEnabled.12",
    ".pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
    ".xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
}
_OPENDOCUMENT: Final = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
_OLE2_BY_SUFFIX: Final = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
    ".msg": "application/vnd.ms-outlook",
}
_TEXT_BY_SUFFIX: Final = {
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".json": "application/json",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/jsonl",
    ".html": "text/html",
    ".htm": "text/html",
    ".xml": "application/xml",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".toml": "application/toml",
    ".eml": "message/rfc822",
    ".rtf": "text/rtf",
    ".css": "text/css",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".py": "text/x-python",
    ".rst": "text/x-rst",
    ".tex": "text/x-tex",
    ".sql": "application/sql",
}
#: what `_text_mime` can answer: UTF-8 text, sent inline rather than uploaded
_TEXT_MIMES: Final = frozenset(_TEXT_BY_SUFFIX.values()) | {
    "text/plain",
    "text/html",
    "application/json",
}
# Binary formats worth naming when refused (checked after images, PDF and ZIP).
_NAMED_BINARIES: Final = (
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable (ELF)"),
    (b"MZ", "a Windows executable"),
    (b"SQLite format 3\0", "an SQLite database"),
    (b"ID3", "an MP3 audio file"),
    (b"fLaC", "a FLAC audio file"),
    (b"OggS", "an Ogg audio or video file"),
    (b"\x1a\x45\xdf\xa3", "a Matroska/WebM video"),
    (b"PAR1", "a Parquet file"),
)


class AttachmentError(UsageError, ValueError):
    """An attachment argument that cannot be used; the message is one line for the user."""


@dataclass(frozen=True)
class _LocalFile:
    path: Path

    @property
    def label(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class ImageFile(_LocalFile):
    """A local image, to be checked and encoded by `prepare_image` and sent inline."""

    kind: ClassVar[Literal["image"]] = "image"


@dataclass(frozen=True)
class AudioClip(_LocalFile):
    """A local audio file, sent inline (base64) to a model that hears audio (Voxtral)."""

    mime: str
    kind: ClassVar[Literal["audio"]] = "audio"


@dataclass(frozen=True)
class TextFile(_LocalFile):
    """A local UTF-8 text file, sent inline in the message: the model reads it as text, with
    no upload (document Q&A reads PDFs and Office files; self-hosted servers have no Files API)."""

    mime: str
    kind: ClassVar[Literal["text"]] = "text"


@dataclass(frozen=True)
class DocumentFile(_LocalFile):
    """A local document with its true MIME type, to be uploaded and sent by signed URL."""

    mime: str
    kind: ClassVar[Literal["document"]] = "document"


@dataclass(frozen=True)
class RemoteURL:
    """An http(s) URL the API fetches itself: as `image_url` or as `document_url`."""

    url: str
    kind: Literal["image", "document"]

    @property
    def label(self) -> str:
        return self.url


@dataclass(frozen=True)
class UploadedFile:
    """A file already uploaded through the Files API (`file:ID`), sent as a file chunk."""

    file_id: str
    kind: ClassVar[Literal["file"]] = "file"

    @property
    def label(self) -> str:
        return f"file:{self.file_id}"


AttachmentSpec: TypeAlias = (
    ImageFile | AudioClip | TextFile | DocumentFile | RemoteURL | UploadedFile
)


def classify(arg: str, cwd: Path | None = None) -> AttachmentSpec:
    """Say what `arg` is: `file:ID`, an http(s) URL, or a local file judged by its content.

    A relative path is taken from `cwd` when given (else the process's working directory).
    Raises `AttachmentError` for anything that cannot be attached, saying why.
    """
    text = arg.strip()
    if not text:
        raise AttachmentError(f"empty attachment; attach {ACCEPTED_TYPES_TEXT}")
    scheme = _SCHEME_RE.match(text)
    if scheme:
        name = scheme[1].lower()
        if name in ("http", "https"):
            return _remote(text)
        if name == "file":
            return _local(_file_url_path(text), text, cwd)
        raise AttachmentError(
            f"unsupported URL scheme {name}:// in {text}; attach an http(s):// URL, "
            "file:ID for an uploaded file, or a local path"
        )
    if text[:5].lower() == "file:":
        return _uploaded(text[5:].strip())
    return _local(Path(text), text, cwd)


def classify_bytes(data: bytes, folder: Path, stem: str = "stdin") -> AttachmentSpec:
    """Classify data that has no file (piped on stdin): it is written to ``folder`` under
    ``stem`` plus the extension of what it turns out to be, and classified like any file.
    ``folder`` must outlive the spec (the file is read again when the message is built)."""
    import mimetypes

    path = folder / stem
    path.write_bytes(data)
    spec = _local(path, stem, None)
    if isinstance(spec, ImageFile):
        ext = "." + (sniff_image_format(data[:_HEAD_BYTES]) or "bin").lower()
    else:
        ext = mimetypes.guess_extension(spec.mime) or ""
    if ext in (".jpeg", ".jpe"):
        ext = ".jpg"
    named = path.rename(path.with_name(stem + ext))
    if isinstance(spec, ImageFile):
        return ImageFile(named)
    if isinstance(spec, TextFile):
        return TextFile(named, spec.mime)
    if isinstance(spec, AudioClip):
        return AudioClip(named, spec.mime)
    return DocumentFile(named, spec.mime)


def _uploaded(file_id: str) -> UploadedFile:
    if not file_id:
        raise AttachmentError(
            "file: needs the id of an uploaded file, e.g. file:3b1f0c2e-...; "
            "`mistral-chat files list` shows them"
        )
    return UploadedFile(check_file_id(file_id))


def check_file_id(file_id: str) -> str:
    """`file_id` if it can be the id of an uploaded file (one URL path segment, never `.` or
    `..`); AttachmentError saying what ids look like otherwise."""
    if not _FILE_ID_RE.fullmatch(file_id):
        raise AttachmentError(
            f"invalid file id {file_id!r}: ids are letters, digits, '-', '_' and '.'; "
            "`mistral-chat files list` shows them"
        )
    return file_id


def _remote(url: str) -> RemoteURL:
    parts = _split_url(url)
    if not parts.hostname:
        raise AttachmentError(f"{url} has no host name; give a full URL such as https://host/a.png")
    suffix = PurePosixPath(unquote(parts.path)).suffix.lower()
    return RemoteURL(url, "image" if suffix in _URL_IMAGE_SUFFIXES else "document")


def _split_url(url: str) -> SplitResult:
    """The parts of a URL given to attach; one line saying what is wrong when it is not one."""
    if any(not ch.isprintable() or ch.isspace() for ch in url):
        raise AttachmentError(
            f"{url!r} has spaces or control characters; a URL cannot: percent-encode them "
            "(a space is %20)"
        )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not one
    except ValueError as exc:
        reason = str(exc)
        reason = reason[:1].lower() + reason[1:]
        raise AttachmentError(
            f"{url} is not a valid URL ({reason}); check it, or attach a local path"
        ) from None
    return parts


def _file_url_path(url: str) -> Path:
    from urllib.request import url2pathname  # pulls in http.client: keep it off the import path

    parts = _split_url(url)
    if parts.netloc not in ("", "localhost"):
        raise AttachmentError(f"{url} names another host ({parts.netloc}); use a local path")
    return Path(url2pathname(parts.path))


def _local(
    path: Path, shown: str, cwd: Path | None
) -> ImageFile | AudioClip | TextFile | DocumentFile:
    if cwd is not None and not path.is_absolute():
        path = cwd / path
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise AttachmentError(f"no such file: {shown}") from None
    except OSError as exc:
        raise AttachmentError(f"cannot access {shown}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(mode):
        raise AttachmentError(f"{shown} is a directory; attach the files in it one by one")
    if not stat.S_ISREG(mode):
        raise AttachmentError(f"{shown} is not a regular file; attach a file")
    try:
        with path.open("rb") as f:
            head = f.read(_HEAD_BYTES)
            complete = not f.read(1)
    except OSError as exc:
        raise AttachmentError(f"cannot read {shown}: {exc.strerror or exc}") from exc
    if not head:
        raise AttachmentError(f"{shown} is empty; there is nothing to attach")
    if sniff_image_format(head) is not None:
        return ImageFile(path)
    from mistral_chat.services.audio import AUDIO_MIME, detect_audio

    sound = detect_audio(head)
    # an MP4 container is audio only when it says so (M4A); a video is not sent as audio
    if sound is not None and (sound != "m4a" or head[8:11] == b"M4A"):
        return AudioClip(path, AUDIO_MIME[sound])
    mime = _document_mime(path, shown, head, complete)
    return TextFile(path, mime) if mime in _TEXT_MIMES else DocumentFile(path, mime)


def _document_mime(path: Path, shown: str, head: bytes, complete: bool) -> str:
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_mime(path, shown)
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2: .doc, .xls, .ppt, .msg alike
        if suffix in _OLE2_BY_SUFFIX:
            return _OLE2_BY_SUFFIX[suffix]
        raise AttachmentError(
            f"{shown} is a legacy Microsoft Office file of unknown kind; save it as DOCX, XLSX "
            "or PPTX, or give it its .doc, .xls or .ppt extension"
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise AttachmentError(f"{shown} is UTF-16 text; save it as UTF-8 and attach it again")
    if _is_utf8_text(head, complete):
        return _text_mime(suffix, head, complete)
    if _is_legacy_text(head):
        raise AttachmentError(
            f"{shown} is text, but not UTF-8 (Latin-1 or Windows-1252?); convert it, "
            "e.g. with `iconv -f latin1 -t utf-8`"
        )
    raise AttachmentError(f"{shown} is {_binary_name(head)}; attach {ACCEPTED_TYPES_TEXT}")


def _is_legacy_text(head: bytes) -> bool:
    """Printable 8-bit text that is not UTF-8: an accented letter here and there, no NUL and
    no other control bytes, as a Latin-1 or Windows-1252 file has (binary formats do not)."""
    if not head or any(b < 32 and b not in b"\t\n\r\f" for b in head) or b"\x7f" in head:
        return False
    high = sum(b >= 0x80 for b in head)
    return 0 < high <= len(head) // 4


def _zip_mime(path: Path, shown: str) -> str:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            for part, mime in _OOXML_PARTS:
                if part in names:
                    return _OOXML_MACRO.get(path.suffix.lower(), mime)
            declared = ""
            if "mimetype" in names and zf.getinfo("mimetype").file_size < 100:
                declared = zf.read("mimetype").decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise AttachmentError(f"{shown} is a damaged ZIP file ({exc}); re-export it") from exc
    if declared in _OPENDOCUMENT:
        return declared
    what = "an EPUB e-book" if declared == "application/epub+zip" else "a ZIP archive"
    raise AttachmentError(f"{shown} is {what}; attach {ACCEPTED_TYPES_TEXT}")


def _is_utf8_text(head: bytes, complete: bool) -> bool:
    try:
        # Not final unless the whole file was read: the head may end inside a character.
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=complete)
    except UnicodeDecodeError:
        return False
    # C0 controls other than tab, newlines, form feed and ESC (colour codes in logs) mean binary.
    return not any(ord(c) < 32 and c not in "\t\n\r\f\v\x1b\x08" for c in text)


def _text_mime(suffix: str, head: bytes, complete: bool) -> str:
    if suffix in _TEXT_BY_SUFFIX:
        return _TEXT_BY_SUFFIX[suffix]
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if complete and body[:1] in (b"{", b"["):
        try:
            json.loads(body)
        except ValueError:
            pass
        else:
            return "application/json"
    if body[:15].lower().startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return "text/plain"


def _binary_name(head: bytes) -> str:
    for magic, name in _NAMED_BINARIES:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        return "a WAV audio file" if head[8:12] == b"WAVE" else "an AVI video"
    if head[4:8] == b"ftyp":
        return "an MP4/QuickTime audio or video file"
    if head[257:262] == b"ustar":
        return "a tar archive"
    return "binary data of an unknown format"
