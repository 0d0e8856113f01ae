"""`batch run --live`: the rows through the real-time API at bounded concurrency; a server that
answers 429 to a share of requests still gets every row answered, and a killed live run sends
again only the rows it had not answered."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from _batch_helpers import read_jsonl, write_csv

from cli_support import cli_env, reaped
from mistral_chat.emulator import Emulator
from mistral_chat.emulator.faults import Fault
from mistral_chat.services.batch.live import _Gate

CHAT = "/v1/chat/completions"


def rows_sent(emu: Emulator) -> list[int]:
    """The row of every chat request the emulator received (from the prompt's text)."""
    found = []
    for r in emu.requests:
        if r.path == CHAT and r.json:
            found.append(int(re.search(r"title (\d+)", r.json["messages"][0]["content"])[1]))  # type: ignore[index]
    return found


def every_nth_is_rate_limited(emu: Emulator, nth: int) -> list[int]:
    """Make every ``nth`` chat request a 429 (Retry-After 0.05 s); returns the counter."""
    original = emu.faults.take
    count = [0]

    def take(path: str, kinds: tuple[str, ...]) -> Fault | None:
        if path == CHAT and "status" in kinds:
            count[0] += 1
            if count[0] % nth == 0:
                return Fault("status", status=429, retry_after="0.05")
        return original(path, kinds)

    emu.faults.take = take  # type: ignore[method-assign]
    return count


def test_live_finishes_every_row_through_429s(
    batch_cli: Any, emu: Emulator, tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 60)
    count = every_nth_is_rate_limited(emu, 3)
    code, _out, err = batch_cli(
        "batch",
        "run",
        "in.csv",
        "--prompt",
        "Summarise {title}",
        "-o",
        "out.jsonl",
        "--live",
        "--concurrency",
        "6",
    )
    assert code == 0, err
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == [str(i) for i in range(60)]
    assert all(r["error"] is None for r in rows)
    assert all(r["answer"].startswith(f"You said: Summarise title {r['id']}\n") for r in rows)
    sent = rows_sent(emu)
    assert sorted(set(sent)) == list(range(60))
    assert len(sent) == count[0] and count[0] >= 60 + 20  # every third was refused, then resent
    assert not [r for r in emu.requests if r.path.startswith("/v1/batch")]  # no Batch API
    assert "60 rows, 60 answered" in err


def test_a_killed_live_run_resends_only_what_it_had_not_answered(
    emu: Emulator, tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 80)
    args = [sys.executable, "-m", "mistral_chat", "--base-url", emu.base_url, "batch", "run"]
    args += ["in.csv", "--prompt", "Summarise {title}", "-o", "out.jsonl", "--live"]
    args += ["--concurrency", "3"]
    env = cli_env(env={"MISTRAL_API_KEY": "test", "MISTRAL_CHAT_HOME": str(tmp_path / "home")})
    original = emu.faults.take
    seen = [0]
    holder: list[subprocess.Popen[bytes]] = []

    def take(path: str, kinds: tuple[str, ...]) -> Fault | None:
        if path == CHAT and "status" in kinds:
            seen[0] += 1
            if seen[0] == 30:
                holder[0].send_signal(signal.SIGKILL)
                holder[0].wait()
        return original(path, kinds)

    emu.faults.take = take  # type: ignore[method-assign]
    proc = subprocess.Popen(
        args, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    holder.append(proc)
    with reaped(proc):
        proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL
    emu.faults.take = original  # type: ignore[method-assign]
    first = rows_sent(emu)
    done = subprocess.run(
        args, env=env, cwd=tmp_path, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()
    sent = rows_sent(emu)
    twice = [row for row in set(sent) if sent.count(row) > 1]
    assert sorted(set(sent)) == list(range(80))
    assert len(twice) <= 3  # at most the requests in flight when it was killed
    assert set(twice) <= set(first)
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == [str(i) for i in range(80)]


def test_the_gate_halves_on_429_waits_and_grows_back() -> None:
    async def scenario() -> None:
        now = [0.0]
        gate = _Gate(4, lambda: now[0])
        for _ in range(4):
            await gate.enter()
        assert gate.active == 4
        await gate.leave(2.0)  # a 429: two may be in flight, nobody starts for 2 s
        assert (gate.allowed, gate.resume_at) == (2, 2.0)
        waiting = asyncio.create_task(gate.enter())
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()  # closed until the clock passes 2 s
        await gate.leave(None)
        await gate.leave(None)  # two done: room for one, but still closed
        for _ in range(5):
            await asyncio.sleep(0)
        assert not waiting.done()
        now[0] = 2.5
        async with gate.cond:
            gate.cond.notify_all()
        await asyncio.wait_for(waiting, timeout=5)
        assert gate.active == 2
        await gate.leave(None)
        await gate.leave(None)  # two successes at allowed=2: one more may go
        assert gate.allowed == 3

    asyncio.run(scenario())
