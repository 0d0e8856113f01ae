"""Rows into batch request lines: ``{"custom_id": ..., "body": {...}}``, one per row.

A row's ``custom_id`` is its number and a hash of its request body (which holds the row's
text, the template, the model and the options), ``"17-3f9a0c2b41de"``: the same row of the
same command gets the same id on every run, which is what lets a killed run find its rows
again, and the number lets results be joined back in input order.

Text rows take a fast path: the body is encoded once with a placeholder, and each row only
encodes its text between the two halves. A file row (a folder input) is an attachment: an
image inline, a text file inline, a document uploaded (``file`` chunk). A file that cannot be
sent is a :class:`RowFailure` with the reason, and the other rows go on.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from mistral_chat.api import content as chunks
from mistral_chat.errors import UsageError
from mistral_chat.services.batch.inputs import InputTable
from mistral_chat.services.batch.template import Template, TemplateError

__all__ = [
    "ENDPOINTS",
    "Endpoint",
    "RequestBuilder",
    "RequestSpec",
    "RowFailure",
    "RowRequest",
    "Uploader",
    "endpoint_path",
]

_GENERATION = frozenset(
    {
        "temperature",
        "top_p",
        "max_tokens",
        "random_seed",
        "stop",
        "safe_prompt",
        "reasoning_effort",
        "response_format",
    }
)


@dataclass(frozen=True)
class Endpoint:
    """One endpoint a batch can run: its path, default model and the options it takes."""

    name: str
    path: str
    default_model: str | None  # None: the configured chat model
    options: frozenset[str]
    takes_prompt: bool = True


ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        Endpoint("chat", "/v1/chat/completions", None, _GENERATION),
        Endpoint(
            "fim",
            "/v1/fim/completions",
            "codestral-latest",
            frozenset({"temperature", "top_p", "max_tokens", "random_seed", "stop"}),
        ),
        Endpoint("embeddings", "/v1/embeddings", "mistral-embed", frozenset()),
        Endpoint("moderations", "/v1/moderations", "mistral-moderation-2603", frozenset()),
        Endpoint("ocr", "/v1/ocr", "mistral-ocr-latest", frozenset(), takes_prompt=False),
    )
}


def endpoint_path(name: str) -> str:
    """The API path of an endpoint named as `--endpoint` names it (a path stays a path)."""
    return ENDPOINTS[name].path if name in ENDPOINTS else name


#: a document of a folder input is uploaded under this purpose, as for `ask -a` and `ocr`
DOCUMENT_PURPOSE = "ocr"
_DEFAULT_COLUMNS = ("prompt", "text", "input")
_SLOT = "\x00mistral-chat-slot-{}\x00"

#: (path, mime, sha256) -> the uploaded file's id
Uploader = Callable[[Path, str, str], str]


@dataclass(frozen=True)
class RequestSpec:
    """What the user asked for, once checked: the same spec builds the same lines."""

    endpoint: Endpoint
    model: str
    prompt: str | None = None
    system: str | None = None
    suffix: str | None = None
    options: tuple[tuple[str, Any], ...] = ()
    image_max_side: int = 1024


#: ``(row, custom_id, request line with its newline, characters of text for the estimate)``:
#: a plain tuple, as it is made for every row
RowRequest = tuple[int, bytes, bytes, int]


@dataclass(frozen=True)
class RowFailure:
    """A row that cannot be sent (a file that cannot be read): reported, never sent."""

    row: int
    line: int
    message: str


class RequestBuilder:
    """The request line of every row of ``table``, in order (see the module's docstring).

    ``upload`` sends a folder input's documents; without it (a dry run, a check) they are
    named by their hash and nothing is sent.
    """

    def __init__(
        self, spec: RequestSpec, table: InputTable, upload: Uploader | None = None
    ) -> None:
        self.spec = spec
        self.table = table
        self.upload = upload
        self.documents = 0  # documents met (uploaded when ``upload`` is given)
        self.template = _template(spec, table)
        self.suffix = Template(spec.suffix, "--suffix") if spec.suffix is not None else None
        for template in (self.template, self.suffix):
            if template is not None and table.kind != "jsonl":
                missing = template.missing(table.columns)
                if missing:
                    raise TemplateError(template.missing_message(missing, table.columns))

    def __iter__(self) -> Iterator[RowRequest | RowFailure]:
        if self.table.kind == "files":
            return self._file_rows()
        if self.spec.endpoint.name == "ocr":
            return self._document_rows()
        return self._text_rows()

    # text rows (CSV, JSONL): the fast path

    def _text_rows(self) -> Iterator[RowRequest]:
        template = self.template
        assert template is not None
        if self.suffix is not None:
            yield from self._two_slot_rows(template, self.suffix)
            return
        pre, post = _split_body(self._body([_SLOT.format(0)]))
        render = template.bind(self.table.columns) if self.table.kind == "csv" else template.render
        encode, blake2b, hexlify = msgspec.json.encode, hashlib.blake2b, binascii.hexlify
        line_no = 0
        try:  # the hot loop of a large batch: kept flat on purpose
            for row, line_no, data in self.table.rows():  # noqa: B007 (read in the except)
                text = render(data)
                body = pre + encode(text) + post
                cid = b"%d-%s" % (row, hexlify(blake2b(body, digest_size=6).digest()))
                yield row, cid, b'{"custom_id":"%s","body":%s}\n' % (cid, body), len(text)
        except KeyError as exc:
            raise self._missing(exc, template, line_no) from None

    def _two_slot_rows(self, template: Template, suffix: Template) -> Iterator[RowRequest]:
        pieces = _split_body(self._body([_SLOT.format(0), _SLOT.format(1)]))
        renders: list[Callable[[Any], str]]
        if self.table.kind == "csv":
            renders = [template.bind(self.table.columns), suffix.bind(self.table.columns)]
        else:
            renders = [template.render, suffix.render]
        encode = msgspec.json.encode
        for row, line_no, data in self.table.rows():
            try:
                texts = [render(data) for render in renders]
            except KeyError as exc:
                raise self._missing(exc, template, line_no) from None
            body = b"".join((pieces[0], encode(texts[0]), pieces[1], encode(texts[1]), pieces[2]))
            digest = binascii.hexlify(hashlib.blake2b(body, digest_size=6).digest())
            cid = b"%d-%s" % (row, digest)
            yield row, cid, b'{"custom_id":"%s","body":%s}\n' % (cid, body), sum(map(len, texts))

    def _missing(self, exc: KeyError, template: Template, line_no: int) -> TemplateError:
        """A JSONL row without a column the template names."""
        name = exc.args[0]
        used = self.suffix if self.suffix is not None and name in self.suffix.columns else template
        return TemplateError(
            f"{self.table.name} line {line_no} has no {name!r}, which {used.flag} names; "
            "nothing was sent"
        )

    def _body(self, texts: list[str]) -> dict[str, Any]:
        """The request body for one row's text(s) (a prompt, and a FIM suffix)."""
        spec = self.spec
        name = spec.endpoint.name
        body: dict[str, Any] = {"model": spec.model}
        if name == "chat":
            messages = [chunks.message("system", spec.system)] if spec.system else []
            messages.append(chunks.message("user", texts[0]))
            body["messages"] = messages
        elif name == "fim":
            body["prompt"] = texts[0]
            if len(texts) > 1:
                body["suffix"] = texts[1]
        else:
            body["input"] = texts[0]
        body.update(spec.options)
        return body

    # rows whose text names a document (OCR of a CSV column of URLs or paths)

    def _document_rows(self) -> Iterator[RowRequest | RowFailure]:
        template = self.template
        assert template is not None
        render = (
            template.bind(self.table.columns)
            if self.table.kind == "csv"
            else _mapping_render(template)
        )
        base = self.table.path.parent
        for row, line_no, data in self.table.rows():
            try:
                source = render(data).strip()
            except KeyError as exc:
                raise self._missing(exc, template, line_no) from None
            yield self._attachment_row(row, line_no, source, base)

    # file rows (a folder or glob): each file is the row's attachment

    def _file_rows(self) -> Iterator[RowRequest | RowFailure]:
        for row, line_no, path in self.table.rows():
            yield self._attachment_row(row, line_no, str(path), None, path)

    def _attachment_row(
        self, row: int, line_no: int, source: str, base: Path | None, path: Path | None = None
    ) -> RowRequest | RowFailure:
        from mistral_chat.services.attachments import classify

        columns = _file_columns(path) if path is not None else {}
        try:
            if not source:
                raise UsageError("the document to read is empty")
            spec = classify(source, base)
            attachment, placeholder, real = self._attachment(spec)
            text = ""
            if self.spec.endpoint.name == "chat":
                text = self.template.render(columns) if self.template is not None else ""
            body = self._attachment_body(attachment, text, spec)
        except UsageError as exc:
            return RowFailure(row, line_no, exc.message)
        encoded = msgspec.json.encode(body)
        cid = b"%d-%s" % (row, binascii.hexlify(hashlib.blake2b(encoded, digest_size=6).digest()))
        if placeholder:
            encoded = encoded.replace(placeholder.encode(), real.encode())
        line = b'{"custom_id":"%s","body":%s}\n' % (cid, encoded)
        return row, cid, line, len(text)

    def _attachment(self, spec: Any) -> tuple[dict[str, Any], str, str]:
        """The chunk for an attachment, and (placeholder, file id) when it was uploaded."""
        from mistral_chat.services.attachments import (
            DocumentFile,
            ImageFile,
            RemoteURL,
            TextFile,
            UploadedFile,
        )

        ocr = self.spec.endpoint.name == "ocr"
        if isinstance(spec, ImageFile):
            from mistral_chat.services.images import prepare_image

            side = 4096 if ocr else self.spec.image_max_side
            return chunks.image_url(prepare_image(spec.path, max_side=side).data_uri()), "", ""
        if isinstance(spec, TextFile):
            if ocr:
                raise UsageError(
                    f"{spec.path.name} is already text; OCR reads documents and images"
                )
            from mistral_chat.services.content import read_text_file

            return read_text_file(spec)[0], "", ""
        if isinstance(spec, DocumentFile):
            self.documents += 1
            digest = _sha256(spec.path)
            placeholder = f"sha256:{digest}"
            real = placeholder if self.upload is None else self.upload(spec.path, spec.mime, digest)
            return chunks.file_chunk(placeholder), placeholder, real
        if isinstance(spec, RemoteURL):
            if spec.kind == "image":
                return chunks.image_url(spec.url), "", ""
            return chunks.document_url(spec.url), "", ""
        if isinstance(spec, UploadedFile):
            return chunks.file_chunk(spec.file_id), "", ""
        raise UsageError(f"cannot send {spec!r}")

    def _attachment_body(self, attachment: dict[str, Any], text: str, spec: Any) -> dict[str, Any]:
        name = self.spec.endpoint.name
        if name == "ocr":
            return {"model": self.spec.model, "document": attachment, **dict(self.spec.options)}
        if name == "chat":
            content = ([chunks.text(text)] if text else []) + [attachment]
            messages = [chunks.message("system", self.spec.system)] if self.spec.system else []
            messages.append(chunks.message("user", content))
            return {"model": self.spec.model, "messages": messages, **dict(self.spec.options)}
        if attachment.get("type") != "text":
            raise UsageError(f"--endpoint {name} reads text files, not {spec.label}")
        return self._body([_file_text(spec.path)])


def _template(spec: RequestSpec, table: InputTable) -> Template | None:
    """The prompt template: as given, or the one column that can only be meant."""
    endpoint = spec.endpoint
    if spec.prompt is not None:
        if table.kind == "files" and endpoint.name != "chat":
            raise UsageError(
                f"--prompt does not apply to --endpoint {endpoint.name} with a folder: each "
                "file is sent as it is"
            )
        return Template(spec.prompt)
    if table.kind == "files":
        if endpoint.name == "chat":
            raise UsageError("--prompt is needed to say what to ask about each file")
        return None
    columns = table.columns
    chosen = columns[0] if len(columns) == 1 else None
    chosen = chosen or next((c for c in _DEFAULT_COLUMNS if c in columns), None)
    if chosen is None:
        what = "the document of each row" if endpoint.name == "ocr" else "the prompt"
        raise UsageError(
            f"give --prompt to say {what}, naming columns in braces, e.g. --prompt "
            f"'{{{columns[0] if columns else 'text'}}}' (the input's columns: "
            f"{', '.join(columns) or 'none'})"
        )
    return Template("{" + chosen.replace("{", "{{").replace("}", "}}") + "}")


def _split_body(body: dict[str, Any]) -> list[bytes]:
    """The encoded body cut around its text slots (each slot's quotes removed with it)."""
    encoded = msgspec.json.encode(body)
    pieces: list[bytes] = []
    for i in range(encoded.count(b"mistral-chat-slot-")):
        marker = msgspec.json.encode(_SLOT.format(i))
        before, found, encoded = encoded.partition(marker)
        assert found, "the placeholder must appear once in the body"
        pieces.append(before)
    pieces.append(encoded)
    return pieces


def _mapping_render(template: Template) -> Callable[[Any], str]:
    return template.render


def _file_columns(path: Path) -> dict[str, str]:
    return {"file": path.name, "path": str(path), "stem": path.stem}


def _file_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path} as UTF-8 text ({exc})") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.hexdigest()
