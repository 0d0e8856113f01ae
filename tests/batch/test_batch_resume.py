"""`batch run` killed (SIGKILL) at chosen and at random points, then run again, finishes with
every row's custom_id submitted exactly once, as the emulator's own log proves, and an
output of one line per row, in input order, joined to the right row."""

from __future__ import annotations

import collections
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _batch_helpers import read_jsonl, write_csv

from cli_support import cli_env, reaped
from mistral_chat.emulator import Emulator

ROWS = 1000


@pytest.fixture
def slow_emu() -> Iterator[Emulator]:
    """Jobs that run for a while, so a run can be killed while it waits."""
    with Emulator() as emulator:
        emulator.app.batch.timing.queued = 0.2
        emulator.app.batch.timing.running = 1.0
        yield emulator


class Run:
    """`batch run` of one input as a real process, started as many times as needed."""

    def __init__(self, emu: Emulator, tmp: Path, *extra: str) -> None:
        self.emu = emu
        self.input = write_csv(tmp / "in.csv", ROWS)
        self.output = tmp / "out.jsonl"
        self.home = tmp / "home"
        self.extra = extra
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> subprocess.Popen[bytes]:
        args = [sys.executable, "-m", "mistral_chat", "--base-url", self.emu.base_url, "batch"]
        args += ["run", str(self.input), "--prompt", "Summarise {title}", "-o", str(self.output)]
        args += ["--rows-per-job", "150", *self.extra]
        env = cli_env(env={"MISTRAL_API_KEY": "test", "MISTRAL_CHAT_HOME": str(self.home)})
        self.errors = self.output.with_name("stderr.txt")
        with self.errors.open("wb") as err:
            self.proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=err)
        return self.proc

    def stderr(self) -> str:
        return self.errors.read_text(errors="replace")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def finish(self) -> None:
        """Run until it exits by itself; it must succeed."""
        with reaped(self.start()) as proc:
            proc.wait(timeout=120)
        assert proc.returncode == 0, self.stderr()

    def check(self) -> None:
        received = [cid for _job, cid in self.emu.app.batch.received()]
        twice = [cid for cid, n in collections.Counter(received).items() if n > 1]
        assert not twice, f"submitted more than once: {twice[:5]}"
        assert sorted(int(str(cid).split("-")[0]) for cid in received) == list(range(ROWS))
        rows = read_jsonl(self.output)
        assert [r["id"] for r in rows] == [str(i) for i in range(ROWS)]
        for r in rows:
            assert r["error"] is None
            assert r["answer"].startswith(f"You said: Summarise title {r['id']}\n"), r
        assert not list(self.output.parent.glob(".out.jsonl.*.partial"))


def kill_after(run: Run, owner: Any, name: str, nth: int = 1) -> Callable[[], None]:
    """Make the emulator kill the CLI once it has done the ``nth`` call of ``owner.name``
    (the work done, the answer never reaching the client); returns the undo."""
    original = getattr(owner, name)
    calls = [0]

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        calls[0] += 1
        if calls[0] == nth:
            run.kill()
        return result

    setattr(owner, name, wrapped)
    return lambda: setattr(owner, name, original)


PHASES = [
    ("job created", ()),
    ("job created", ("--no-inline",)),
    ("second job created", ()),
    ("file uploaded", ("--no-inline",)),
    ("while waiting", ()),
    ("results downloaded", ("--no-inline",)),
]


@pytest.mark.parametrize(("phase", "mode"), PHASES, ids=[f"{p} {m}" for p, m in PHASES])
def test_killed_at_a_phase_then_resumed(
    slow_emu: Emulator, tmp_path: Path, phase: str, mode: tuple[str, ...]
) -> None:
    run = Run(slow_emu, tmp_path, *mode)
    app, store = slow_emu.app, slow_emu.store
    undo = {
        "job created": lambda: kill_after(run, app.batch, "create"),
        "second job created": lambda: kill_after(run, app.batch, "create", 2),
        "file uploaded": lambda: kill_after(run, store, "upload", 3),
        "while waiting": lambda: kill_after(run, app.batch, "get", 4),
        "results downloaded": lambda: kill_after(run, store, "iter_content", 2),
    }[phase]()
    with reaped(run.start()) as proc:
        proc.wait(timeout=120)
    undo()
    assert proc.returncode == -signal.SIGKILL, run.stderr()
    run.finish()
    run.check()
    if phase == "file uploaded":  # the file uploaded before the kill was found, not sent again
        names = [f.filename for f in store.all() if f.purpose == "batch" and f.source == "upload"]
        assert len(names) == len(set(names)) == 7


def test_killed_at_random_points_several_times(slow_emu: Emulator, tmp_path: Path) -> None:
    run = Run(slow_emu, tmp_path, "--no-inline")
    chance = random.Random(12)  # fixed: the same delays every time (where they land may vary)
    kills = 0
    for _ in range(6):
        proc = run.start()
        with reaped(proc):
            try:
                proc.wait(timeout=chance.uniform(0.3, 2.5))
            except subprocess.TimeoutExpired:
                run.kill()
                kills += 1
                if run.output.exists():  # killed after its output was in place, while exiting
                    break
                continue
        assert proc.returncode == 0, run.stderr()
        break
    else:
        run.finish()
    assert kills >= 1
    run.output.unlink()
    run.finish()  # once more: everything is known, nothing is sent
    run.check()


def test_a_finished_run_started_again_sends_nothing(emu: Emulator, tmp_path: Path) -> None:
    run = Run(emu, tmp_path)
    run.finish()
    sent = len(emu.app.batch.received())
    run.output.unlink()
    run.finish()
    assert len(emu.app.batch.received()) == sent == ROWS
    run.check()
    assert json.loads(run.output.read_text().splitlines()[0])["id"] == "0"


def test_a_create_still_being_carried_out_when_the_run_restarts_is_found(
    slow_emu: Emulator, tmp_path: Path
) -> None:
    # The client is killed while the server holds its create; the server carries it out a
    # few seconds later, after the restarted run has first looked for it: the run must wait
    # for it (recovery.SETTLE_S) rather than send the shard again.
    run = Run(slow_emu, tmp_path, "--no-inline")
    batch = slow_emu.app.batch
    original = batch.create
    held = [0]

    def late_create(*args: Any, **kwargs: Any) -> Any:
        held[0] += 1
        if held[0] == 1:
            run.kill()
            time.sleep(3.0)  # less than SETTLE_S, more than a restart takes to look
        return original(*args, **kwargs)

    batch.create = late_create  # type: ignore[method-assign]
    try:
        with reaped(run.start()) as proc:
            proc.wait(timeout=120)
        assert proc.returncode == -signal.SIGKILL, run.stderr()
        run.finish()
    finally:
        batch.create = original  # type: ignore[method-assign]
    run.check()
