"""Peak memory of the CLI against answers that would not fit: 2 GiB, and a gzip bomb.

    uv run python bench/bench_memory.py [--rounds 3] [--size-gib 2]

Runs `mistral-chat models list --json` and `mistral-chat ask` as real processes and reads
each one's own peak RSS (`os.wait4`). The baseline, in the same rounds (bench/_paired.py), is
the same command against the emulator's ordinary answer. The hostile answers (served by
tests/hostile_server.py) are:

- models, 2 GiB: `Content-Length: 2 GiB` and JSON-looking bytes until the client hangs up;
- models, gzip bomb: 2 GiB of spaces gzipped (level 9, about 2 MiB on the wire);
- ask, one 2 GiB event: an event stream whose first `data:` line never ends;
- ask, gzip bomb: the same stream gzipped.

Each must fail with one `error:` line (exit 5) and a peak RSS near the baseline's: the
client stops at its caps (16 MiB of JSON, 16 MiB per event) whatever the server sends.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _paired import interleaved  # noqa: E402
from hostile_server import Conn, HostileServer, chunk, gzip_bomb, head  # noqa: E402
from mistral_chat.emulator import Emulator  # noqa: E402

PIECE = b'{"id": "mistral-small-latest", "object": "model"},' * 1000


def peak_rss_mib(args: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(peak RSS in MiB, exit code, last stderr line) of one CLI process."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read().decode(errors="replace").strip().splitlines()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024, proc.returncode, (err[-1] if err else "")


def huge_json(size: int) -> Callable[[Conn], None]:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"Content-Type": "application/json"}, length=size))
        conn.send(b'{"object": "list", "data": [')
        conn.flood(PIECE, limit=size)

    return script


def huge_event(size: int) -> Callable[[Conn], None]:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(head(200, {"Content-Type": "text/event-stream"}, chunked=True))
        conn.send(chunk(b"data: "))
        conn.flood(chunk(b"x" * 65536), limit=size)

    return script


def whole(data: bytes) -> Callable[[Conn], None]:
    def script(conn: Conn) -> None:
        conn.read_request()
        conn.send(data)

    return script


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size-gib", type=int, default=2)
    args = parser.parse_args()
    size = args.size_gib << 30
    print(f"building a {args.size_gib} GiB gzip bomb (level 9)...", flush=True)
    bomb = gzip_bomb(size, level=9)
    sse_bomb = gzip_bomb(size, byte=b"x", level=9, prefix=b"data: ")
    gz = {"Content-Encoding": "gzip"}
    servers = {
        "models, 2 GiB": HostileServer(huge_json(size)),
        "models, gzip bomb": HostileServer(
            whole(head(200, {"Content-Type": "application/json", **gz}, length=len(bomb)) + bomb)
        ),
        "ask, one 2 GiB event": HostileServer(huge_event(size)),
        "ask, gzip bomb": HostileServer(
            whole(
                head(200, {"Content-Type": "text/event-stream", **gz}, length=len(sse_bomb))
                + sse_bomb
            )
        ),
    }
    commands = {
        "models": ["models", "list", "--json"],
        "ask": ["ask", "--no-log", "hi"],
    }
    with tempfile.TemporaryDirectory() as home, Emulator() as emu:
        for server in servers.values():
            server.__enter__()
        env = dict(
            os.environ,
            MISTRAL_CHAT_HOME=home,
            MISTRAL_API_KEY="bench-key-0123456789",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        outcome: dict[str, tuple[int, str]] = {}

        def case(label: str, command: str, url: str) -> Callable[[], float]:
            def run() -> float:
                rss, code, last = peak_rss_mib(commands[command], {**env, "MISTRAL_BASE_URL": url})
                outcome[label] = (code, last)
                return rss

            return run

        baselines = ("models, emulator (baseline)", "ask, emulator (baseline)")
        cases = {label: case(label, label.split(",")[0], emu.base_url) for label in baselines}
        for label, server in servers.items():
            cases[label] = case(label, label.split(",")[0], server.url)
        print(f"{args.rounds} rounds, interleaved; median peak RSS of the CLI process")
        results = interleaved(cases, args.rounds)
        for server in servers.values():
            server.stop()
    for label, values in results.items():
        code, last = outcome[label]
        print(f"{label:30s} {statistics.median(values):6.1f} MiB  exit {code}  {last[:110]}")


if __name__ == "__main__":
    main()
