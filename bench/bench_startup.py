"""Cold-start benchmark: the CLI's wall time against the bare interpreter, in the same run.

    uv run python bench/bench_startup.py [-n 15]

Runs each command N times as a subprocess (the venv's console script `mistral-chat`), takes the
median wall time, and prints it as a multiple of `python -c pass`. `models list --json` talks to
an emulator this script starts. Targets: --help <= 5x, models list --json <= 20x.

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

from mistral_chat.emulator import Emulator

TARGETS = {"--help": 5.0, "models list --json": 20.0}


def _median(cmd: list[str], n: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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
        base = _median([python, "-c", "pass"], args.n, env)
        mode = "no bytecode cache" if args.no_bytecode else "bytecode cached"
        print(f"({mode}) python -c pass: median {base * 1000:.1f} ms over {args.n} runs")
        worst_ok = True
        for label, extra in [
            ("--help", ["--help"]),
            ("--version", ["--version"]),
            ("models list --json", ["models", "list", "--json"]),
        ]:
            t = _median([*script_cmd, *extra], args.n, env)
            ratio = t / base
            target = TARGETS.get(label)
            verdict = (
                ""
                if target is None
                else (f"  (target <= {target:g}x: {'ok' if ratio <= target else 'OVER'})")
            )
            worst_ok = worst_ok and (target is None or ratio <= target)
            print(f"mistral-chat {label}: median {t * 1000:.1f} ms = {ratio:.2f}x{verdict}")
    return 0 if worst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
