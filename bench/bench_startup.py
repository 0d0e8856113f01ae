"""Cold-start benchmark: the CLI's wall time against the bare interpreter, in the same run.

    uv run python bench/bench_startup.py [-n 15]

Runs each command N times as a subprocess (the venv's console script `mistral-chat`), in rounds
that run `python -c pass` and every command once each, in a rotated order (bench/_paired.py), so
load on a shared machine hits the baseline and the commands alike. Prints each command's median
wall time and the median of its per-round ratios to `python -c pass`. `models list --json` talks
to an emulator this script starts. Targets: --help <= 5x, models list --json <= 20x.

Bytecode is cached as in a normal install (Python writes .pyc files on first run): the script
puts the cache in a temporary PYTHONPYCACHEPREFIX and warms each command once, so the numbers do
not depend on PYTHONDONTWRITEBYTECODE in the environment. `--no-bytecode` measures without it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _paired import interleaved, ratio
from mistral_chat.emulator import Emulator

TARGETS = {"--help": 5.0, "models list --json": 20.0}


def _once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=15, help="runs per command (default 15)")
    parser.add_argument(
        "--no-bytecode", action="store_true", help="compile every module on every run"
    )
    args = parser.parse_args()
    python = sys.executable
    script = str(Path(python).parent / "mistral-chat")
    script_cmd = [python, "-m", "mistral_chat"] if not Path(script).exists() else [script]
    with (
        tempfile.TemporaryDirectory() as home,
        tempfile.TemporaryDirectory() as pycache,
        Emulator() as emu,
    ):
        env = dict(
            os.environ,
            MISTRAL_CHAT_HOME=home,
            MISTRAL_API_KEY="bench",
            MISTRAL_BASE_URL=emu.base_url,
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        if args.no_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pycache
            for extra in (["--help"], ["models", "list", "--json"]):  # warm the bytecode cache
                subprocess.run([*script_cmd, *extra], env=env, capture_output=True, check=True)
        commands = {
            "python -c pass": [python, "-c", "pass"],
            "--help": [*script_cmd, "--help"],
            "--version": [*script_cmd, "--version"],
            "models list --json": [*script_cmd, "models", "list", "--json"],
        }
        times = interleaved(
            {label: (lambda cmd=cmd: _once(cmd, env)) for label, cmd in commands.items()}, args.n
        )
        base = times.pop("python -c pass")
        mode = "no bytecode cache" if args.no_bytecode else "bytecode cached"
        print(f"({mode}) {args.n} rounds, interleaved")
        print(f"python -c pass: median {statistics.median(base) * 1000:.1f} ms")
        worst_ok = True
        for label, values in times.items():
            paired = ratio(values, base)
            target = TARGETS.get(label)
            verdict = (
                ""
                if target is None
                else (f"  (target <= {target:g}x: {'ok' if paired <= target else 'OVER'})")
            )
            worst_ok = worst_ok and (target is None or paired <= target)
            median_ms = statistics.median(values) * 1000
            print(f"mistral-chat {label}: median {median_ms:.1f} ms = {paired:.2f}x{verdict}")
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
