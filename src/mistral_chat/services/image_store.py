"""Kept images: the prepared bytes of every image sent in a saved conversation, so that
`ask -c`, `--conversation` and `/resume` send what the first turn sent.

The history keeps only a description of an inline image (`omitted:<mime>;sha256=<hex>;...`);
the bytes live here, content-addressed, beside `history.db`:

    <data dir>/images/ab/abcdef0123...    one file per distinct image (its sha256), 0600
                                          (directories 0700: they may be private photos)

Size policy: at most `DEFAULT_MAX_BYTES` (256 MB) in all; past that, the images used least
recently (sent or resumed: both touch the file) are evicted first. A resumed conversation whose
image was evicted or deleted gets a `warning:` line and, in the request, a note in its place.
`history delete` removes the images no other message refers to (`forget_unreferenced`).

    >>> import tempfile
    >>> store = ImageStore(Path(tempfile.mkdtemp()) / "images")
    >>> sha = store.put(b"\\x89PNG...")
    >>> store.get(sha)
    b'\\x89PNG...'
    >>> store.data_uri("image/png", sha)
    'data:image/png;base64,iVBORy4uLg=='
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from mistral_chat.storage import Conversation, HistoryStore

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ImageStore",
    "KeptImage",
    "conversation_images",
    "forget_unreferenced",
    "image_store_for",
    "kept_image_ref",
]

#: the total size the kept images may reach before the least recently used go
DEFAULT_MAX_BYTES: Final = 256 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
#: how the history describes inline bytes it did not keep (storage._clean.omit_inline_data)
_OMITTED = re.compile(r"omitted:(?P<mime>[^;]+);sha256=(?P<sha>[0-9a-f]{64});bytes=\d+")


@dataclass(frozen=True)
class KeptImage:
    """An image the history refers to by hash: its MIME type and sha256."""

    mime: str
    sha256: str


def kept_image_ref(url: str) -> KeptImage | None:
    """The image a stored `image_url` stands for, when the history replaced its bytes.

    >>> kept_image_ref("omitted:image/png;sha256=" + "a" * 64 + ";bytes=12").mime
    'image/png'
    >>> kept_image_ref("https://example.com/a.png") is None
    True
    """
    match = _OMITTED.fullmatch(url)
    return KeptImage(match["mime"], match["sha"]) if match else None


def image_store_for(history_path: Path) -> ImageStore:
    """The kept images of the history at `history_path` (`images/` beside it)."""
    return ImageStore(history_path.parent / "images")


def conversation_images(conv: Conversation) -> set[str]:
    """The sha256 of every image attached to a conversation's messages."""
    return {
        a.sha256
        for m in conv.messages
        for a in m.attachments
        if a.kind == "image" and a.sha256 and _SHA256.fullmatch(a.sha256)
    }


def forget_unreferenced(history: HistoryStore, images: ImageStore, hashes: Iterable[str]) -> int:
    """Delete the kept images among `hashes` that no message in `history` refers to any more
    (call it after deleting or replacing conversations); returns how many went."""
    from mistral_chat.storage.references import referenced_hashes

    candidates = set(hashes)
    if not candidates:
        return 0
    return images.remove(candidates - referenced_hashes(history.conn, candidates))


class ImageStore:
    """Image bytes by sha256 under `root`, at most `max_bytes` in all (see the module doc).

    Every method is safe to call when `root` does not exist yet; a file that cannot be read
    or whose bytes no longer match its name reads as gone (None), never as an error.
    """

    def __init__(self, root: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path(self, sha256: str) -> Path:
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Keep `data` (once: the same bytes are one file) and return its sha256; evicts the
        least recently used images past the size cap, never the one just kept."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            _touch(target)
        else:
            self._write(target, data)
        self.evict(keep=sha)
        return sha

    def get(self, sha256: str) -> bytes | None:
        """The bytes kept under `sha256` (and marks them used), or None when gone."""
        try:
            target = self.path(sha256)
            data = target.read_bytes()
        except (OSError, ValueError):
            return None
        if hashlib.sha256(data).hexdigest() != sha256:
            return None  # damaged: better a note than a wrong image
        _touch(target)
        return data

    def data_uri(self, mime: str, sha256: str) -> str | None:
        """The `data:` URI the image was first sent as, or None when it is gone."""
        data = self.get(sha256)
        if data is None:
            return None
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"

    def remove(self, hashes: Iterable[str]) -> int:
        """Delete the images kept under `hashes`; returns how many files went."""
        removed = 0
        for sha in set(hashes):
            with contextlib.suppress(OSError, ValueError):
                self.path(sha).unlink()
                removed += 1
        return removed

    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self._files())

    def evict(self, *, keep: str | None = None) -> int:
        """Delete the least recently used images until the rest fit in `max_bytes`."""
        files = self._files()
        total = sum(size for _, size, _ in files)
        removed = 0
        for path, size, _ in sorted(files, key=lambda f: f[2]):
            if total <= self.max_bytes:
                break
            if path.name == keep:
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
                removed += 1
        return removed

    def _files(self) -> list[tuple[Path, int, float]]:
        """(path, size, last used) of every kept image."""
        out: list[tuple[Path, int, float]] = []
        try:
            folders = list(os.scandir(self.root))
        except OSError:
            return out
        for folder in folders:
            if not folder.is_dir(follow_symlinks=False) or len(folder.name) != 2:
                continue
            with contextlib.suppress(OSError):
                for entry in os.scandir(folder.path):
                    if _SHA256.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
                        st = entry.stat(follow_symlinks=False)
                        out.append((Path(entry.path), st.st_size, st.st_mtime))
        return out

    def _write(self, target: Path, data: bytes) -> None:
        """Write through a private temporary file renamed into place (whole or not at all)."""
        for folder in (self.root, target.parent):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(OSError):
                folder.chmod(0o700)
        fd, tmp = tempfile.mkstemp(prefix=".img.", dir=target.parent)  # created 0600
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)
