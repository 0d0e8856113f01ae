"""`mistral-chat completion SHELL`: the bash script is sourced and asked, as bash would."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from cli_support import RunCLI

_ASK = """
source "$1"
shift
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
_shtab_mistral_chat
printf '%s\\n' "${COMPREPLY[@]}"
"""


@pytest.fixture
def bash_script(run_cli: RunCLI, tmp_path: Path) -> Path:
    code, out, err = run_cli("completion", "bash", env={"MISTRAL_API_KEY": None})
    assert code == 0 and err == ""  # no key needed
    path = tmp_path / "mistral-chat.bash"
    path.write_text(out)
    return path


def _complete(script: Path, *words: str, cwd: Path | None = None) -> list[str]:
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run(
        [bash, "-c", _ASK, "complete", str(script), "mistral-chat", *words],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
        timeout=30,
    )
    return done.stdout.split()


def test_bash_completes_commands_options_and_offline_values(
    bash_script: Path, tmp_path: Path
) -> None:
    assert _complete(bash_script, "mod") == ["models", "moderate"]
    assert _complete(bash_script, "models", "list", "--cap") == ["--capability"]
    assert _complete(bash_script, "models", "list", "--capability", "vi") == ["vision"]
    assert _complete(bash_script, "ask", "-m", "mistral-medium-l") == ["mistral-medium-latest"]
    # the README's example: deprecated, its date (2026-07-31) passed, yet still listed as
    # served by the docs of 2026-08-21, as by the emulator: offered
    assert _complete(bash_script, "ask", "-m", "magistral-medium-l") == ["magistral-medium-latest"]
    assert "magistral-medium-2509" in _complete(bash_script, "ask", "-m", "magistral-medium-")
    assert "mistral-large-2402" not in _complete(
        bash_script, "ask", "-m", "mistral-large-"
    )  # retired
    assert "magistral-medium-2507" not in _complete(bash_script, "ask", "-m", "magistral-medium-")
    assert _complete(bash_script, "ask", "--reasoning-effort", "h") == ["high"]
    (tmp_path / "photo.png").write_bytes(b"")
    assert _complete(bash_script, "ask", "-a", "pho", cwd=tmp_path) == ["photo.png"]


@pytest.mark.parametrize("shell", ["zsh", "fish", "tcsh", "powershell"])
def test_other_shells_get_a_script_naming_every_command(run_cli: RunCLI, shell: str) -> None:
    code, out, err = run_cli("completion", shell)
    assert code == 0 and err == ""
    assert all(word in out for word in ("ask", "models", "history", "--reasoning-effort"))


def test_unknown_shell_is_a_usage_error(run_cli: RunCLI) -> None:
    code, out, err = run_cli("completion", "ksh")
    assert code == 2 and out == "" and "unknown shell 'ksh'" in err


def test_every_path_argument_completes_files(run_cli: RunCLI) -> None:
    code, out, _ = run_cli("completion", "zsh")
    assert code == 0
    for spec in (
        '"(*):the files to upload:_files"',  # files upload PATH...
        ":the JSON export (- for stdin):_files",  # history import FILE
        ":DIR:_files -/",  # emulator --state-dir: directories
    ):
        assert spec in out, spec
