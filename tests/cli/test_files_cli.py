"""`mistral-chat files ...` as real subprocesses against the emulator."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

from cli_support import RunCLI
from mistral_chat.api import Client
from mistral_chat.emulator import Emulator


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_upload_list_show_url(run_cli: RunCLI, tmp_path: Path) -> None:
    src = tmp_path / "cli-notes-e7.txt"  # a name no other test uses: the emulator is shared
    src.write_text("hello files\n")
    code, out, err = run_cli("files", "upload", str(src))
    file_id = out.strip()
    assert code == 0 and len(file_id) == 36 and err == ""  # piped: just the id
    code, out, _ = run_cli("files", "upload", str(src), "--purpose", "ocr", "--json")
    uploaded = json.loads(out)
    assert code == 0 and uploaded["purpose"] == "ocr" and uploaded["bytes"] == 12

    code, out, _ = run_cli(
        "files", "list", "--search", "cli-notes-e7", "--page-size", "1", "--page", "2"
    )
    assert code == 0 and "cli-notes-e7.txt" in out and out.rstrip().endswith("page 2 of 2, 2 files")
    code, out, _ = run_cli(
        "files", "list", "--purpose", "ocr", "--search", "cli-notes-e7", "--json"
    )
    listed = json.loads(out)
    assert code == 0 and [f["id"] for f in listed] == [uploaded["id"]]

    code, out, _ = run_cli("files", "show", file_id)
    assert code == 0 and "filename:" in out and "cli-notes-e7.txt" in out
    code, out, _ = run_cli("files", "show", file_id, "--json")
    assert code == 0 and json.loads(out)["id"] == file_id

    code, out, _ = run_cli("files", "url", file_id, "--expiry", "2", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["id"] == file_id and doc["expiry_hours"] == 2
    assert doc["url"].startswith("http://127.0.0.1:")
    code, out, _ = run_cli("files", "url", file_id)
    assert code == 0 and out.startswith("http://") and len(out.splitlines()) == 1

    code, out, err = run_cli(
        "files", "list", "--search", "cli-notes-e7", "--page-size", "1", "--page", "9"
    )
    assert (code, out) == (2, "")  # past the end: an error, as in `models list`
    assert err == "error: page 9 does not exist; pick a page from 1 to 2\n"

    for args, message in [
        (["upload", str(tmp_path / "missing.pdf")], "missing.pdf: no such file"),
        (["upload", str(tmp_path)], "not a regular file"),
        (["url", file_id, "--expiry", "999"], "argument --expiry: must be from 1 to 168"),
        (["upload", str(src), "--purpose", "x"], "--purpose: unknown value 'x'"),
    ]:
        code, out, err = run_cli("files", *args)
        assert code == 2 and err.startswith("error: ") and message in err, (args, err)


def test_download_is_safe(run_cli: RunCLI, emulator: Emulator, tmp_path: Path) -> None:
    payload = bytes(range(256)) * 1000
    with Client("k", base_url=emulator.base_url) as client:
        evil = client.files.upload(io.BytesIO(payload), filename="../../evil\x1b[2J.bin").id
    work = tmp_path / "work"
    work.mkdir()
    code, out, err = run_cli("files", "download", evil, cwd=work)
    assert code == 0 and out == ""
    assert sorted(p.name for p in work.iterdir()) == ["evil[2J.bin"]
    assert (work / "evil[2J.bin").read_bytes() == payload
    # an ordinary file under the umask (022 in run_cli's child), not the 0600 of a temp file
    assert stat.S_IMODE((work / "evil[2J.bin").stat().st_mode) == 0o666 & ~_umask()
    assert f"saved {work / 'evil[2J.bin'}" in err and "\x1b" not in err
    assert not (tmp_path / "evil[2J.bin").exists()

    (work / "evil[2J.bin").write_bytes(b"mine")
    code, out, err = run_cli("files", "download", evil, cwd=work)
    assert code == 2 and "already exists; pass --force" in err
    assert (work / "evil[2J.bin").read_bytes() == b"mine"
    code, _, _ = run_cli("files", "download", evil, "--force", cwd=work)
    assert code == 0 and (work / "evil[2J.bin").read_bytes() == payload

    (work / "sub").mkdir()
    code, _, _ = run_cli("files", "download", evil, "-o", "sub", cwd=work)
    assert code == 0 and (work / "sub" / "evil[2J.bin").read_bytes() == payload
    code, _, _ = run_cli("files", "download", evil, "-o", "sub/named.bin", cwd=work)
    assert code == 0 and (work / "sub" / "named.bin").stat().st_size == len(payload)
    code, _, err = run_cli("files", "download", evil, "-o", "nowhere/x.bin", cwd=work)
    assert code == 2 and "no such directory" in err
    code, _, err = run_cli("files", "download", evil, "-o", "nowhere/", cwd=work)
    assert code == 2 and err == "error: nowhere/: no such directory; create it first\n"
    assert not [p for p in work.rglob("*") if p.name.endswith(".part")]

    code, _, err = run_cli("files", "download", "not-a-file", cwd=work)
    assert (code, err) == (
        2, "error: no uploaded file's id starts with 'not-a-file'; `mistral-chat files list` "
        "shows them\n",
    )  # fmt: skip


def test_download_to_stdout_streams_exact_bytes(emulator: Emulator, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from cli_support import cli_env

    payload = os.urandom(300_000)
    with Client("k", base_url=emulator.base_url) as client:
        fid = client.files.upload(io.BytesIO(payload), filename="r.bin").id
    env = cli_env(env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "t"})
    proc = subprocess.run(
        [sys.executable, "-m", "mistral_chat", "files", "download", fid, "-o", "-"],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 0 and proc.stdout == payload and proc.stderr == b""
    assert list(tmp_path.iterdir()) == []


def test_delete(run_cli: RunCLI, emulator: Emulator) -> None:
    with Client("k", base_url=emulator.base_url) as client:
        fid = client.files.upload(io.BytesIO(b"bye"), filename="bye.txt").id
    code, _, err = run_cli("files", "delete", fid)
    assert code == 2 and f"not deleting {fid} without confirmation; pass --yes" in err
    code, _, err = run_cli("files", "delete", fid, "--yes")
    assert code == 0 and f"deleted {fid}" in err
    code, _out, err = run_cli("files", "delete", fid, "--yes")
    assert code == 4 and err.startswith("error: not found (404)")


def test_emulator_option_keeps_files_between_commands(
    run_cli: RunCLI, tmp_path: Path, mistral_home: Path
) -> None:
    src = tmp_path / "minutes.txt"
    src.write_text("kept between commands\n")
    code, out, err = run_cli("--emulator", "files", "upload", str(src))
    assert code == 0, err
    file_id = out.strip()
    code, out, err = run_cli("--emulator", "files", "list", "--json")
    assert code == 0 and [f["id"] for f in json.loads(out)] == [file_id], err
    code, out, err = run_cli("--emulator", "ask", "-a", f"file:{file_id}", "what is it?")
    assert code == 0 and "minutes.txt (22 bytes)" in out, err
    state = mistral_home / "cache" / "emulator"
    assert (state / "files" / f"{file_id}.bin").read_text() == "kept between commands\n"
    assert state.stat().st_mode & 0o777 == 0o700
    code, _, err = run_cli("--emulator", "files", "delete", file_id, "--yes")
    assert code == 0, err
    code, out, _ = run_cli("--emulator", "files", "list", "--json")
    assert json.loads(out) == []


def test_several_uploads_and_deletes(run_cli: RunCLI, tmp_path: Path, emulator: Emulator) -> None:
    for name in ("a-9q.txt", "b-9q.txt"):
        (tmp_path / name).write_text(name)
    start = len(emulator.requests)
    code, out, err = run_cli("files", "upload", "a-9q.txt", "missing-9q.txt", "b-9q.txt")
    assert (code, out) == (2, "") and "missing-9q.txt: no such file (nothing was uploaded)" in err
    assert emulator.requests[start:] == []  # checked before the first upload

    code, out, err = run_cli("files", "upload", "a-9q.txt", "b-9q.txt", "--purpose", "ocr")
    ids = out.split()
    assert code == 0 and len(ids) == 2, err  # piped: one id per line
    code, out, _ = run_cli("files", "upload", "a-9q.txt", "b-9q.txt", "--json")
    docs = json.loads(out)
    assert [d["filename"] for d in docs] == ["a-9q.txt", "b-9q.txt"]
    ids += [d["id"] for d in docs]
    code, out, _ = run_cli("files", "upload", "a-9q.txt", "--json")
    single = json.loads(out)
    assert isinstance(single, dict) and single["filename"] == "a-9q.txt"
    ids.append(single["id"])

    # a typo among several ids (no file's id starts with it): nothing is deleted
    code, _, err = run_cli("files", "delete", ids[0], "nope-9q", *ids[1:], "--yes")
    assert code == 2 and "deleted" not in err and "starts with 'nope-9q'" in err
    # a whole id the API does not know: the others are still deleted, the exit code says so
    missing = "00000000-0000-4000-8000-000000000000"
    code, _, err = run_cli("files", "delete", ids[0], missing, *ids[1:], "--yes")
    assert code == 4 and err.count("deleted ") == len(ids), err
    assert "error: not found (404): " in err
    code, out, _ = run_cli("files", "list", "--search", "9q", "--json")
    assert json.loads(out) == []


def test_every_files_command_takes_a_unique_id_prefix(run_cli: RunCLI, tmp_path: Path) -> None:
    from collections import Counter

    names = [f"prefix-k4-{n}.txt" for n in range(17)]  # 17 ids, 16 hex digits: two start alike
    for name in names:
        (tmp_path / name).write_text(name)
    code, out, _ = run_cli("files", "upload", *names, "--json")
    ids = [f["id"] for f in json.loads(out)]
    one = ids[0]
    code, out, _ = run_cli("files", "show", one[:8], "--json")
    assert code == 0 and json.loads(out)["id"] == one
    code, out, _ = run_cli("files", "url", one[:8], "--json")
    assert code == 0 and json.loads(out)["id"] == one and f"/_signed/{one}?" in out
    code, out, _ = run_cli("files", "download", one[:8], "-o", "-")
    assert code == 0 and out == names[0]

    first, _ = Counter(i[0] for i in ids).most_common(1)[0]
    code, out, err = run_cli("files", "show", first)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"error: '{first}' starts ") and err.endswith("type more of the id\n")
    assert sum(i in err for i in ids if i.startswith(first)) >= 2  # candidates named

    code, _, err = run_cli("files", "delete", *(i[:9] for i in ids), "--yes")
    assert code == 0 and err.count("deleted ") == len(ids)
