"""Memory benchmark: upload and download a 1 GB file, measuring the CLI process's peak RSS.

    uv run python bench/bench_transfer.py [--size-mb 1024] [--random]

The emulator runs as its own process (`mistral-chat emulator`), so only the CLI's memory is
measured: each CLI run is reaped with os.wait4, whose rusage (ru_maxrss, KiB on Linux) is that
child's peak resident set. The file is sparse (zeros) unless --random. Target: < 100 MB each.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LIMIT_MB = 100.0


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[str, float, float]:
    """(stdout, seconds, peak RSS in MB) of one CLI run."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stdout.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with exit {proc.returncode}")
    # ru_maxrss is in KiB on Linux, bytes on macOS
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return out, time.perf_counter() - start, peak_mb


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024, help="file size (default 1024)")
    parser.add_argument("--random", action="store_true", help="random bytes, not a sparse file")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "mistral_chat"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        src = work / "big.bin"
        with src.open("wb") as fh:
            if args.random:
                for _ in range(args.size_mb):
                    fh.write(os.urandom(1 << 20))
            else:
                fh.truncate(args.size_mb << 20)
        env = dict(
            os.environ,
            MISTRAL_CHAT_HOME=str(work / "home"),
            MISTRAL_API_KEY="bench",
            PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        )
        emu = subprocess.Popen(
            [*cli, "emulator", "--port", "0"], stdout=subprocess.PIPE, env=env, text=True
        )
        try:
            assert emu.stdout is not None
            env["MISTRAL_BASE_URL"] = emu.stdout.readline().strip()
            out, up_s, up_mb = _run([*cli, "files", "upload", str(src), "--json"], env, work)
            file_id = json.loads(out)["id"]
            (work / "out").mkdir()
            _, down_s, down_mb = _run(
                [*cli, "files", "download", file_id, "-o", "out/copy.bin"], env, work
            )
        finally:
            emu.terminate()
            emu.wait(10)
            if emu.stdout is not None:
                emu.stdout.close()
        same = _sha256(src) == _sha256(work / "out" / "copy.bin")
    size = args.size_mb
    print(
        f"file: {size} MB ({'random' if args.random else 'sparse zeros'}), round trip "
        f"{'identical' if same else 'DIFFERENT'}"
    )
    ok = same
    for label, secs, mb in [("upload", up_s, up_mb), ("download", down_s, down_mb)]:
        verdict = "ok" if mb < LIMIT_MB else "OVER"
        ok = ok and mb < LIMIT_MB
        print(
            f"{label}: {secs:.1f} s ({size / secs:.0f} MB/s), CLI peak RSS {mb:.1f} MB "
            f"(target < {LIMIT_MB:g} MB: {verdict})"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
