from __future__ import annotations

import io
import json
import sys

import pytest

from mistral_chat.render.console import Terminal, color_allowed

from ._screen import written


def test_error_warning_and_json_go_to_the_right_stream() -> None:
    term = Terminal(stdout=io.StringIO(), stderr=io.StringIO())
    term.error("no API key found")
    term.warning("served from cache")
    term.json({"content": "héllo", "n": [1]})
    assert written(term.stderr) == "error: no API key found\nwarning: served from cache\n"
    out = written(term.stdout)
    assert json.loads(out) == {"content": "héllo", "n": [1]}
    assert "héllo" in out and out.endswith("}\n") and out.count("\n{") == 0


@pytest.mark.parametrize(
    ("no_color", "env", "allowed"),
    [
        (False, {}, True),
        (True, {}, False),
        (False, {"NO_COLOR": ""}, False),
        (False, {"NO_COLOR": "1"}, False),
        (False, {"TERM": "dumb"}, False),
    ],
)
def test_color_allowed(no_color: bool, env: dict[str, str], allowed: bool) -> None:
    assert color_allowed(no_color, env) is allowed


def test_from_process_respects_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    term = Terminal.from_process(no_color=False)
    assert not term.color and not term.stderr_color


def test_rich_consoles_emit_no_escape_codes_without_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    term = Terminal(stdout=io.StringIO(), stderr=io.StringIO(), stdout_isatty=True)
    term.rich_out().print("[bold red]hi[/]")
    term.rich_err().print("[bold red]hi[/]")
    assert written(term.stdout) == "hi\n" == written(term.stderr)


def test_importing_console_does_not_import_rich() -> None:
    import subprocess

    code = "import sys, mistral_chat.render.console; print('rich' in sys.modules)"
    src = str(__import__("pathlib").Path(__file__).resolve().parents[2] / "src")
    result = subprocess.run(
        [sys.executable, "-c", f"import sys; sys.path.insert(0, {src!r}); {code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_refresh_size_follows_a_resized_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    term = Terminal(stdout=io.StringIO(), stderr=io.StringIO(), width=120, height=40)
    console = term.rich_out()
    monkeypatch.setattr("shutil.get_terminal_size", lambda fallback: os.terminal_size((60, 20)))
    term.refresh_size()
    assert (term.width, term.height) == (120, 40)  # a pipe, or a test's fixed size: kept
    term.track_size = True
    term.refresh_size()
    assert (term.width, term.height) == (60, 20)
    assert (console.width, console.height) == (60, 20)
