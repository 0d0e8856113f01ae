"""The package as a user installs it (`uv tool install .`, `pipx install .`): a wheel with the
`mistral-chat` command, the bundled data, and the runtime dependencies only (dev tools are in
the dev group). Built offline and installed into a fresh environment; its dependencies come
from this environment, since tests never reach a package index. (Installing for real, with
`uv tool install .` and `pipx install .` in a fresh HOME, is shown in the README.)"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from cli_support import cli_env
from mistral_chat.emulator import Emulator

ROOT = Path(__file__).parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _uv(*args: str, cwd: Path = ROOT) -> str:
    uv = shutil.which("uv")
    assert uv is not None, "uv is needed to build the package (pip install uv)"
    done = subprocess.run(
        [uv, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_wheel_installs_the_command_with_runtime_dependencies_only(
    emulator: Emulator, tmp_path: Path
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = {_name(r) for r in project["project"]["dependencies"]}
    dev = {_name(r) for r in project["dependency-groups"]["dev"]}
    _uv("build", "--wheel", "--offline", "-o", str(tmp_path / "dist"))
    (wheel,) = (tmp_path / "dist").glob("mistral_chat-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        meta = zf.read(next(n for n in names if n.endswith("/METADATA"))).decode()
        scripts = zf.read(next(n for n in names if n.endswith("/entry_points.txt"))).decode()
    assert {_name(r) for r in re.findall(r"^Requires-Dist: (.+)$", meta, re.M)} == runtime
    assert "mistral-chat = mistral_chat.__main__:main" in scripts
    assert "mistral_chat/data/mistral-models.json" in names and "mistral_chat/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "bench/"))]

    assert not {_name(r) for r in re.findall(r"^Requires-Dist: (.+)$", meta, re.M)} & dev

    # the wheel itself into a fresh environment (its dependencies, offline, from ours)
    venv = tmp_path / "venv"
    _uv("venv", "--offline", "-q", str(venv))
    python = str(venv / "bin" / "python")
    _uv("pip", "install", "--offline", "--no-deps", "-q", "--python", python, str(wheel))
    ours = subprocess.run(
        [sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    theirs = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(theirs, "deps.pth").write_text(ours + "\n")  # a path only: our editable install is not
    env = cli_env(
        env={
            "MISTRAL_BASE_URL": emulator.base_url,
            "MISTRAL_API_KEY": "test",
            "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        }
    )
    done = subprocess.run(
        ["mistral-chat", "ask", "Bonjour"],  # found on PATH, as after `uv tool install`
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "You said: Bonjour" in done.stdout, done.stderr
    where = subprocess.run(
        [python, "-c", "import mistral_chat; print(mistral_chat.__file__)"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert where.startswith(theirs)  # the wheel's copy ran, not this checkout
