"""An hour of audio transcribes with the client's memory under 100 MB: the file is streamed
from disk (through the Files API, as audio this large goes), never read whole."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

from cli_support import cli_env
from mistral_chat.emulator import Emulator

# The CLI, reporting its own peak resident memory (VmHWM: this process's, not the test's that
# forked it, which ru_maxrss would count) on stderr as it exits.
_REPORTING_PEAK = """
import atexit, re, sys
def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("peak-kb " + re.search(r"VmHWM:\\s+(\\d+)", status).group(1) + "\\n")
atexit.register(peak)
sys.argv = ["mistral-chat", *sys.argv[1:]]
from mistral_chat.__main__ import main
sys.exit(main())
"""


def _hour_of_wav(path: Path) -> Path:
    rate, seconds = 16_000, 3600
    size = rate * 2 * seconds  # 115 MB of 16-bit mono samples (silence)
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + size,
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        rate,
        rate * 2,
        2,
        16,
        b"data",
        size,
    )
    with path.open("wb") as out:
        out.write(header)
        block = bytes(1 << 20)
        for _ in range(size >> 20):
            out.write(block)
        out.write(bytes(size % (1 << 20)))
    return path


def test_an_hour_of_audio_stays_under_100_mb(emulator: Emulator, tmp_path: Path) -> None:
    audio = _hour_of_wav(tmp_path / "hour.wav")
    env = cli_env(env={"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"})
    proc = subprocess.run(
        [sys.executable, "-c", _REPORTING_PEAK, "transcribe", str(audio)],
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    peak_kb = int(proc.stderr.decode().rsplit("peak-kb ", 1)[1].split()[0])
    assert proc.stdout.decode().startswith("Audio: hour.wav, WAV, 3600.00 s, 16000 Hz, mono.")
    assert b"60:00 of audio" in proc.stderr
    assert peak_kb < 100 * 1024, f"peak RSS {peak_kb // 1024} MB"
    paths = [r.path for r in emulator.requests[-3:]]
    assert paths[0] == "/v1/files" and paths[1] == "/v1/audio/transcriptions"
    assert emulator.requests[-1].method == "DELETE"  # the upload is not left behind
