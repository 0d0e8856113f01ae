"""`/v1/files*` (`AsyncFiles`): upload, list, retrieve, delete, download, signed URL.

Forms, parameters, progress and the atomic download target live in `..resources.files`.
"""

from __future__ import annotations

import json
import os
from typing import IO, TYPE_CHECKING

import httpx2
import msgspec

from .._base_client import parsed, transport_error
from ..resources.files import (
    CHUNK,
    DOWNLOAD_HEADERS,
    ProgressCallback,
    check_target,
    download_target,
    download_total,
    file_path,
    list_params,
    parse_file,
    parse_file_list,
    signed_url_params,
    upload_form,
)
from ..types import DeletedFile, FileList, FileObject, SignedURL

if TYPE_CHECKING:
    from .api_client import AsyncAPIClient

__all__ = ["AsyncFiles"]


class AsyncFiles:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client

    async def upload(
        self,
        file: str | os.PathLike[str] | IO[bytes],
        *,
        purpose: str | None = None,
        filename: str | None = None,
        expiry: int | None = None,
        visibility: str | None = None,
        on_progress: ProgressCallback | None = None,
        mime: str | None = None,
    ) -> FileObject:
        """Upload a path or binary file; retried only if it can be re-read from the start.

        `mime` is the part's content type when known (else guessed from the file name).
        """
        client = self._client
        with upload_form(file, filename, purpose, expiry, visibility, on_progress, mime) as form:
            files, data, rewindable = form
            request = client._build(client.http, "POST", "/v1/files", files=files, data=data)
            # a file takes as long as it takes while bytes flow: no deadline on the whole
            if rewindable:
                response = await client.with_retries(
                    lambda n: client.fetch(request, n, timed=False)
                )
            else:
                response = await client.fetch(request, 1, timed=False)
        return parsed(response, lambda body: parse_file(json.loads(body)))

    async def list(
        self,
        *,
        page: int | None = None,
        page_size: int | None = None,
        purpose: str | None = None,
        search: str | None = None,
        sample_type: list[str] | None = None,
        source: list[str] | None = None,
        mimetypes: list[str] | None = None,
        include_total: bool | None = None,
    ) -> FileList:
        params = list_params(
            page, page_size, purpose, search, sample_type, source, mimetypes, include_total
        )
        response = await self._client.request("GET", "/v1/files", params=params)
        return parsed(response, lambda body: parse_file_list(json.loads(body)))

    async def retrieve(self, file_id: str) -> FileObject:
        response = await self._client.request("GET", file_path(file_id))
        return parsed(response, lambda body: parse_file(json.loads(body)))

    async def delete(self, file_id: str) -> DeletedFile:
        response = await self._client.request("DELETE", file_path(file_id))
        return parsed(response, lambda body: msgspec.json.decode(body, type=DeletedFile))

    async def signed_url(self, file_id: str, *, expiry_hours: int = 24) -> str:
        """A URL anyone can GET for `expiry_hours` (1-168); the API's `GET /v1/files/{id}/url`."""
        params = signed_url_params(expiry_hours)
        response = await self._client.request("GET", file_path(file_id, "/url"), params=params)
        return parsed(response, lambda body: msgspec.json.decode(body, type=SignedURL)).url

    async def download(
        self,
        file_id: str,
        dest: str | os.PathLike[str] | IO[bytes],
        *,
        on_progress: ProgressCallback | None = None,
    ) -> int:
        """Stream the file's content to `dest` (a path, written atomically, or a binary stream)."""
        check_target(dest)
        client = self._client
        request = client._build(
            client.http,
            "GET",
            file_path(file_id, "/content"),
            headers=DOWNLOAD_HEADERS,
        )
        response = await client.with_retries(lambda n: client.send(request, n))
        done, total = 0, download_total(response)
        try:
            with download_target(dest) as out:
                async for piece in response.aiter_bytes(CHUNK):
                    out.write(piece)
                    done += len(piece)
                    if on_progress is not None:
                        on_progress(done, total)
        except httpx2.TransportError as exc:
            raise transport_error(exc, request) from exc
        finally:
            await response.aclose()
        return done
