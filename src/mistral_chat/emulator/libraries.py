"""Document libraries (beta): state on disk, documents that get processed as they are polled.

Layout under the state directory: ``libraries/<id>.json`` (a library) and
``libraries/<id>/<document id>.json`` plus ``.bin`` (a document and its bytes). Like the file
store, the directory is the only truth, so emulators sharing a state directory agree.

Processing is deterministic: a document is uploaded ``todo`` (``processing_status``
"Running"); each read of its status moves it one step, to ``in_progress`` and then ``done``
("Completed"), when its page count (PDFs) and summary appear.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .endpoint_bodies import CreateLibraryRequest
from .files import sniff_mimetype
from .forms import FormFile
from .ocr import pdf_pages
from .validate import not_found

__all__ = ["LibraryStore"]

OWNER_ID = "6340e568-a546-4c41-9dee-1fbeb80493e1"
_STEPS = ("todo", "in_progress", "done")
_SHOWN = {"todo": "Running", "in_progress": "Running", "done": "Completed"}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _write(path: Path, data: dict[str, Any]) -> None:
    part = path.with_suffix(".part")
    part.write_text(json.dumps(data))
    part.replace(path)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data


class LibraryStore:
    """Libraries and their documents under ``root/libraries``."""

    def __init__(self, root: Path) -> None:
        self.dir = root / "libraries"
        self.dir.mkdir(parents=True, exist_ok=True)

    def _lib_path(self, library_id: str) -> Path:
        return self.dir / f"{uuid.UUID(library_id)}.json"  # ValueError for a bad id

    def all(self, search: str | None = None) -> list[dict[str, Any]]:
        found = [lib for p in self.dir.glob("*.json") if (lib := _read(p)) is not None]
        if search:
            found = [lib for lib in found if search.lower() in lib["name"].lower()]
        return sorted(found, key=lambda lib: lib["created_at"], reverse=True)

    def get(self, library_id: str) -> dict[str, Any]:
        library = _read(self._lib_path(library_id))
        if library is None:
            raise not_found(f"Library {library_id} not found.")
        return library

    def create(self, body: CreateLibraryRequest) -> dict[str, Any]:
        now = _now()
        library: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "name": body.name,
            "created_at": now,
            "updated_at": now,
            "owner_id": OWNER_ID,
            "owner_type": body.owner_type or "Workspace",
            "total_size": 0,
            "nb_documents": 0,
            "chunk_size": body.chunk_size,
            "emoji": None,
            "description": body.description,
            "generated_description": None,
            "explicit_user_members_count": None,
            "explicit_workspace_members_count": None,
            "org_sharing_role": None,
            "generated_name": None,
        }
        _write(self._lib_path(library["id"]), library)
        return library

    def delete(self, library_id: str) -> dict[str, Any]:
        library = self.get(library_id)
        self._lib_path(library_id).unlink(missing_ok=True)
        shutil.rmtree(self.dir / library["id"], ignore_errors=True)
        return library

    # documents

    def _docs_dir(self, library_id: str) -> Path:
        return self.dir / str(self.get(library_id)["id"])

    def documents(self, library_id: str, search: str | None = None) -> list[dict[str, Any]]:
        folder = self._docs_dir(library_id)
        docs = [d for p in folder.glob("*.json") if (d := _read(p)) is not None]
        if search:
            docs = [d for d in docs if search.lower() in d["name"].lower()]
        return sorted(docs, key=lambda d: d["created_at"], reverse=True)

    def document(self, library_id: str, document_id: str) -> dict[str, Any]:
        path = self._docs_dir(library_id) / f"{uuid.UUID(document_id)}.json"
        doc = _read(path)
        if doc is None:
            raise not_found(f"Document {document_id} not found.")
        return doc

    def upload(self, library_id: str, part: FormFile) -> tuple[dict[str, Any], bool]:
        """Store an uploaded document; (document, created). Equal bytes return the document
        already there, as the API does."""
        folder = self._docs_dir(library_id)
        folder.mkdir(exist_ok=True)
        digest = hashlib.md5(usedforsecurity=False)
        with part.path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        for doc in self.documents(library_id):
            if doc["hash"] == digest.hexdigest():
                return doc, False
        doc_id = str(uuid.uuid4())
        shutil.move(part.path, folder / f"{doc_id}.bin")
        mime = sniff_mimetype(part.head, part.filename)
        doc = {
            "id": doc_id,
            "library_id": library_id,
            "hash": digest.hexdigest(),
            "mime_type": mime,
            "extension": Path(part.filename).suffix.lstrip(".").lower() or None,
            "size": part.size,
            "name": part.filename,
            "summary": None,
            "created_at": _now(),
            "last_processed_at": None,
            "number_of_pages": None,
            "process_status": "todo",
            "uploaded_by_id": OWNER_ID,
            "uploaded_by_type": "Workspace",
            "tokens_processing_main_content": None,
            "tokens_processing_summary": None,
            "url": None,
            "attributes": None,
            "expires_at": None,
            "processing_status": "Running",
            "tokens_processing_total": 0,
        }
        _write(folder / f"{doc_id}.json", doc)
        self._count(library_id)
        return doc, True

    def advance(self, library_id: str, document_id: str) -> dict[str, Any]:
        """A status read: the document moves one processing step."""
        doc = self.document(library_id, document_id)
        step = _STEPS.index(doc["process_status"]) if doc["process_status"] in _STEPS else 2
        if step < 2:
            doc["process_status"] = _STEPS[step + 1]
            doc["processing_status"] = _SHOWN[doc["process_status"]]
            if doc["process_status"] == "done":
                self._processed(library_id, doc)
            _write(self._docs_dir(library_id) / f"{doc['id']}.json", doc)
        return doc

    def _processed(self, library_id: str, doc: dict[str, Any]) -> None:
        content = self._docs_dir(library_id) / f"{doc['id']}.bin"
        pages = None
        if doc["mime_type"] == "application/pdf":
            with content.open("rb") as fh:
                pages = pdf_pages(iter(lambda: fh.read(1 << 20), b""))
        doc["number_of_pages"] = pages
        doc["last_processed_at"] = _now()
        doc["tokens_processing_total"] = max(1, doc["size"] // 4)
        what = f"{pages} page(s) of " if pages else ""
        doc["summary"] = f"{doc['name']}: {what}{doc['mime_type']}, {doc['size']} bytes."

    def delete_document(self, library_id: str, document_id: str) -> None:
        doc = self.document(library_id, document_id)
        folder = self._docs_dir(library_id)
        (folder / f"{doc['id']}.json").unlink(missing_ok=True)
        (folder / f"{doc['id']}.bin").unlink(missing_ok=True)
        self._count(library_id)

    def _count(self, library_id: str) -> None:
        library = self.get(library_id)
        docs = self.documents(library_id)
        library["nb_documents"] = len(docs)
        library["total_size"] = sum(d["size"] or 0 for d in docs)
        library["updated_at"] = _now()
        _write(self._lib_path(library_id), library)

    def status(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {
            "document_id": doc["id"],
            "process_status": doc["process_status"],
            "processing_status": doc["processing_status"],
        }
