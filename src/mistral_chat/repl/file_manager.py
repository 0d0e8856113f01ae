"""The file manager: the Files API as a small menu (upload, list, download, delete, signed URL).

Each choice is a number or a word, and its argument can follow on the same line
(``upload report.pdf``, ``delete 2``, ``url 3b1f 2``) or is asked for. A file is named by its
number in the last ``list`` (the list is shown first when there is none yet), by its id or a
unique prefix of it, or by ``.`` (the last one uploaded). An API or input error prints one
line and the menu goes on; ``back``, ``q``, Ctrl-C or Ctrl-D return.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mistral_chat.errors import Terminated, UsageError
from mistral_chat.render.formats import local_time

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.api.types import FileObject
    from mistral_chat.render.console import Terminal

__all__ = ["FileManager", "FileManagerError"]

MENU: Final = "files: 1 upload  2 list  3 download  4 delete  5 url  6 back"
_CHOICES: Final = {
    "1": "upload", "upload": "upload", "u": "upload",
    "2": "list", "list": "list", "l": "list", "ls": "list",
    "3": "download", "download": "download", "d": "download",
    "4": "delete", "delete": "delete", "rm": "delete",
    "5": "url", "url": "url",
    "6": "back", "back": "back", "b": "back", "q": "back", "quit": "back",
}  # fmt: skip


_MAX_EXPIRY_HOURS: Final = 168  # what the API allows for a signed URL


class FileManagerError(UsageError, ValueError):
    """Bad input in the file manager; one line for the user."""


Ask = Callable[[str], str]
ErrorText = Callable[[BaseException], str]
Progress = Callable[[int, "int | None"], None]


class FileManager:
    """The menu loop. ``describe`` turns an expected exception into its one-line message."""

    def __init__(
        self,
        terminal: Terminal,
        client: Client,
        ask: Ask,
        describe: ErrorText,
        *,
        cwd: Path | None = None,
    ) -> None:
        self.terminal = terminal
        self.client = client
        self.ask = ask
        self.describe = describe
        self.cwd = cwd or Path.cwd()
        self.last_file_id: str | None = None
        #: the files of the last `list`, by number (None: deleted since)
        self.listed: list[FileObject | None] = []

    def run(self) -> None:
        from mistral_chat.api.errors import MistralError
        from mistral_chat.services.transfers import TransferError

        self.terminal.say(MENU)
        while True:
            try:
                line = self.ask("files> ").strip()
            except Terminated:
                raise  # SIGTERM or SIGHUP: the program ends
            except (EOFError, KeyboardInterrupt):
                return
            if not line:
                self.terminal.say(MENU)
                continue
            word, _, arg = line.partition(" ")
            choice = _CHOICES.get(word.lower())
            if choice == "back":
                return
            try:
                if choice is None:
                    raise FileManagerError(f"unknown choice {word!r}; {MENU}")
                getattr(self, f"do_{choice}")(arg.strip())
            except Terminated:
                raise  # SIGTERM or SIGHUP: the program ends
            except (EOFError, KeyboardInterrupt):
                self.terminal.out("")
            except (MistralError, FileManagerError, TransferError, OSError) as exc:
                self.terminal.error(self.describe(exc))
            except Exception as exc:  # noqa: BLE001 - a bug: one line, and the menu goes on
                # (opened from the browser before the chat, an escaping error ends the program)
                self.terminal.error(self.describe(exc))

    # -- the five operations ------------------------------------------------------------------
    def do_upload(self, arg: str) -> None:
        path_text, purpose = self._path_and_purpose(arg or self._need("path to upload: "))
        path = self._path(path_text)
        if not path.is_file():
            raise FileManagerError(f"no such file: {path_text}")
        size = path.stat().st_size
        with self._progress(f"uploading {path.name}", size) as advance:
            uploaded = self.client.files.upload(
                path, purpose=purpose.strip() or None, on_progress=advance
            )
        self.last_file_id = uploaded.id
        self.terminal.say(f"uploaded {uploaded.filename or path.name}: {uploaded.id}")

    def do_list(self, arg: str) -> None:
        from mistral_chat.render.tables import table
        from mistral_chat.services.transfers import human_size

        listing = self.client.files.list(search=arg or None, page_size=100)
        self.listed = list(listing.data)
        if not listing.data:
            self.terminal.say("no files")
            return
        rows = [
            [
                str(n),
                f.id,
                f.filename,
                human_size(f.bytes),
                f.purpose or "",
                local_time(f.created_at),
            ]
            for n, f in enumerate(listing.data, 1)
        ]
        total = listing.total if listing.total is not None else len(listing.data)
        shown = f"the first {len(rows)} of {total}" if total > len(rows) else str(total)
        table(
            self.terminal,
            ["#", "id", "filename", "size", "purpose", "created"],
            rows,
            title=f"Files ({shown}; pick one by its number)",
            no_wrap=("#", "id", "size", "created"),
        )

    def do_download(self, arg: str) -> None:
        file_id, _, dest_text = (arg or self._ask_file()).partition(" ")
        file_id = self._file_id(file_id)
        from mistral_chat.services.transfers import human_size, make_readable, resolve_target

        meta: FileObject = self.client.files.retrieve(file_id)
        # the same safe target as `files download`; an existing file is asked about here
        dest_text = _unquote(dest_text.strip())
        given = str(self._path(dest_text)) if dest_text else None
        target = resolve_target(given, meta.filename, file_id, force=True, cwd=self.cwd)
        dest = target.path
        assert dest is not None  # `given` is a path, never "-" (stdout)
        if target.existed and not self._confirm(f"{dest} exists; overwrite? [y/N] "):
            self.terminal.say("not downloaded")
            return
        with self._progress(f"downloading {dest.name}", meta.bytes) as advance:
            written = self.client.files.download(file_id, dest, on_progress=advance)
        make_readable(dest)
        self.terminal.say(f"saved {dest} ({human_size(written)})")

    def do_delete(self, arg: str) -> None:
        file_id = self._file_id(arg or self._ask_file())
        if not self._confirm(f"delete {file_id}? [y/N] "):
            self.terminal.say("not deleted")
            return
        self.client.files.delete(file_id)
        if file_id == self.last_file_id:
            self.last_file_id = None  # `.` must not name a file that is gone
        # numbers stay as listed until the next `list`; the deleted one names nothing
        self.listed = [None if f is not None and f.id == file_id else f for f in self.listed]
        self.terminal.say(f"deleted {file_id}")

    def do_url(self, arg: str) -> None:
        file_id, _, hours = (arg or self._ask_file()).partition(" ")
        file_id = self._file_id(file_id)
        expiry = 24
        if hours.strip():
            try:
                expiry = int(hours)
            except ValueError:
                raise FileManagerError(f"expiry must be a number of hours, got {hours!r}") from None
            if not 1 <= expiry <= _MAX_EXPIRY_HOURS:
                raise FileManagerError(f"expiry must be from 1 to {_MAX_EXPIRY_HOURS} hours")
        url = self.client.files.signed_url(file_id, expiry_hours=expiry)
        self.terminal.out(url)

    # -- helpers ------------------------------------------------------------------------------
    def _need(self, question: str) -> str:
        answer = self.ask(question).strip()
        if not answer:
            raise FileManagerError("nothing entered")
        return answer

    def _ask_file(self) -> str:
        """Which file: the numbered list first (if none is shown yet), then its number."""
        if not self.listed:
            self.do_list("")
            if not self.listed:
                raise FileManagerError("there are no files to choose from")
        return self._need("file (number or id)> ")

    def _confirm(self, question: str) -> bool:
        return self.ask(question).strip().lower() in ("y", "yes")

    def _path(self, text: str) -> Path:
        path = Path(text.strip()).expanduser()
        return path if path.is_absolute() else self.cwd / path

    def _path_and_purpose(self, text: str) -> tuple[str, str]:
        """``PATH [PURPOSE]``; a path with spaces is quoted, or typed alone as it is."""
        text = text.strip()
        if self._path(text).is_file():
            return text, ""
        try:
            words = shlex.split(text)
        except ValueError as exc:
            raise FileManagerError(f"cannot read the path: {exc}") from None
        if len(words) in (1, 2):
            return words[0], words[1] if len(words) == 2 else ""
        return text, ""  # not a file: "no such file" names it

    def _file_id(self, text: str) -> str:
        text = text.strip().removeprefix("file:")
        if text in ("", "."):
            if self.last_file_id is None:
                raise FileManagerError("give a file id (`list` shows them)")
            return self.last_file_id
        if "/" in text or not text.isprintable():
            raise FileManagerError(f"invalid file id {text!r}; `list` shows them")
        if text.isdecimal():
            return self._numbered(int(text))
        from mistral_chat.services.file_refs import resolve_file_id

        return resolve_file_id(self.client, text, listing="`list`")

    def _numbered(self, number: int) -> str:
        if not self.listed:
            raise FileManagerError(f"no file number {number}: `list` numbers the files")
        if not 1 <= number <= len(self.listed):
            raise FileManagerError(
                f"no file number {number}; the list numbers them from 1 to {len(self.listed)}"
            )
        chosen = self.listed[number - 1]
        if chosen is None:
            raise FileManagerError(f"file number {number} was deleted; `list` numbers them anew")
        return chosen.id

    def _progress(self, label: str, total: int | None) -> AbstractContextManager[Progress]:
        return _progress(self.terminal, label, total)


def _unquote(text: str) -> str:
    """A path typed in quotes, without them; anything else as it is."""
    try:
        words = shlex.split(text)
    except ValueError:
        return text
    return words[0] if len(words) == 1 and text[:1] in ("'", '"') else text


@contextmanager
def _progress(terminal: Terminal, label: str, total: int | None) -> Iterator[Progress]:
    """A progress bar on stderr when it is a terminal; yields an ``on_progress`` callback."""
    from mistral_chat.render.progress import TransferProgress

    with TransferProgress(terminal, label, total) as bar:

        def advance(done: int, _total: int | None) -> None:
            bar.advance(done - bar.completed)

        yield advance
