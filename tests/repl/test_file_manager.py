"""The REPL's file manager picks files by their number in the list, or by an id prefix."""

from __future__ import annotations

import io
from pathlib import Path

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.render.console import Terminal
from mistral_chat.repl.file_manager import FileManager
from mistral_chat.repl.prompt import ScriptedReader


def _manage(term: Terminal, client: Client, cwd: Path, lines: list[str]) -> ScriptedReader:
    reader = ScriptedReader(lines)
    FileManager(term, client, reader, str, cwd=cwd).run()
    return reader


def test_files_are_picked_by_number_or_id_prefix(emulator: Emulator, tmp_path: Path) -> None:
    (tmp_path / "fm-7x-a.txt").write_text("first\n")
    (tmp_path / "fm-7x-b.txt").write_text("second\n")
    term = Terminal(io.StringIO(), io.StringIO(), width=150)
    with Client("test", base_url=emulator.base_url) as client:
        # nothing listed yet: `delete` shows the numbered list first, then asks which
        reader = _manage(
            term, client, tmp_path,
            ["upload fm-7x-a.txt", "upload fm-7x-b.txt", "delete", "^C", "list fm-7x"],
        )  # fmt: skip
        assert "file (number or id)> " in reader.prompts
        out = term.stdout.getvalue()  # type: ignore[attr-defined]
        assert "pick one by its number" in out
        table = out[out.rindex("Files (2; pick one by its number)") :].splitlines()[2:4]
        number = {row.split()[2]: row.split()[0] for row in table}  # filename -> number
        assert sorted(number.values()) == ["1", "2"]

        lines = [
            "list fm-7x", "url 9", f"download {number['fm-7x-b.txt']} copy.txt",
            f"delete {number['fm-7x-a.txt']}", "y", f"url {number['fm-7x-a.txt']}",
        ]  # fmt: skip
        _manage(term, client, tmp_path, lines)
        err = term.stderr.getvalue()  # type: ignore[attr-defined]
        assert "error: no file number 9; the list numbers them from 1 to 2" in err
        assert (tmp_path / "copy.txt").read_text() == "second\n"
        listed = {f.filename: f.id for f in client.files.list(search="fm-7x").data}
        assert list(listed) == ["fm-7x-b.txt"]
        assert f"error: file number {number['fm-7x-a.txt']} was deleted; `list` numbers" in err

        survivor = listed["fm-7x-b.txt"]
        _manage(term, client, tmp_path, [f"url {survivor[:8]} 2", f"delete {survivor[:10]}", "y"])
        out = term.stdout.getvalue()  # type: ignore[attr-defined]
        assert f"/_signed/{survivor}?" in out and f"deleted {survivor}" in out
