# generated from ../_async/libraries.py by scripts/unasync.py; do not edit
"""`/v1/libraries*` (beta): document libraries for the hosted `document_library` tool.

List, create, get and delete libraries; list, upload (streamed from disk, with progress),
get, delete documents and read their processing status.
"""

from __future__ import annotations

import os
from typing import IO, TYPE_CHECKING, Any

from .._base_client import parsed
from ..endpoint_types import Document, DocumentList, DocumentStatus, Library, LibraryList
from ..resources.files import ProgressCallback, upload_form
from ..resources.libraries import (
    LIBRARIES,
    document_path,
    library_path,
    parse_document,
    parse_document_list,
    parse_library,
    parse_library_list,
    parse_status,
)

if TYPE_CHECKING:
    from .api_client import APIClient

__all__ = ["Libraries"]


def _params(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


class Libraries:
    def __init__(self, client: APIClient) -> None:
        self._client = client

    def list(
        self,
        *,
        search: str | None = None,
        page_size: int | None = None,
        page_token: str | None = None,
    ) -> LibraryList:
        params = _params(search=search, page_size=page_size, page_token=page_token)
        response = self._client.request("GET", LIBRARIES, params=params)
        return parsed(response, parse_library_list)

    def create(self, name: str, *, description: str | None = None) -> Library:
        body = _params(name=name, description=description)
        response = self._client.request("POST", LIBRARIES, json=body)
        return parsed(response, parse_library)

    def get(self, library_id: str) -> Library:
        response = self._client.request("GET", library_path(library_id))
        return parsed(response, parse_library)

    def delete(self, library_id: str) -> None:
        """Delete the library and its documents."""
        self._client.request("DELETE", library_path(library_id))

    def documents(
        self,
        library_id: str,
        *,
        search: str | None = None,
        page: int | None = None,
        page_size: int | None = None,
    ) -> DocumentList:
        params = _params(search=search, page=page, page_size=page_size)
        path = library_path(library_id, "/documents")
        response = self._client.request("GET", path, params=params)
        return parsed(response, parse_document_list)

    def upload(
        self,
        library_id: str,
        file: str | os.PathLike[str] | IO[bytes],
        *,
        filename: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Document:
        """Upload a document (streamed from disk); equal bytes give the document already
        there. Retried only if it can be re-read from the start."""
        client = self._client
        path = library_path(library_id, "/documents")
        with upload_form(file, filename, None, None, None, on_progress) as (files, _, rewind):
            request = client._build(client.http, "POST", path, files=files)
            # an upload takes as long as it takes while bytes flow: no deadline on the whole
            if rewind:
                response = client.with_retries(lambda n: client.fetch(request, n, timed=False))
            else:
                response = client.fetch(request, 1, timed=False)
        return parsed(response, parse_document)

    def document(self, library_id: str, document_id: str) -> Document:
        response = self._client.request("GET", document_path(library_id, document_id))
        return parsed(response, parse_document)

    def status(self, library_id: str, document_id: str) -> DocumentStatus:
        path = document_path(library_id, document_id, "/status")
        response = self._client.request("GET", path)
        return parsed(response, parse_status)

    def delete_document(self, library_id: str, document_id: str) -> None:
        self._client.request("DELETE", document_path(library_id, document_id))
