"""Import cost of the library: `from mistral_chat import Client` against `import httpx2`.

    uv run python bench/bench_import.py [--runs 15]

Each import runs in a fresh interpreter, every case once per round in a rotated order
(bench/_paired.py), so load hits all alike; we report the median wall time of each and the
median of the per-round differences (the issue's budget: at most 25 ms more than httpx2 alone).
Bytecode is cached, as in an installed package (a temporary PYTHONPYCACHEPREFIX, warmed once),
whatever PYTHONDONTWRITEBYTECODE says in the environment.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

from _paired import interleaved, ratio


def once_ms(code: str, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15, help="rounds (default 15)")
    args = parser.parse_args()
    cases = {
        "python -c pass": "pass",
        "import httpx2": "import httpx2",
        "from mistral_chat import Client": "from mistral_chat import Client",
        "Client + chat/files/models resources": (
            "from mistral_chat import Client; c = Client('k'); c.chat; c.files; c.models"
        ),
    }
    with tempfile.TemporaryDirectory() as pycache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = pycache
        for code in cases.values():  # warm the bytecode cache
            once_ms(code, env)
        results = interleaved(
            {name: (lambda code=code: once_ms(code, env)) for name, code in cases.items()},
            args.runs,
        )
    print(f"{args.runs} rounds, interleaved; medians")
    for name, values in results.items():
        print(f"{name:40s} {statistics.median(values):7.1f} ms")
    httpx2_alone = results["import httpx2"]
    extra = statistics.median(
        a - b for a, b in zip(results["from mistral_chat import Client"], httpx2_alone, strict=True)
    )
    paired = ratio(results["from mistral_chat import Client"], httpx2_alone)
    print(
        f"mistral_chat Client costs {extra:+.1f} ms over httpx2 alone = {paired:.3f}x "
        "(budget +25 ms, measured on an idle machine)"
    )


if __name__ == "__main__":
    main()
