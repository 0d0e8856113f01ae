from __future__ import annotations

from pathlib import Path

import pytest

from mistral_chat.services.transfers import (
    TransferError,
    human_size,
    make_readable,
    resolve_target,
    safe_filename,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("/abs/path/x.txt", "x.txt"),
        ("..", "file-123"),
        ("", "file-123"),
        (None, "file-123"),
        ("a\x00b\x1b[31mc\n.txt", "ab[31mc.txt"),
        ("evil\u202etxt.exe", "eviltxt.exe"),
        (".hidden", "hidden"),
        ("...", "file-123"),
        ('what?:"<>|*.txt', "what_______.txt"),
        ("CON.txt", "_CON.txt"),
        ("trailing. ", "trailing"),
    ],
)
def test_safe_filename(name: str | None, expected: str) -> None:
    assert safe_filename(name, "file-123") == expected


def test_safe_filename_limits_length_and_keeps_extension() -> None:
    name = safe_filename("é" * 300 + ".jsonl", "f")
    assert name.endswith(".jsonl") and len(name.encode()) <= 255
    assert safe_filename("../", "../bad/id") == "badid"


def test_resolve_target(tmp_path: Path) -> None:
    assert resolve_target("-", "x", "f").to_stdout
    assert resolve_target(None, "../a.txt", "f", cwd=tmp_path).path == tmp_path / "a.txt"
    sub = tmp_path / "out"
    sub.mkdir()
    assert resolve_target("out", "../a.txt", "f", cwd=tmp_path).path == sub / "a.txt"
    assert resolve_target("out/b.bin", "a", "f", cwd=tmp_path).path == sub / "b.bin"
    (sub / "a.txt").write_text("old")
    with pytest.raises(TransferError, match="already exists; pass --force"):
        resolve_target("out", "a.txt", "f", cwd=tmp_path)
    forced = resolve_target("out", "a.txt", "f", cwd=tmp_path, force=True)
    assert forced.path == sub / "a.txt" and forced.existed
    with pytest.raises(TransferError, match="no such directory"):
        resolve_target("missing/x.txt", "a", "f", cwd=tmp_path)
    with pytest.raises(TransferError, match="no such directory"):
        resolve_target("missing/", "a", "f", cwd=tmp_path)
    (sub / "d").mkdir()
    with pytest.raises(TransferError, match="is a directory"):
        resolve_target("out", "d", "f", cwd=tmp_path, force=True)


def test_human_size() -> None:
    sizes = (None, 0, 999, 1000, 8211, 999_960, 5 * 10**6, 10 * 1024**2, 3 * 10**12)
    assert [human_size(n) for n in sizes] == [
        "-", "0 B", "999 B", "1.0 kB", "8.2 kB", "1.0 MB", "5.0 MB", "10.5 MB", "3.0 TB",
    ]  # fmt: skip


def test_make_readable_applies_the_umask(tmp_path: Path) -> None:
    import os

    target = tmp_path / "f"
    target.write_text("x")
    target.chmod(0o600)
    mask = os.umask(0o027)
    try:
        make_readable(target)
    finally:
        os.umask(mask)
    assert target.stat().st_mode & 0o777 == 0o640


def test_write_text_atomic_names_the_target_never_its_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from mistral_chat.services.transfers import TransferError, write_text_atomic

    target = tmp_path / "out.md"
    monkeypatch.setattr("os.access", lambda *_: False)
    with pytest.raises(TransferError, match=r"no permission to create files in .*; choose"):
        write_text_atomic(target, "x")
    monkeypatch.undo()

    def full(*_: object, **__: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device", str(tmp_path / ".out.md.abc123"))

    monkeypatch.setattr(tempfile, "mkstemp", full)
    with pytest.raises(TransferError) as info:
        write_text_atomic(target, "x")
    assert str(info.value) == (
        f"cannot write {target}: no space left on device; check the disk and the directory, "
        "or choose another path"
    )
    monkeypatch.undo()
    monkeypatch.setattr(Path, "replace", lambda *_: (_ for _ in ()).throw(OSError(5, "I/O error")))
    with pytest.raises(TransferError, match=r"cannot write .*out\.md: i/o error"):
        write_text_atomic(target, "x")
    assert list(tmp_path.iterdir()) == []  # the temporary file is gone
