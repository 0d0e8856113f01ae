"""`mistral-chat emulator`: base URL first, serves until Ctrl-C, exit 0."""

from __future__ import annotations

import io
import signal
from pathlib import Path

from cli_support import RunCLI, reaped, serve_emulator
from mistral_chat.api import Client


def test_emulator_command_serves_until_interrupted(run_cli: RunCLI) -> None:
    proc, url = serve_emulator("--port", "0", "--api-key", "only-me")
    with reaped(proc):
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        code, out, _ = run_cli(
            "models", "list", "--json", env={"MISTRAL_BASE_URL": url, "MISTRAL_API_KEY": "only-me"}
        )
        assert code == 0 and out.startswith("[")
        code, _, err = run_cli("models", "list", env={"MISTRAL_BASE_URL": url})
        assert code == 3 and "rejected the key (401)" in err
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and "Traceback" not in err


def test_state_dir_keeps_uploads_after_the_emulator_stops(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc, url = serve_emulator("--state-dir", str(state))
    with reaped(proc):
        with Client("k", base_url=url) as client:
            file_id = client.files.upload(io.BytesIO(b"kept"), filename="kept.txt").id
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert (state / "files" / f"{file_id}.bin").read_bytes() == b"kept"
