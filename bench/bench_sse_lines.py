"""SSE decoding of one very long line: linear in its length, paired with a plain copy.

    uv run python bench/bench_sse_lines.py [--sizes 4,8,16,32,64] [--rounds 5] [--before]

Each size is one `data:` line of that many MiB, fed to `SSEDecoder` in 64 KiB reads (what
httpx2 hands over), with the event cap lifted so 32 and 64 MiB decode instead of stopping at
16 MiB. The baseline, in the same rounds (bench/_paired.py), is the least any decoder must do:
collect the reads and join them once. Linear means the ratio stays flat as the size grows.
`--before` also times the decoder this project had until 2026-12-07 (it re-joined the whole
pending line on every read), for sizes up to 16 MiB: it is quadratic.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _paired import interleaved, ratio
from mistral_chat.api._sse import SSEDecoder

READ = 64 * 1024


def reads(mib: int) -> list[bytes]:
    body = b"data: " + b"x" * (mib << 20) + b"\n\n"
    return [body[i : i + READ] for i in range(0, len(body), READ)]


def timed(decode: object, pieces: list[bytes]) -> float:
    start = time.perf_counter()
    decode(pieces)  # type: ignore[operator]
    return time.perf_counter() - start


def ours(pieces: list[bytes]) -> None:
    decoder = SSEDecoder(max_event_bytes=1 << 40)
    events: list[bytes] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    assert len(events) == 1


def copy_once(pieces: list[bytes]) -> None:
    kept = list(pieces)
    line = b"".join(kept)
    assert line.endswith(b"\n\n")


def quadratic(pieces: list[bytes]) -> None:
    """The old decoder's loop: the pending line re-joined with each read."""
    buf = b""
    events = []
    for piece in pieces:
        buf = buf + piece
        if b"\n" not in buf:
            continue
        *lines, buf = buf.split(b"\n")
        events.extend(line[6:] for line in lines if line.startswith(b"data: "))
    assert len(events) == 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="4,8,16,32,64", help="MiB, comma-separated")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", action="store_true", help="also the old quadratic decoder")
    args = parser.parse_args()
    print(f"one line, fed in 64 KiB reads; {args.rounds} rounds interleaved; medians")
    for mib in (int(s) for s in args.sizes.split(",")):
        pieces = reads(mib)
        cases = {
            "copy": lambda p=pieces: timed(copy_once, p),
            "ours": lambda p=pieces: timed(ours, p),
        }
        if args.before and mib <= 16:
            cases["before"] = lambda p=pieces: timed(quadratic, p)
        got = interleaved(cases, args.rounds)
        line = (
            f"{mib:3d} MiB: copy {statistics.median(got['copy']) * 1000:7.1f} ms, "
            f"SSEDecoder {statistics.median(got['ours']) * 1000:7.1f} ms "
            f"= {ratio(got['ours'], got['copy']):.2f}x, "
            f"{statistics.median(got['ours']) * 1000 / mib:5.1f} ms/MiB"
        )
        if "before" in got:
            line += f"; before: {statistics.median(got['before']) * 1000:8.1f} ms"
        print(line)


if __name__ == "__main__":
    main()
