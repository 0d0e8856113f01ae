"""`mistral-chat files upload|list|show|download|delete|url`.

A file ID may be shortened to any unique prefix (`files show 2a6251e9`), as history ids may.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..render.formats import local_time
from ..services.transfers import human_size
from ._argtypes import file_id as file_id_arg
from ._argtypes import int_range, non_empty
from .context import AppContext
from .exit import ExitCode, UsageError

if TYPE_CHECKING:
    from ..api.types import FileObject

PURPOSES = ("fine-tune", "batch", "ocr")
DEFAULT_PAGE_SIZE = 20
_ID_HELP = "a file id, or a unique prefix of one"
#: ids are typed back (or copied), sizes and times read whole: never broken across lines
_IDS = ("id", "size", "created", "expires")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "files",
        help="upload, list, download and delete files",
        description="Manage files in the Files API.",
    )
    sub = p.add_subparsers(dest="files_command", metavar="SUBCOMMAND", title="subcommands")

    up = sub.add_parser(
        "upload",
        help="upload files",
        description=(
            "Upload files (streamed from disk, up to 512 MB each), one after the other; every "
            "path is checked before the first upload. A progress bar shows on a terminal; piped, "
            "each file's id is printed as soon as it is uploaded."
        ),
    )
    up.add_argument("paths", nargs="+", metavar="PATH", help="the files to upload")
    up.add_argument("--purpose", choices=PURPOSES, help="what the file is for (ocr for documents)")
    up.add_argument(
        "--json",
        action="store_true",
        help="the file object as JSON (an array of them for several files)",
    )
    up.set_defaults(handler=upload)

    ls = sub.add_parser("list", help="list files", description="List uploaded files.")
    ls.add_argument("--purpose", choices=PURPOSES, help="only files with this purpose")
    ls.add_argument("--search", metavar="S", help="only files whose name contains S")
    ls.add_argument(
        "--page",
        type=int_range(1, 1_000_000),
        default=1,
        metavar="N",
        help="page number (default 1)",
    )
    ls.add_argument(
        "--page-size",
        type=int_range(1, 1000),
        default=DEFAULT_PAGE_SIZE,
        metavar="N",
        help=f"files per page (default {DEFAULT_PAGE_SIZE})",
    )
    ls.add_argument("--json", action="store_true", help="one JSON array of file objects")
    ls.set_defaults(handler=list_files)

    show = sub.add_parser("show", help="details of one file", description="Show one file.")
    show.add_argument("file_id", type=file_id_arg, metavar="ID", help=_ID_HELP)
    show.add_argument("--json", action="store_true", help="the file object as JSON")
    show.set_defaults(handler=show_file)

    dl = sub.add_parser(
        "download",
        help="download a file's content",
        description=(
            "Download a file. Without -o it is saved in the current directory under the server's "
            "file name made safe (no separators, '..' or control characters). An existing file is "
            "never replaced without --force; the file appears only once complete. -o - writes to "
            "stdout."
        ),
    )
    dl.add_argument("file_id", type=file_id_arg, metavar="ID", help=_ID_HELP)
    dl.add_argument(
        "-o",
        "--output",
        type=non_empty,
        metavar="PATH|-",
        help="file or directory to save to, or - for stdout",
    )
    dl.add_argument(
        "--force",
        action="store_true",
        help="overwrite an existing file (or write binary to a terminal)",
    )
    dl.set_defaults(handler=download)

    rm = sub.add_parser(
        "delete",
        help="delete files",
        description=("Delete files. Asks first on a terminal; elsewhere --yes is required."),
    )
    rm.add_argument("file_ids", nargs="+", type=file_id_arg, metavar="ID", help=_ID_HELP)
    rm.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    rm.set_defaults(handler=delete)

    url = sub.add_parser(
        "url",
        help="a signed download URL",
        description=("Print a signed URL anyone can download the file from until it expires."),
    )
    url.add_argument("file_id", type=file_id_arg, metavar="ID", help=_ID_HELP)
    url.add_argument(
        "--expiry",
        type=int_range(1, 168),
        default=24,
        metavar="HOURS",
        help="hours the URL stays valid, 1-168 (default 24)",
    )
    url.add_argument("--json", action="store_true", help='{"id", "url", "expiry_hours", ...}')
    url.set_defaults(handler=signed_url)


# -- helpers ---------------------------------------------------------------------------------------


@contextmanager
def _progress(ctx: AppContext, label: str, total: int | None) -> Iterator[Any]:
    """A progress callback for the api layer: a bar on a terminal, nothing otherwise."""
    if not ctx.terminal.stderr_color:
        yield None
        return
    from ..render.progress import TransferProgress

    done_so_far = 0
    with TransferProgress(ctx.terminal, label, total) as bar:

        def on_progress(done: int, _total: int | None) -> None:
            nonlocal done_so_far
            if done > done_so_far:
                bar.advance(done - done_so_far)
            done_so_far = done

        yield on_progress


def _file_id(ctx: AppContext, ref: str) -> str:
    from ..services.file_refs import resolve_file_id

    return resolve_file_id(ctx.client(), ref, listing="`mistral-chat files list`")


def _details(ctx: AppContext, f: FileObject) -> None:
    from ..render.tables import key_value

    pairs = [
        ("id", f.id),
        ("filename", f.filename or "-"),
        (
            "size",
            f"{human_size(f.bytes)}"
            + (f" ({f.bytes} bytes)" if f.bytes and f.bytes >= 1000 else ""),
        ),
        ("purpose", f.purpose or "-"),
        ("mimetype", f.mimetype or "-"),
        ("created", local_time(f.created_at)),
        ("expires", local_time(f.expires_at) if f.expires_at else "never"),
        ("source", f.source or "-"),
    ]
    if f.num_lines is not None:
        pairs.append(("lines", str(f.num_lines)))
    if f.visibility:
        pairs.append(("visibility", f.visibility))
    key_value(ctx.terminal, pairs)


# -- handlers --------------------------------------------------------------------------------------


def upload(args: argparse.Namespace, ctx: AppContext) -> int:
    paths = [_upload_path(p) for p in args.paths]  # all checked before anything is sent
    client = ctx.client()
    uploaded: list[FileObject] = []
    for path in paths:
        with _progress(ctx, f"uploading {path.name}", path.stat().st_size) as on_progress:
            obj = client.files.upload(path, purpose=args.purpose, on_progress=on_progress)
        uploaded.append(obj)
        if not args.json and not ctx.terminal.stdout_isatty:
            ctx.terminal.out(obj.id)  # at once: a later failure loses no id
    if args.json:
        docs = [f.to_dict() for f in uploaded]
        ctx.terminal.json(docs[0] if len(docs) == 1 else docs)
    elif ctx.terminal.stdout_isatty and len(uploaded) == 1:
        _details(ctx, uploaded[0])
    elif ctx.terminal.stdout_isatty:
        from ..render.tables import table

        rows = [[f.id, f.filename or "-", human_size(f.bytes), f.purpose or "-"] for f in uploaded]
        table(ctx.terminal, ["id", "filename", "size", "purpose"], rows, no_wrap=_IDS)
    return ExitCode.OK


def _upload_path(arg: str) -> Path:
    path = Path(arg).expanduser()
    if not path.exists():
        raise UsageError(f"{arg}: no such file (nothing was uploaded)")
    if not path.is_file():
        raise UsageError(f"{arg}: not a regular file (nothing was uploaded)")
    return path


def list_files(args: argparse.Namespace, ctx: AppContext) -> int:
    result = ctx.client().files.list(
        page=args.page - 1,
        page_size=args.page_size,
        purpose=args.purpose,
        search=args.search,
        include_total=True,
    )
    if args.json:
        ctx.terminal.json([f.to_dict() for f in result.data])
        return ExitCode.OK
    total = result.total if result.total is not None else len(result.data)
    pages = max(1, -(-total // args.page_size))
    if not result.data:
        if total == 0 or args.page == 1:
            ctx.terminal.err_line("no files")
            return ExitCode.OK
        from ..services.catalog import missing_page

        raise UsageError(missing_page(args.page, pages))
    from ..render.tables import table

    rows = [
        [
            f.id,
            f.filename or "-",
            human_size(f.bytes),
            f.purpose or "-",
            local_time(f.created_at),
            local_time(f.expires_at) if f.expires_at else "-",
        ]
        for f in result.data
    ]
    columns = ["id", "filename", "size", "purpose", "created", "expires"]
    table(ctx.terminal, columns, rows, no_wrap=_IDS)
    ctx.terminal.out(f"page {args.page} of {pages}, {total} file{'s' if total != 1 else ''}")
    return ExitCode.OK


def show_file(args: argparse.Namespace, ctx: AppContext) -> int:
    obj = ctx.client().files.retrieve(_file_id(ctx, args.file_id))
    if args.json:
        ctx.terminal.json(obj.to_dict())
    else:
        _details(ctx, obj)
    return ExitCode.OK


def download(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..services.transfers import TransferError, cannot_write, make_readable, resolve_target

    client = ctx.client()
    meta = client.files.retrieve(_file_id(ctx, args.file_id))
    target = resolve_target(args.output, meta.filename, meta.id, force=args.force)
    if target.path is None:
        if ctx.terminal.stdout_isatty and not args.force:
            raise TransferError(
                "refusing to write a file's bytes to the terminal; redirect stdout "
                "(-o - > FILE) or pass --force"
            )
        sys.stdout.flush()
        with _progress(ctx, meta.filename or meta.id, meta.bytes) as on_progress:
            client.files.download(meta.id, sys.stdout.buffer, on_progress=on_progress)
        sys.stdout.buffer.flush()
        return ExitCode.OK
    try:
        with _progress(ctx, target.path.name, meta.bytes) as on_progress:
            written = client.files.download(meta.id, target.path, on_progress=on_progress)
    except OSError as exc:  # the API names its temporary file: name the one asked for
        raise TransferError(cannot_write(target.path, exc)) from exc
    make_readable(target.path)
    ctx.terminal.err_line(f"saved {target.path} ({human_size(written)})")
    return ExitCode.OK


def delete(args: argparse.Namespace, ctx: AppContext) -> int:
    client = ctx.client()
    # every prefix resolved first, once each, in the order given: a typo deletes nothing
    ids = list(dict.fromkeys(_file_id(ctx, ref) for ref in args.file_ids))

    def question() -> str:
        if len(ids) > 1:
            return f"Delete {len(ids)} files ({', '.join(ids)})?"
        meta = client.files.retrieve(ids[0])
        name = f"{meta.filename} ({human_size(meta.bytes)})" if meta.filename else meta.id
        return f"Delete file {meta.id}, {name}?"

    if not args.yes and not ctx.confirm(f"deleting {', '.join(ids)}", question):
        ctx.terminal.err_line("not deleted")
        return ExitCode.OK
    if len(ids) == 1:
        ctx.terminal.err_line(f"deleted {client.files.delete(ids[0]).id}")
        return ExitCode.OK
    from ..api.errors import MistralError
    from .exit import exit_for

    code: int = ExitCode.OK
    for file_id in ids:  # one failure (a wrong id) does not spare the others
        try:
            ctx.terminal.err_line(f"deleted {client.files.delete(file_id).id}")
        except MistralError as exc:
            failed, message = exit_for(exc, host=ctx.host)
            ctx.terminal.error(message)
            code = code or failed
    return code


def signed_url(args: argparse.Namespace, ctx: AppContext) -> int:
    file_id = _file_id(ctx, args.file_id)
    url = ctx.client().files.signed_url(file_id, expiry_hours=args.expiry)
    if args.json:
        expires = datetime.now(UTC).timestamp() + args.expiry * 3600
        ctx.terminal.json(
            {
                "id": file_id,
                "url": url,
                "expiry_hours": args.expiry,
                "expires_at": int(expires),
            }
        )
    else:
        ctx.terminal.out(url)
    return ExitCode.OK
