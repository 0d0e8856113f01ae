"""Safe download targets: where `files download` may write, and under which name.

The server chooses a file's name, so it is treated as untrusted: reduced to a base name with
no path separators, no `..`, no control or bidirectional-override characters, no leading dots,
at most 240 bytes (room for the temporary name beside it); the file id when nothing is left.
A download never replaces an existing file unless asked (`force`), and goes through a
temporary file renamed into place (done by the api layer), so a failure never leaves a
truncated file under the real name.

    >>> safe_filename("../../etc/passwd", "file-1")
    'passwd'
    >>> safe_filename("..", "file-1")
    'file-1'
"""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mistral_chat.errors import UsageError

__all__ = [
    "MAX_NAME_BYTES",
    "STDOUT",
    "DownloadTarget",
    "TransferError",
    "cannot_write",
    "check_writable",
    "human_size",
    "make_readable",
    "resolve_target",
    "safe_filename",
    "write_text_atomic",
]

STDOUT = "-"
#: longest file name a download or an export may have: file systems allow 255 bytes, and the
#: file is written first under a temporary name beside it, ".NAME.xxxxxxxx.part" (15 more)
MAX_NAME_BYTES = 240
_WINDOWS_RESERVED = re.compile(r'[<>:"|?*]')
_RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
)


class TransferError(UsageError):
    """A download or upload cannot go ahead as asked (exit 2); the message says why."""


@dataclass(frozen=True)
class DownloadTarget:
    """Where a download goes: `path`, or stdout when `path` is None."""

    path: Path | None
    existed: bool = False

    @property
    def to_stdout(self) -> bool:
        return self.path is None


def _clean_char(ch: str) -> str:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
        return ""
    return ch


def safe_filename(server_name: str | None, file_id: str) -> str:
    """A base name safe to create in the target directory (the file id if nothing is left)."""
    name = server_name or ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # the last path component
    name = "".join(_clean_char(ch) for ch in unicodedata.normalize("NFC", name))
    name = _WINDOWS_RESERVED.sub("_", name).strip().lstrip(".").strip()
    name = name.rstrip(". ")
    if name.split(".", 1)[0].lower() in _RESERVED_NAMES:
        name = "_" + name
    name = _truncate(name)
    if not name or set(name) <= {"."}:
        fallback = "".join(ch for ch in file_id if ch.isalnum() or ch in "-_")
        return fallback[:MAX_NAME_BYTES] or "download"
    return name


def _truncate(name: str) -> str:
    """`name` cut to `MAX_NAME_BYTES` bytes of UTF-8, keeping a short extension."""
    if len(name.encode("utf-8")) <= MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 16:
        stem, ext = name, ""
    suffix = f".{ext}" if ext else ""
    budget = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    encoded = stem.encode("utf-8")[:budget]
    return encoded.decode("utf-8", errors="ignore") + suffix


def human_size(n: int | None) -> str:
    """A byte count for people, in SI units as Mistral states its limits (1 kB = 1000 bytes,
    1 MB = 1,000,000): `812 B`, `8.2 kB`, `1.2 MB` ("-" when unknown).

    >>> human_size(8211), human_size(12)
    ('8.2 kB', '12 B')
    """
    if n is None:
        return "-"
    if n < 1000:
        return f"{n} B"
    value = n / 1000
    for unit in ("kB", "MB", "GB"):
        if value < 999.95:  # what rounds to 1000.0 reads as the next unit
            return f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"


def make_readable(path: Path) -> None:
    """Give a file written through a private temporary file the mode a new file gets (umask).

    Temporary files are created 0600; a download or an export is the user's ordinary file.
    """
    mask = os.umask(0o022)
    os.umask(mask)
    with contextlib.suppress(OSError):  # not ours to change (another owner): keep its mode
        path.chmod(0o666 & ~mask)


def write_text_atomic(path: Path, text: str) -> None:
    """Write a text file whole or not at all (a temporary file renamed into place).

    TransferError, naming `path` (never the temporary file), when it cannot be written."""
    import tempfile

    check_writable(path)
    directory = path.parent if str(path.parent) else Path()
    # the temporary name need not hold the whole name (a long one would not fit): its first
    # 200 bytes, as the file system sees them
    short = os.fsdecode(os.fsencode(path.name)[:200])
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{short}.", dir=directory)
    except OSError as exc:
        raise TransferError(cannot_write(path, exc)) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        make_readable(Path(tmp))  # an export is an ordinary file, not a private temporary one
        Path(tmp).replace(path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise TransferError(cannot_write(path, exc)) from exc
        raise


def check_writable(path: Path) -> None:
    """TransferError unless a file can be created at `path` (checked before work is done for
    it: the OCR of a document, a download)."""
    if path.is_dir():
        raise TransferError(f"cannot write {path}: it is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise TransferError(
            f"cannot write {path}: {parent} is not a directory; create it or choose another path"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise TransferError(
            f"cannot write {path}: no permission to create files in {parent}; choose another path"
        )


def cannot_write(path: Path, exc: OSError) -> str:
    """One line about a failed write of `path`; `exc` may name a temporary file instead."""
    reason = (exc.strerror or type(exc).__name__).lower()
    return (
        f"cannot write {path}: {reason}; check the disk and the directory, or choose another path"
    )


def resolve_target(
    output: str | None,
    server_name: str | None,
    file_id: str,
    *,
    force: bool = False,
    cwd: Path | None = None,
) -> DownloadTarget:
    """Where to save a download.

    - `output` None: the current directory, under the server's name made safe
    - `output` "-": stdout
    - `output` an existing directory (or ending in a separator): inside it, the safe name
    - anything else: that exact path (the user chose it); its directory must exist

    An existing file is refused unless `force`; a directory is never replaced.
    """
    if output == STDOUT:
        return DownloadTarget(None)
    base = cwd or Path.cwd()
    if output is None:
        path = base / safe_filename(server_name, file_id)
    else:
        given = Path(output).expanduser()
        given = given if given.is_absolute() else base / given
        if output.endswith(("/", os.sep)) or given.is_dir():
            if not given.is_dir():
                raise TransferError(f"{output}: no such directory; create it first")
            path = given / safe_filename(server_name, file_id)
        else:
            if not given.parent.is_dir():
                raise TransferError(f"{given.parent}: no such directory; create it first")
            path = given
    if path.is_dir():
        raise TransferError(f"{path} is a directory; give a file name with -o")
    size = len(os.fsencode(path.name))
    if size > MAX_NAME_BYTES:
        raise TransferError(
            f"the file name {path.name[:40]}... is {size} bytes long; a download's name may "
            f"have at most {MAX_NAME_BYTES} (it is written under a temporary name beside it "
            "first); choose a shorter one with -o"
        )
    existed = os.path.lexists(path)
    if existed and not force:
        raise TransferError(
            f"{path} already exists; pass --force to overwrite it or -o PATH to save elsewhere"
        )
    check_writable(path)
    return DownloadTarget(path, existed)
