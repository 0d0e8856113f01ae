"""Naming an uploaded file as people do: its whole id, or the first few characters of it.

The Files API takes whole ids only (a prefix is a 422). `resolve_file_id` turns a unique
prefix into the whole id by reading `files list`, page by page, as `history` does with
conversation ids; a whole UUID is used as it is, without a request (the API says whether it
exists).

    >>> resolve_file_id(client, "2a6251e9")           # doctest: +SKIP
    '2a6251e9-6f1b-4c8e-9b7a-0d3c2e1f4a5b'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from mistral_chat.errors import UsageError

if TYPE_CHECKING:
    from mistral_chat.api import Client

__all__ = ["LIST_PAGE_SIZE", "AmbiguousFileId", "FileIdNotFound", "resolve_file_id"]

#: files asked for per page while looking a prefix up
LIST_PAGE_SIZE: Final = 100
_UUID: Final = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_SHOWN: Final = 4  # candidates named in the message about an ambiguous prefix


class FileIdNotFound(UsageError, LookupError):
    """No uploaded file's id is or starts with what was typed."""


class AmbiguousFileId(UsageError, LookupError):
    """Several files' ids start with what was typed; ``candidates`` holds them."""

    def __init__(self, message: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.candidates = candidates


def resolve_file_id(client: Client, ref: str, *, listing: str = "`files list`") -> str:
    """The whole id of the one uploaded file whose id is ``ref`` or starts with it.

    ``listing`` names, in the messages, where the user can see the ids (the REPL's file
    manager says `list`). Raises `FileIdNotFound` or `AmbiguousFileId` (exit 2).
    """
    ref = ref.strip()
    if _UUID.fullmatch(ref.lower()):
        return ref.lower()
    matches: list[str] = []
    page = 0
    while True:
        found = client.files.list(page=page, page_size=LIST_PAGE_SIZE, include_total=False)
        for file in found.data:
            if file.id == ref:  # a server whose ids are not UUIDs: an exact id wins
                return file.id
            if file.id.lower().startswith(ref.lower()):
                matches.append(file.id)
        if len(found.data) < LIST_PAGE_SIZE:
            break
        page += 1
    if not matches:
        raise FileIdNotFound(f"no uploaded file's id starts with {ref!r}; {listing} shows them")
    if len(matches) > 1:
        named = ", ".join(matches[:_SHOWN]) + (" ..." if len(matches) > _SHOWN else "")
        raise AmbiguousFileId(
            f"{ref!r} starts {len(matches)} file ids ({named}); type more of the id", matches
        )
    return matches[0]
