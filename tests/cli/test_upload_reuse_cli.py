"""One upload per document: `ask -a`, `ocr` reuse what they uploaded (checked still there),
chat uploads expire, and `files list` says which files mistral-chat made for chats."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from mistral_chat.emulator import Emulator

RunCLI = Callable[..., tuple[int, str, str]]
WEEK = 168 * 3600


def calls(emu: Emulator, since: int) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.requests[since:]]


def uploads(emu: Emulator, since: int) -> int:
    return calls(emu, since).count(("POST", "/v1/files"))


def test_the_same_document_is_uploaded_once(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    pdf = tmp_path / "reuse-report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"reuse " * 400 + b"\n%%EOF\n")
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", pdf.name, "Summarise", input="")
    assert code == 0, err
    assert f"Document 1: {pdf.name} ({pdf.stat().st_size} bytes, application/pdf)" in out
    assert uploads(emulator, start) == 1

    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", pdf.name, "And the conclusion?", input="")
    assert code == 0, err
    assert f"Document 1: {pdf.name}" in out
    sent = calls(emulator, start)
    assert uploads(emulator, start) == 0  # checked still there, then reused
    assert any(method == "GET" and path.startswith("/v1/files/") for method, path in sent)
    start = len(emulator.requests)
    code, out, err = run_cli("ocr", pdf.name)
    assert code == 0 and "<!-- page 1 -->" in out, err
    assert uploads(emulator, start) == 0  # ocr reuses the chat's upload too

    listed = json.loads(run_cli("files", "list", "--search", pdf.name, "--json")[1])
    [mine] = [f for f in listed if f["chat_upload"]]
    assert mine["filename"] == pdf.name and mine["purpose"] == "ocr"
    assert mine["expires_at"] == mine["created_at"] + WEEK  # chat uploads go by themselves
    code, out, _ = run_cli("files", "list", "--search", pdf.name)
    header, row = out.splitlines()[:2]
    assert header.split() == ["id", "filename", "size", "purpose", "created", "expires", "chat"]
    assert row.startswith(mine["id"]) and row.split()[-1] == "yes"

    # deleted on the server (or expired): the next question uploads it again
    assert run_cli("files", "delete", mine["id"], "--yes")[0] == 0
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", pdf.name, "Once more", input="")
    assert code == 0, err
    assert uploads(emulator, start) == 1
    assert ("GET", f"/v1/files/{mine['id']}") in calls(emulator, start)

    # other bytes under the same name are another document
    pdf.write_bytes(b"%PDF-1.4\n" + b"changed " * 400 + b"\n%%EOF\n")
    start = len(emulator.requests)
    assert run_cli("ask", "-a", pdf.name, "And now?", input="")[0] == 0
    assert uploads(emulator, start) == 1


def test_files_the_user_uploads_are_not_marked(run_cli: RunCLI, tmp_path: Path) -> None:
    doc = tmp_path / "mine-by-hand.pdf"
    doc.write_bytes(b"%PDF-1.4\n" + b"by hand " * 100 + b"\n%%EOF\n")
    code, _, err = run_cli("files", "upload", str(doc), "--purpose", "ocr")
    assert code == 0, err
    listed = json.loads(run_cli("files", "list", "--search", doc.name, "--json")[1])
    assert [(f["chat_upload"], f["expires_at"]) for f in listed] == [(False, None)]


def test_the_builtin_emulator_is_one_server_across_runs(run_cli: RunCLI, tmp_path: Path) -> None:
    # --emulator starts a new emulator (a new port) in every process, on the same kept files
    pdf = tmp_path / "emulated.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"emulated " * 100 + b"\n%%EOF\n")
    env = {"MISTRAL_API_KEY": None, "MISTRAL_BASE_URL": None}
    posted = []
    for question in ("Summarise", "And the conclusion?"):
        code, _, err = run_cli(
            "--emulator", "--debug", "ask", "-a", pdf.name, question, input="", env=env
        )
        assert code == 0, err
        posted.append(sum(" POST " in line and "/v1/files " in line for line in err.splitlines()))
    assert posted == [1, 0]
    code, out, _ = run_cli("--emulator", "files", "list", "--search", pdf.name, env=env)
    assert code == 0 and out.splitlines()[1].split()[-1] == "yes"
