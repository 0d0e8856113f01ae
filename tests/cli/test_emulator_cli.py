"""`mistral-chat emulator`: base URL first, serves until Ctrl-C, exit 0."""

from __future__ import annotations

import signal
import subprocess
import sys

from cli_support import RunCLI, cli_env


def test_emulator_command_serves_until_interrupted(run_cli: RunCLI) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat", "emulator", "--port", "0", "--api-key", "only-me"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        code, out, _ = run_cli(
            "models", "list", "--json", env={"MISTRAL_BASE_URL": url, "MISTRAL_API_KEY": "only-me"}
        )
        assert code == 0 and out.startswith("[")
        code, _, err = run_cli("models", "list", env={"MISTRAL_BASE_URL": url})
        assert code == 3 and "rejected the key (401)" in err
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "Traceback" not in err
