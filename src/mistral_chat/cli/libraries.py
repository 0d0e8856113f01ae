"""`mistral-chat libraries`: document libraries (beta) for the hosted document_library tool.

list | create NAME | delete ID | documents ID | upload ID FILE... [--wait] | status ID DOC.
Uploads stream from disk with a progress bar each; `--wait` polls until every document is
processed (or failed).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ._argtypes import non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

__all__ = ["register"]

_POLL_SECONDS = 1.0
_FINISHED = ("done", "error", "noop", "missing_content", "self_managed")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "libraries",
        help="document libraries (beta): create, upload, status",
        description="Document libraries (beta), searched by agents with the document_library tool.",
    )
    sub = p.add_subparsers(dest="libraries_command", metavar="COMMAND")
    ls = sub.add_parser("list", help="list libraries")
    ls.add_argument("--search", metavar="TEXT", help="only names containing TEXT")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=list_libraries)
    create = sub.add_parser("create", help="create a library")
    create.add_argument("name", type=non_empty, metavar="NAME")
    create.add_argument("--description", metavar="TEXT")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=create_library)
    delete = sub.add_parser("delete", help="delete a library and its documents")
    delete.add_argument("library", type=non_empty, metavar="ID")
    delete.add_argument("-y", "--yes", action="store_true", help="do not ask")
    delete.set_defaults(handler=delete_library)
    docs = sub.add_parser("documents", help="list a library's documents")
    docs.add_argument("library", type=non_empty, metavar="ID")
    docs.add_argument("--json", action="store_true")
    docs.set_defaults(handler=list_documents)
    upload = sub.add_parser("upload", help="upload documents (several at once, with progress)")
    upload.add_argument("library", type=non_empty, metavar="ID")
    upload.add_argument("paths", nargs="+", type=Path, metavar="FILE")
    upload.add_argument("--wait", action="store_true", help="wait until they are processed")
    upload.add_argument("--json", action="store_true")
    upload.set_defaults(handler=upload_documents)
    status = sub.add_parser("status", help="a document's processing status")
    status.add_argument("library", type=non_empty, metavar="ID")
    status.add_argument("document", type=non_empty, metavar="DOC")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=document_status)


def list_libraries(args: argparse.Namespace, ctx: AppContext) -> int:
    found = ctx.client().libraries.list(search=args.search)
    if args.json:
        ctx.terminal.json([lib.to_dict() for lib in found.data])
        return ExitCode.OK
    from ..render.formats import local_time
    from ..render.tables import table
    from ..services.transfers import human_size

    rows = [
        [
            lib.id,
            lib.name,
            str(lib.nb_documents),
            human_size(lib.total_size),
            local_time(lib.created_at),
        ]
        for lib in found.data
    ]
    table(ctx.terminal, ["id", "name", "documents", "size", "created"], rows, no_wrap=("id",))
    return ExitCode.OK


def create_library(args: argparse.Namespace, ctx: AppContext) -> int:
    library = ctx.client().libraries.create(args.name, description=args.description)
    if args.json:
        ctx.terminal.json(library.to_dict())
    else:
        ctx.terminal.out(library.id)
    return ExitCode.OK


def delete_library(args: argparse.Namespace, ctx: AppContext) -> int:
    client = ctx.client()
    if not args.yes:

        def question() -> str:
            lib = client.libraries.get(args.library)
            return f"delete library {lib.name!r} and its {lib.nb_documents} document(s)?"

        if not ctx.confirm("deleting a library", question):
            return ExitCode.OK
    client.libraries.delete(args.library)
    ctx.terminal.err_line(f"deleted library {args.library}")
    return ExitCode.OK


def list_documents(args: argparse.Namespace, ctx: AppContext) -> int:
    found = ctx.client().libraries.documents(args.library)
    if args.json:
        ctx.terminal.json([d.to_dict() for d in found.data])
        return ExitCode.OK
    _documents_table(ctx, found.data)
    return ExitCode.OK


def _documents_table(ctx: AppContext, docs: list[Any]) -> None:
    from ..render.tables import table
    from ..services.transfers import human_size

    rows = [
        [d.id, d.name, human_size(d.size), d.process_status or "-", str(d.number_of_pages or "-")]
        for d in docs
    ]
    table(ctx.terminal, ["id", "name", "size", "status", "pages"], rows, no_wrap=("id",))


def upload_documents(args: argparse.Namespace, ctx: AppContext) -> int:
    for path in args.paths:  # every path is checked before the first upload
        if not path.is_file():
            raise UsageError(f"{path}: no such file; check the path (nothing was uploaded)")
    from ._uploads import UploadBars

    client = ctx.client()
    bars = UploadBars(ctx)
    docs = []
    for path in args.paths:
        doc = client.libraries.upload(args.library, path, on_progress=_bar(bars, path.name))
        docs.append(doc)
        ctx.terminal.err_line(f"uploaded {path.name} as {doc.id}")
    if args.wait:
        docs = [_wait(ctx, args.library, d) for d in docs]
    if args.json:
        ctx.terminal.json([d.to_dict() for d in docs])
    else:
        _documents_table(ctx, docs)
    return ExitCode.OK


def _bar(bars: Any, name: str) -> Any:
    return lambda done, total: bars(name, done, total)


def _wait(ctx: AppContext, library: str, doc: Any) -> Any:
    client = ctx.client()
    while True:
        status = client.libraries.status(library, doc.id)
        if status.process_status in _FINISHED:
            return client.libraries.document(library, doc.id)
        ctx.terminal.err_line(f"{doc.name}: {status.process_status or status.processing_status}")
        time.sleep(_POLL_SECONDS)


def document_status(args: argparse.Namespace, ctx: AppContext) -> int:
    status = ctx.client().libraries.status(args.library, args.document)
    if args.json:
        ctx.terminal.json(status.to_dict())
    else:
        ctx.terminal.out(
            f"{status.document_id}  {status.process_status}  ({status.processing_status})"
        )
    return ExitCode.OK
