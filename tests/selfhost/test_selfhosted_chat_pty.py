"""`mistral-chat chat` in a pseudo-terminal against a self-hosted OpenAI-compatible server:
no key menu, the server's own model in the prompt, an image that goes, and /resume sending it
again."""

from __future__ import annotations

import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from _openai_server import OpenAICompatibleServer
from PIL import Image

_ESCAPES = re.compile(
    r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()=>78]"
)


class Screen:
    """What a person sees (escapes stripped, whitespace runs collapsed), read as it comes."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child, self.raw, self.pos = child, "", 0

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", _ESCAPES.sub("", self.raw).replace("\r", ""))

    def expect(self, needle: str, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while (found := self.text.find(needle, self.pos)) < 0:
            if time.monotonic() > deadline:
                raise AssertionError(f"{needle!r} not on screen:\n{self.text[-1500:]}")
            with contextlib.suppress(pexpect.TIMEOUT):
                self.raw += self.child.read_nonblocking(65536, timeout=0.05)
        self.pos = found + len(needle)

    def line(self, text: str) -> None:
        self.child.send(text + "\r")


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[tuple[Screen, OpenAICompatibleServer]]:
    with OpenAICompatibleServer() as server:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("MISTRAL_") and k not in ("COLUMNS", "LINES")  # the pty's size
        }
        env.update(
            MISTRAL_CHAT_HOME=str(tmp_path / "home"),
            MISTRAL_BASE_URL=server.base_url,
            TERM="xterm",
            PROMPT_TOOLKIT_NO_CPR="1",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        child = pexpect.spawn(
            sys.executable,
            ["-m", "mistral_chat", "chat"],
            env=env,
            cwd=str(tmp_path),
            dimensions=(40, 120),
            encoding="utf-8",
            codec_errors="replace",
        )
        try:
            yield Screen(child), server
        finally:
            if child.isalive():
                child.terminate(force=True)
            child.close()


def test_chat_with_no_key_and_no_model(
    chat: tuple[Screen, OpenAICompatibleServer], tmp_path: Path
) -> None:
    screen, server = chat
    Image.new("RGB", (40, 30), "green").save(tmp_path / "green.png")
    screen.expect("chatting with local-vlm")  # the server's own model; no "No API key" menu
    screen.expect("local-vlm>")
    screen.line("/image green.png")
    screen.expect("attached green.png (image 40x30)")
    screen.line("What colour?")
    screen.expect("user: What colour? [images: data:image/png]")
    screen.expect("local-vlm>")
    conv = server.chat_bodies()[0]
    [sent] = [c["image_url"]["url"] for c in conv["messages"][0]["content"][1:]]
    screen.line("/clear")
    screen.expect("local-vlm>")
    screen.line("/history")
    screen.expect("What colour?")
    ids = re.findall(r"\b([0-9a-z]{12})\b", screen.text)
    screen.line(f"/resume {ids[-1]}")
    screen.expect("resumed")
    screen.line("And now?")
    screen.expect("user: And now? [images: none]")
    resumed = server.chat_bodies()[-1]["messages"][0]["content"]
    assert resumed[1]["image_url"]["url"] == sent  # /resume sends the same image again
    screen.line("/quit")
    screen.child.expect(pexpect.EOF, timeout=15)
    screen.child.close()
    assert screen.child.exitstatus == 0
    assert not any("authorization" in r.headers for r in server.requests)
