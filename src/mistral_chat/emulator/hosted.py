"""Mistral's hosted tools, answering from fixed data: what a conversation's tools "found".

Each offered tool runs once per user message, on that message's text (markers removed):

- ``web_search``: three made-up results whose URLs are built from the query
  (``https://encyclopedia.example.com/wiki/<slug>`` ...); ``web_search_premium`` adds a fourth
  from a news wire. They come back as ``tool_reference`` chunks.
- ``code_interpreter``: runs nothing; the code is the message's first fenced block (else its
  text), and its output is that same code (``info``: ``code``, ``code_output``).
- ``image_generation``: a 256x256 PNG of the first CSS colour named in the prompt (else one
  derived from it), stored in the Files store and returned as a ``tool_file`` chunk.
- ``document_library``: one passage per document of each library (the emulator's own
  ``/v1/libraries``), as ``tool_reference`` chunks titled with the document's name; a library
  it does not have is the API's 404, as the libraries routes answer.

Custom connectors are accepted and never run.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .attachments import CSS_COLOURS
from .files import FileStore
from .libraries import LibraryStore
from .request_bodies import (
    CodeInterpreterTool,
    DocumentLibraryTool,
    ImageGenerationTool,
    WebSearchPremiumTool,
    WebSearchTool,
)
from .validate import not_found

__all__ = ["IMAGE_SIZE", "HostedRun", "run_hosted"]

IMAGE_SIZE = 256
_FENCE = re.compile(r"```[^\n`]*\n(.*?)```", re.DOTALL)
_WEB_SITES = (
    ("Example Encyclopedia", "https://encyclopedia.example.com/wiki/{slug}", "An overview of"),
    ("Example Guide", "https://guide.example.org/{slug}", "A practical guide to"),
    ("Example Forum", "https://forum.example.net/t/{slug}", "People discussing"),
)
_NEWS_SITE = ("Example Wire", "https://wire.example.com/news/{slug}", "Latest news on")


@dataclass
class HostedRun:
    """One tool execution: its entry's ``name``, ``arguments`` and ``info``, the paragraph
    the answer adds, and the chunks (references, files) the answer's content carries."""

    name: str
    arguments: dict[str, Any]
    note: str
    chunks: list[dict[str, Any]] = field(default_factory=list)
    info: dict[str, Any] | None = None


def run_hosted(
    tools: list[Any], query: str, text: str, files: FileStore, libraries: LibraryStore
) -> list[HostedRun]:
    """Run each hosted tool offered, in the order offered."""
    # the model searches for the words, not for the code pasted with them
    query = " ".join(_FENCE.sub(" ", query).split()) or query
    runs: list[HostedRun] = []
    images = 0
    for tool in tools:
        if isinstance(tool, WebSearchTool | WebSearchPremiumTool):
            runs.append(_web_search(query, premium=isinstance(tool, WebSearchPremiumTool)))
        elif isinstance(tool, CodeInterpreterTool):
            runs.append(_code(text))
        elif isinstance(tool, ImageGenerationTool):
            runs.append(_image(query, images, files))
            images += 1
        elif isinstance(tool, DocumentLibraryTool):
            runs.append(_library(query, tool.library_ids, libraries))
    return runs


def _slug(query: str) -> str:
    words = re.findall(r"[a-z0-9]+", query.lower())
    return "-".join(words[:8]) or "search"


def _reference(tool: str, title: str, url: str | None, description: str) -> dict[str, Any]:
    chunk = {"type": "tool_reference", "tool": tool, "title": title}
    if url is not None:
        chunk["url"] = url
    chunk["description"] = description
    return chunk


def _web_search(query: str, *, premium: bool) -> HostedRun:
    name = "web_search_premium" if premium else "web_search"
    sites = [*_WEB_SITES, _NEWS_SITE] if premium else list(_WEB_SITES)
    slug = _slug(query)
    chunks = [
        _reference(name, f"{query} - {site}", url.format(slug=slug), f"{lead} {query}.")
        for site, url, lead in sites
    ]
    note = f'Web search for "{query}": {len(chunks)} results.'
    return HostedRun(name, {"query": query}, note, chunks)


def _code(text: str) -> HostedRun:
    fenced = _FENCE.search(text)
    code = (fenced.group(1) if fenced else text).strip() or 'print("hello")'
    note = f"Code interpreter output:\n\n```\n{code}\n```"
    info = {"code": code, "code_output": code}
    return HostedRun("code_interpreter", {"code": code}, note, info=info)


def _colour(prompt: str) -> tuple[str, tuple[int, int, int]]:
    words = re.findall(r"[a-z]+", prompt.lower())
    named = next((w for w in words if w in CSS_COLOURS), None)
    if named is not None:
        return named, CSS_COLOURS[named]
    digest = hashlib.sha256(prompt.encode()).digest()
    rgb = (digest[0], digest[1], digest[2])
    return "#{:02x}{:02x}{:02x}".format(*rgb), rgb


def _image(prompt: str, number: int, files: FileStore) -> HostedRun:
    from PIL import Image

    colour, rgb = _colour(prompt)
    buffer = io.BytesIO()
    Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), rgb).save(buffer, "PNG")
    name = f"image_generated_{number}"
    stored = files.add_generated(f"{name}.png", buffer.getvalue(), purpose="ocr")
    chunk = {
        "type": "tool_file",
        "tool": "image_generation",
        "file_id": stored.id,
        "file_name": name,
        "file_type": "png",
    }
    size = f"{IMAGE_SIZE}x{IMAGE_SIZE}"
    note = f"Generated image {number + 1}: PNG {size}, {colour}, file {stored.id}"
    return HostedRun("image_generation", {"prompt": prompt}, note, [chunk])


def _library(query: str, library_ids: list[str], libraries: LibraryStore) -> HostedRun:
    chunks = []
    names = []
    for library_id in library_ids:
        try:
            library = libraries.get(library_id)
        except ValueError:  # not even a library id
            raise not_found(f"Library {library_id} not found.") from None
        names.append(str(library["name"]))
        for document in libraries.documents(library_id):
            description = f'A passage of {document["name"]} about "{query}".'
            chunks.append(_reference("document_library", str(document["name"]), None, description))
    found = f"{len(chunks)} passage{'' if len(chunks) == 1 else 's'}"
    note = f'Document library {", ".join(names)}: {found} for "{query}".'
    arguments = {"query": query, "library_ids": list(library_ids)}
    return HostedRun("document_library", arguments, note, chunks)


def arguments_text(run: HostedRun) -> str:
    """An execution's ``arguments`` as the entry carries them: a JSON string."""
    return json.dumps(run.arguments)
