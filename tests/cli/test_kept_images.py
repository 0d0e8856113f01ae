"""Continued conversations send their images again (`ask -c`, `--conversation`), from the
kept images beside history.db; a gone image is a warning and a note; `history delete` and
`history import --replace` remove the images nothing refers to any more."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from mistral_chat.emulator import Emulator

RunCLI = Callable[..., tuple[int, str, str]]


def chats(emu: Emulator, since: int) -> list[dict[str, Any]]:
    return [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions"]


def image_urls(message: dict[str, Any]) -> list[str]:
    content = message["content"]
    if not isinstance(content, list):
        return []
    return [c["image_url"]["url"] for c in content if c["type"] == "image_url"]


def kept(home: Path) -> list[Path]:
    return sorted(p for p in (home / "images").rglob("*") if p.is_file())


def test_a_continued_conversation_sends_the_same_image_again(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path, mistral_home: Path
) -> None:
    Image.new("RGB", (3000, 2000), "teal").save(tmp_path / "photo.jpg")
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", "photo.jpg", "What colour?", input="")
    assert code == 0, err
    assert "Image 1: JPEG 1024x683, dominant colour teal" in out
    first = chats(emulator, start)[0]["messages"][0]
    [sent] = image_urls(first)
    assert sent.startswith("data:image/jpeg;base64,")

    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-c", "And its shape?", input="")
    assert (code, err) == (0, "")
    again = chats(emulator, start)[0]["messages"]
    assert image_urls(again[0]) == [sent]  # the very data URI the first turn sent
    assert again[0]["content"][0] == {"type": "text", "text": "What colour?"}
    assert "You said: And its shape?" in out and "Messages: 3 (user 2, assistant 1)" in out

    conv = json.loads(run_cli("history", "list", "--json")[1])[0]["id"]
    start = len(emulator.requests)
    code, _, err = run_cli("ask", "--conversation", conv[:6], "Once more", input="")
    assert (code, err) == (0, "")
    assert image_urls(chats(emulator, start)[0]["messages"][0]) == [sent]

    # kept once, private: the bytes 0600, the folders 0700
    [file] = kept(mistral_home)
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert stat.S_IMODE(file.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((mistral_home / "images").stat().st_mode) == 0o700


def test_a_gone_image_is_a_warning_and_a_note(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path, mistral_home: Path
) -> None:
    Image.new("RGB", (64, 48), "red").save(tmp_path / "red.png")
    code, _, err = run_cli("ask", "-a", "red.png", "What colour?", input="")
    assert code == 0, err
    for file in kept(mistral_home):
        file.unlink()
    conv = json.loads(run_cli("history", "list", "--json")[1])[0]["id"]
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-c", "And now?", input="")
    assert code == 0 and "You said: And now?" in out
    assert err == (
        f"warning: 1 image of conversation {conv} is no longer kept (removed to stay under the "
        "size cap, or deleted); the model gets a note in its place\n"
    )
    first = chats(emulator, start)[0]["messages"][0]
    assert first["content"] == [
        {"type": "text", "text": "What colour?"},
        {"type": "text", "text": "[an image was attached here; it is no longer kept]"},
    ]


def test_no_log_keeps_no_image(run_cli: RunCLI, tmp_path: Path, mistral_home: Path) -> None:
    Image.new("RGB", (64, 48), "red").save(tmp_path / "red.png")
    code, _, err = run_cli("ask", "--no-log", "-a", "red.png", "What colour?", input="")
    assert code == 0, err
    assert kept(mistral_home) == []


def test_history_delete_removes_the_images_nothing_else_uses(
    run_cli: RunCLI, tmp_path: Path, mistral_home: Path
) -> None:
    Image.new("RGB", (64, 48), "red").save(tmp_path / "red.png")
    Image.new("RGB", (64, 48), "blue").save(tmp_path / "blue.png")
    assert run_cli("ask", "-a", "red.png", "-a", "blue.png", "one", input="")[0] == 0
    assert run_cli("ask", "-a", "red.png", "two", input="")[0] == 0  # red again: one file
    assert len(kept(mistral_home)) == 2
    ids = [c["id"] for c in json.loads(run_cli("history", "list", "--json")[1])]
    two, one = ids  # newest first
    exported = tmp_path / "one.json"
    assert run_cli("history", "export", one, "--format", "json", "-o", str(exported))[0] == 0

    code, _, err = run_cli("history", "delete", one, "--yes")
    assert code == 0 and err == f"deleted conversation {one}\n"
    assert len(kept(mistral_home)) == 1  # blue went; red is still used by the other one

    # the conversation comes back (the same machine): its red image is still kept, blue is not
    assert run_cli("history", "import", str(exported))[0] == 0
    code, _, err = run_cli("ask", "--conversation", one, "three", input="")
    assert code == 0 and "1 image of conversation" in err

    code, _, err = run_cli("history", "delete", one, two, "--yes")
    assert code == 0, err
    assert kept(mistral_home) == []


def test_import_replace_removes_the_images_it_replaces(
    run_cli: RunCLI, tmp_path: Path, mistral_home: Path
) -> None:
    Image.new("RGB", (64, 48), "green").save(tmp_path / "green.png")
    assert run_cli("ask", "hello", input="")[0] == 0
    conv = json.loads(run_cli("history", "list", "--json")[1])[0]["id"]
    exported = tmp_path / "before.json"
    assert run_cli("history", "export", conv, "--format", "json", "-o", str(exported))[0] == 0
    assert run_cli("ask", "-c", "-a", "green.png", "and this?", input="")[0] == 0
    assert len(kept(mistral_home)) == 1
    code, _, err = run_cli("history", "import", str(exported), "--replace")
    assert code == 0, err
    assert kept(mistral_home) == []  # the message with the image was replaced away
