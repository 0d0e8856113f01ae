"""The README's library example runs as written, against the emulator."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from cli_support import cli_env
from mistral_chat.emulator import Emulator

README = Path(__file__).parents[1] / "README.md"


def test_the_library_example_runs(emulator: Emulator, tmp_path: Path) -> None:
    section = README.read_text().split("## As a library", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    sheets = [Image.new("RGB", (60, 80), "white") for _ in range(2)]
    sheets[0].save(tmp_path / "report.pdf", save_all=True, append_images=sheets[1:])
    done = subprocess.run(
        [sys.executable, "-c", code.group(1)],
        cwd=tmp_path,
        env=cli_env(env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"}),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "You said: What is this?" in done.stdout and "total_tokens=" in done.stdout
    assert "# Page 1 of 2" in done.stdout and "'type': 'thinking'" in done.stdout
    assert "'https://encyclopedia.example.com/wiki/who-won-euro-2024'" in done.stdout
