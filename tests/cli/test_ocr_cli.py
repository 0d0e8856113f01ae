"""`mistral-chat ocr`: a real process against the emulator's /v1/ocr."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from cli_support import RunCLI
from mistral_chat.emulator import Emulator


def _pdf(path: Path, pages: int) -> Path:
    sheets = [Image.new("RGB", (60, 80), "white") for _ in range(pages)]
    sheets[0].save(path, save_all=True, append_images=sheets[1:])
    return path


def test_a_local_pdf_is_uploaded_read_and_marked_by_page(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    _pdf(tmp_path / "report.pdf", 3)
    start = len(emulator.requests)
    code, out, err = run_cli("ocr", "report.pdf")
    assert code == 0, err
    assert [line for line in out.splitlines() if line.startswith("<!-- page")] == [
        "<!-- page 1 -->",
        "<!-- page 2 -->",
        "<!-- page 3 -->",
    ]
    assert "report.pdf" in out
    sent = [r for r in emulator.requests[start:] if r.path == "/v1/ocr"]
    assert len(sent) == 1 and sent[0].json["model"] == "mistral-ocr-latest"
    assert sent[0].json["document"]["type"] == "document_url"

    code, out, err = run_cli("ocr", "report.pdf", "--pages", "2-3", "--json")
    answer = json.loads(out)
    assert code == 0 and [p["index"] for p in answer["pages"]] == [1, 2], err
    assert answer["usage_info"]["pages_processed"] == 2


def test_output_file_and_image_source(run_cli: RunCLI, tmp_path: Path) -> None:
    Image.new("RGB", (64, 48), "red").save(tmp_path / "scan.png")
    code, out, err = run_cli("ocr", "scan.png", "-o", "scan.md")
    text = (tmp_path / "scan.md").read_text()
    assert code == 0 and out == "" and text.startswith("<!-- page 1 -->\n\n"), err
    assert "64x48" in text and "scan.md" in err
    code, out, err = run_cli("ocr", "scan.png", "-o", "scan.md")
    assert code == 2 and "scan.md already exists" in err


def test_stdin_source(run_cli: RunCLI, tmp_path: Path) -> None:
    Image.new("RGB", (120, 80), "white").save(tmp_path / "scan.png")
    code, out, err = run_cli("ocr", "-", input=(tmp_path / "scan.png").read_bytes())
    assert code == 0 and "Image: PNG 120x80, dominant colour white" in out, err
    code, out, err = run_cli("ocr", "-", input="")
    assert (code, out) == (2, "") and "nothing was piped" in err


def test_refusals(run_cli: RunCLI, emulator: Emulator, tmp_path: Path) -> None:
    _pdf(tmp_path / "a.pdf", 1)
    start = len(emulator.requests)
    code, out, err = run_cli("ocr", "a.pdf", "--pages", "0")
    assert code == 2 and out == "" and "--pages: page range '0' is not valid" in err
    code, _, err = run_cli("ocr", "missing.pdf")
    assert code == 2 and "no such file" in err
    (tmp_path / "notes.md").write_text("# already text\n")
    code, _, err = run_cli("ocr", "notes.md", env={"MISTRAL_API_KEY": None})
    assert (code, err) == (
        2, "error: notes.md is already text; OCR reads PDFs, Office documents and images\n"
    )  # fmt: skip
    assert len(emulator.requests) == start  # nothing sent for a local mistake
    code, _, err = run_cli("ocr", "a.pdf", "-m", "mistral-small-latest")
    assert code == 4 and err.startswith("error: ") and "Traceback" not in err
    code, _, err = run_cli("ocr", "a.pdf", "--pages", "5")
    assert code == 4 and err.startswith("error: ") and "numbered from 0" not in err
    assert err.endswith("--pages 5: the document has 1 page; pages are numbered from 1\n")
    _pdf(tmp_path / "b.pdf", 3)
    code, _, err = run_cli("ocr", "b.pdf", "--pages", "2,4-6")
    assert code == 4 and err.endswith(
        "--pages 2,4-6: the document has 3 pages; pages are numbered from 1\n"
    )
