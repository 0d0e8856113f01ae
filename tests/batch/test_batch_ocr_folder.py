"""A folder of 50 PDFs through `--endpoint ocr`: 50 markdown files; a row that fails (a file
that cannot be read here, a document the server cannot find) is reported with its reason and
the others are kept."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from _batch_helpers import read_jsonl
from PIL import Image

from mistral_chat.emulator import Emulator


def make_pdf(pages: int, colour: tuple[int, int, int]) -> bytes:
    images = [Image.new("RGB", (60, 80), colour) for _ in range(pages)]
    buf = io.BytesIO()
    images[0].save(buf, "PDF", save_all=True, append_images=images[1:])
    return buf.getvalue()


def folder_of_pdfs(root: Path, count: int = 50) -> Path:
    folder = root / "scans"
    folder.mkdir()
    for i in range(count):
        (folder / f"doc-{i:02d}.pdf").write_bytes(make_pdf(1 + i % 3, (i * 5, 100, 200)))
    return folder


def test_fifty_pdfs_give_fifty_markdown_files(
    batch_cli: Any, emu: Emulator, tmp_path: Path
) -> None:
    folder = folder_of_pdfs(tmp_path)
    code, _out, err = batch_cli(
        "batch", "run", str(folder), "--endpoint", "ocr", "--output-dir", "md", "-o", "index.jsonl"
    )
    assert code == 0, err
    written = sorted(p.name for p in (tmp_path / "md").iterdir())
    assert written == [f"doc-{i:02d}.md" for i in range(50)]
    text = (tmp_path / "md" / "doc-04.md").read_text()
    assert text.startswith("<!-- page 1 -->\n\n# Page 1 of 2\n\nDocument: doc-04.pdf (")
    assert "<!-- page 2 -->\n\n# Page 2 of 2" in text and "application/pdf) via file " in text
    index = read_jsonl(tmp_path / "index.jsonl")
    assert [r["file"] for r in index] == [f"doc-{i:02d}.pdf" for i in range(50)]
    assert index[4]["pages"] == 2 and index[4]["error"] is None
    assert index[4]["markdown_file"].endswith("md/doc-04.md")
    uploads = [f for f in emu.store.all() if f.purpose == "ocr"]
    assert len(uploads) == 50  # each document uploaded once, then named by its id
    assert "50 markdown files written" in err


def test_a_failed_row_is_reported_with_its_reason_and_the_others_are_kept(
    batch_cli: Any, emu: Emulator, tmp_path: Path
) -> None:
    folder = folder_of_pdfs(tmp_path)
    (folder / "notes.txt").write_text("already text\n")
    # the server loses one document between the job's creation and its reading it
    create, lost = emu.app.batch.create, []

    def create_then_lose(*args: Any, **kwargs: Any) -> Any:
        job = create(*args, **kwargs)
        lost.append(next(f for f in emu.store.all() if f.filename == "doc-07.pdf"))
        emu.store.delete(lost[0].id)
        return job

    emu.app.batch.create = create_then_lose  # type: ignore[method-assign]
    code, _out, err = batch_cli(
        "batch", "run", str(folder), "--endpoint", "ocr", "--output-dir", "md", "--no-wait"
    )
    assert code == 0, err
    run_id = re.search(r"run (\w{12})", err)[1]  # type: ignore[index]
    code, _out, err = batch_cli("batch", "wait", run_id)
    assert code == 0, err
    written = sorted(p.name for p in (tmp_path / "md").iterdir())
    assert len(written) == 49 and "doc-07.md" not in written and "notes.md" not in written
    assert f"warning: row 8: 404: File {lost[0].id} not found." in err
    assert "warning: row 51: notes.txt is already text; OCR reads documents and images" in err
    assert "51 rows, 49 answered, 2 failed" in err


def test_dry_run_of_a_folder_uploads_nothing(batch_cli: Any, emu: Emulator, tmp_path: Path) -> None:
    folder = folder_of_pdfs(tmp_path, 3)
    code, out, err = batch_cli(
        "batch", "run", str(folder), "--endpoint", "ocr", "--output-dir", "md", "--dry-run"
    )
    assert code == 0, err
    assert "rows          3" in out and "OCR is priced by the page" in out
    assert '"file_id":"sha256:' in out  # named by content: nothing was uploaded
    assert not [r for r in emu.requests if r.path.startswith("/v1/")]
