"""Benchmark of `batch` at 100,000 rows: speed of building and joining, peak memory.

Run on demand: ``uv run python bench/bench_batch.py [--rows N] [--rounds N] [--no-memory]``.

Speed (in this process, interleaved A/B, median of the rounds): the baseline is a plain
``csv`` read-and-write of the input; *build* reads the same CSV and writes a request line per
row (template, JSON, custom_id); *join* reads the API's result file (as the emulator writes
it: a chat completion per row) into answers and joins them to the input, writing the output
CSV, in one pass, as `batch run` does (and `batch results` again later). Target: each at most
2x the baseline ("at least half as fast"), in CPU time: this machine is shared, and CPU time
is what other processes disturb least; each round's ratio pairs runs made moments apart.

Memory (real processes against the emulator in this process): peak RSS of `batch run` over
the whole input (one job of 100,000 rows, its requests uploaded as a file) and of `batch
results`, from ``wait4``. Target: under 150 MB each.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mistral_chat.emulator import Emulator
from mistral_chat.services.batch.collect import Collector
from mistral_chat.services.batch.inputs import open_input
from mistral_chat.services.batch.output import Joiner, OutputSpec
from mistral_chat.services.batch.plan import build_shards
from mistral_chat.services.batch.requests import ENDPOINTS, RequestBuilder, RequestSpec
from mistral_chat.services.batch.results import AnswerShape

PROMPT = "Summarise in one line: {title}. {body}"
SPEED_TARGET = 2.0
MEMORY_TARGET_MB = 150.0


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def make_input(path: Path, rows: int) -> None:
    rng = random.Random(7)
    words = [
        "river",
        "stone",
        "light",
        "paper",
        "cloud",
        "north",
        "quiet",
        "amber",
        "field",
        "harbour",
        "silver",
        "meadow",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "title", "body"])
        for i in range(rows):
            title = " ".join(rng.choices(words, k=4))
            writer.writerow([i, title, " ".join(rng.choices(words, k=25))])


def make_results(path: Path, lines: Path) -> None:
    """The output file the API gives for ``lines``: one chat completion per request, in order."""
    with lines.open("rb") as src, path.open("w", encoding="utf-8") as out:
        for n, raw in enumerate(src):
            line = json.loads(raw)
            text = line["body"]["messages"][0]["content"]
            body = {
                "id": f"{n:032x}",
                "object": "chat.completion",
                "created": 1_800_000_000,
                "model": "mistral-small-latest",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"You said: {text}"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 30, "completion_tokens": 33, "total_tokens": 63},
            }
            result = {
                "id": f"batch-x-{n}",
                "custom_id": line["custom_id"],
                "response": {"status_code": 200, "body": body},
                "error": None,
            }
            out.write(json.dumps(result) + "\n")


def spec() -> RequestSpec:
    return RequestSpec(ENDPOINTS["chat"], "mistral-small-latest", PROMPT, "Be brief.")


def baseline(source: Path, work: Path) -> None:
    with (
        source.open(newline="", encoding="utf-8") as fh,
        (work / "copy.csv").open("w", newline="", encoding="utf-8") as out,
    ):
        writer = csv.writer(out)
        for row in csv.reader(fh):
            writer.writerow(row)


def build(source: Path, work: Path) -> None:
    table = open_input(str(source), work)
    build_shards(RequestBuilder(spec(), table), work / "shards")


def join(source: Path, work: Path) -> None:
    """What `batch run` does once a job's results are on disk: read them into answers and
    join them to the input, in one pass (the job's file is what is kept)."""
    shape = AnswerShape("chat")
    table = open_input(str(source), work)
    rows = range(table_rows(source))
    out = work / "joined.csv"
    out.unlink(missing_ok=True)
    joiner = Joiner(table, shape, OutputSpec(out))
    joiner.add(iter(Collector([work / "results.jsonl"], shape, rows, None, {}, "none")))
    joiner.finish()


_ROWS: dict[Path, int] = {}


def table_rows(source: Path) -> int:
    return _ROWS[source]


def timed(fn: Callable[[Path, Path], None], source: Path, work: Path) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds): CPU time is what a busy machine (other
    processes on the same cores) disturbs least, so the ratios are taken from it."""
    cpu, wall = time.process_time(), time.perf_counter()
    fn(source, work)
    return time.process_time() - cpu, time.perf_counter() - wall


def speed(source: Path, work: Path, rounds: int) -> dict[str, tuple[float, float, float]]:
    """Per step: median CPU s, median wall s, and the median over rounds of its CPU time over
    the baseline's in the same round (paired: a busy moment slows both)."""
    build(source, work)  # the request lines once, for the result file the join reads
    make_results(work / "results.jsonl", work / "shards" / "shard-0.jsonl")
    steps = (("baseline", baseline), ("build", build), ("join", join))
    times: dict[str, list[tuple[float, float]]] = {name: [] for name, _fn in steps}
    for _ in range(rounds):  # interleaved: A, B, C, A, B, C...
        for name, fn in steps:
            times[name].append(timed(fn, source, work))
    base = times["baseline"]
    return {
        name: (
            statistics.median(c for c, _w in values),
            statistics.median(w for _c, w in values),
            statistics.median(c / b[0] for (c, _w), b in zip(values, base, strict=True)),
        )
        for name, values in times.items()
    }


def memory(source: Path, work: Path) -> dict[str, float]:
    """Peak RSS of `batch run` and `batch results` as real processes (one at a time)."""
    with Emulator() as emu:
        emu.app.batch.timing.queued = emu.app.batch.timing.running = 0.0
        env = {
            **os.environ,
            "MISTRAL_API_KEY": "bench",
            "MISTRAL_CHAT_HOME": str(work / "home"),
            "MISTRAL_BASE_URL": emu.base_url,
        }
        cli = [sys.executable, "-m", "mistral_chat", "batch"]
        results: dict[str, float] = {}
        run_mb, err = _measured(
            [*cli, "run", str(source), "--prompt", PROMPT, "-o", "out.csv"], env, work
        )
        results["batch run"] = run_mb
        run_id = err.split("run ")[-1][:12]
        results["batch results"] = _measured(
            [*cli, "results", run_id, "-o", "again.csv"], env, work
        )[0]
        results["batch --help (scale)"] = _measured([*cli, "--help"], env, work)[0]
        return results


# A child's ru_maxrss counts the memory it had before exec: a child forked from this (large)
# process would report this process's size. A small launcher runs the command instead, so
# what it reports is the command's own peak (the launcher's ~9 MB is below any Python's).
_LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_pid, status, usage = os.wait4(proc.pid, 0)
sys.stderr.buffer.write(err)
print(usage.ru_maxrss, status)
"""


def _measured(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        check=True,
    )
    maxrss, status = done.stdout.split()
    err = done.stderr.decode()
    if int(status) != 0:
        raise SystemExit(f"{' '.join(args[2:])} failed: {err}")
    return int(maxrss) / 1024, err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-memory", action="store_true", help="skip the process runs")
    parser.add_argument("--no-speed", action="store_true", help="only the process runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        work = Path(tmp)
        source = work / "in.csv"
        make_input(source, args.rows)
        _ROWS[source] = args.rows
        size_mb = source.stat().st_size / 1e6
        print(f"{cpu_model()}, Python {platform.python_version()}")
        rounds = "" if args.no_speed else f"; {args.rounds} interleaved rounds"
        print(f"input: {args.rows:,} rows, {size_mb:.1f} MB{rounds}")
        medians = {} if args.no_speed else speed(source, work, args.rounds)
        if medians:
            print("step       CPU ms   wall ms   CPU vs baseline (median of the rounds' ratios)")
        for name in medians:
            cpu, wall, ratio = medians[name]
            verdict = "" if name == "baseline" else f"  {'ok' if ratio <= SPEED_TARGET else 'SLOW'}"
            print(f"{name:<9} {cpu * 1000:8.0f} {wall * 1000:9.0f}   {ratio:4.2f}x{verdict}")
        if args.no_memory:
            return
        for name, mb in memory(source, work).items():
            target = (
                ""
                if name.endswith("(scale)")
                else (
                    f"  {'ok' if mb < MEMORY_TARGET_MB else 'OVER'} (< {MEMORY_TARGET_MB:.0f} MB)"
                )
            )
            print(f"peak RSS {name:<21} {mb:6.1f} MB{target}")


if __name__ == "__main__":
    main()
