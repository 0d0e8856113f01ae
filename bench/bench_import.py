"""Import cost of the library: `from mistral_chat import Client` against `import httpx2`.

    uv run python bench/bench_import.py [--runs 15]

Each import runs in a fresh interpreter; we report the median wall time of each and the
difference (the issue's budget: at most 25 ms more than httpx2 alone).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def median_ms(code: str, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cases = {
        "python -c pass": "pass",
        "import httpx2": "import httpx2",
        "from mistral_chat import Client": "from mistral_chat import Client",
        "Client + chat/files/models resources": (
            "from mistral_chat import Client; c = Client('k'); c.chat; c.files; c.models"
        ),
    }
    results = {}
    for _ in range(2):  # interleave rounds so noise spreads evenly
        for name, code in cases.items():
            results.setdefault(name, []).append(median_ms(code, args.runs))
    for name, values in results.items():
        print(f"{name:40s} {min(values):7.1f} ms")
    extra = min(results["from mistral_chat import Client"]) - min(results["import httpx2"])
    print(f"mistral_chat Client costs {extra:+.1f} ms over httpx2 alone (budget +25 ms)")


if __name__ == "__main__":
    main()
