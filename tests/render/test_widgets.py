from __future__ import annotations

import io
import time

from mistral_chat.render.console import Terminal
from mistral_chat.render.progress import TransferProgress
from mistral_chat.render.spinner import Spinner
from mistral_chat.render.tables import key_value, table

from ._screen import color_terminal, piped_terminal, written


def test_plain_table_is_aligned_without_escape_codes() -> None:
    term = piped_terminal()
    table(term, ["ID", "CONTEXT"], [["mistral-small", "128k"], ["ocr", "32k"]], title="Models")
    assert written(term.stdout) == (
        "Models\nID             CONTEXT\nmistral-small  128k\nocr            32k\n"
    )


def test_rich_table_on_a_terminal() -> None:
    term = color_terminal()
    table(term, ["ID"], [["mistral-small"]])
    assert "\x1b[" in written(term.stdout) and "mistral-small" in written(term.stdout)


def test_plain_key_value() -> None:
    term = piped_terminal()
    key_value(term, [("id", "x"), ("description", "two\nlines")])
    assert written(term.stdout) == "id:           x\ndescription:  two\n              lines\n"


def test_spinner_draws_on_a_tty_and_erases_itself() -> None:
    term = Terminal(stdout=io.StringIO(), stderr=io.StringIO(), stderr_isatty=True)
    with Spinner(term, "Thinking", interval=0.005):
        deadline = time.monotonic() + 10  # a loaded machine may start the thread late
        while "Thinking" not in written(term.stderr) and time.monotonic() < deadline:
            time.sleep(0.01)
    err = written(term.stderr)
    assert "Thinking" in err and "\x1b" not in err
    last = err.rsplit("\r", 2)
    assert last[-1] == "" and last[-2].strip() == ""  # ends by blanking the line


def test_spinner_is_silent_when_stderr_is_not_a_tty() -> None:
    term = piped_terminal()
    spinner = Spinner(term)
    spinner.start()
    assert not spinner.active
    spinner.stop()
    assert written(term.stderr) == ""


def test_progress_is_a_noop_when_piped() -> None:
    term = piped_terminal()
    with TransferProgress(term, "file.pdf", 100) as progress:
        progress.advance(60)
        progress.advance(40)
    assert progress.completed == 100
    assert written(term.stderr) == ""


def test_progress_draws_on_a_terminal() -> None:
    term = color_terminal()
    with TransferProgress(term, "file.pdf", 1000) as progress:
        progress.advance(500)
    assert progress.completed == 500
