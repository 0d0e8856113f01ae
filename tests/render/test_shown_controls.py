"""`shown_controls`, the one function between server or history text and a terminal."""

from __future__ import annotations

import io
import json

import pytest

from mistral_chat.render.console import Terminal, shown_controls
from mistral_chat.render.markdown import StreamingMarkdown
from mistral_chat.render.progress import TransferProgress
from mistral_chat.render.spinner import Spinner
from mistral_chat.render.tables import key_value, table

# OSC 52 (clipboard), a window title, clear screen, a C1 CSI, DEL, a bidi override and isolate
HOSTILE = "a\x1b]52;c;eA==\x07\x1b]0;t\x07\x1b[2J\x9b1m\x7f\u202eb\u2066c"
OBEYED = ("\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u2066")


def terminal(*, tty: bool = True, color: bool = False) -> Terminal:
    return Terminal(
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdout_isatty=tty,
        stderr_isatty=tty,
        color=color,
        stderr_color=color,
        width=200,
    )


def written(stream: object) -> str:
    assert isinstance(stream, io.StringIO)
    return stream.getvalue()


def test_every_kind_of_control_is_shown() -> None:
    shown = shown_controls(HOSTILE)
    assert shown == "a␛]52;c;eA==␇␛]0;t␇␛[2J<U+009B>1m␡<U+202E>b<U+2066>c"
    assert shown_controls(shown) == shown  # showing twice changes nothing


@pytest.mark.parametrize("code", [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x202A, 0x202B,
                                  0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069])  # fmt: skip
def test_no_control_survives_one_line(code: int) -> None:
    assert chr(code) not in shown_controls(f"x{chr(code)}y", one_line=True)


def test_line_breaks_stay_in_text_and_are_shown_in_one_line_values() -> None:
    assert shown_controls("one\ntwo\tthree\r\nfour") == "one\ntwo\tthree\r\nfour"
    assert shown_controls("one\ntwo\tx\r\n", one_line=True) == "one␊two␉x␍␊"
    # a lone carriage return would move the cursor back over what the line showed
    assert shown_controls("rm -rf ~\rls      ") == "rm -rf ~␍ls      "
    assert shown_controls("end\r") == "end␍"
    # right-to-left text itself is fine: only the invisible reordering controls are shown
    assert shown_controls("שלום עולם") == "שלום עולם"


def test_terminal_writes_show_and_pipes_keep_bytes() -> None:
    tty, pipe = terminal(), terminal(tty=False)
    for term in (tty, pipe):
        term.out(HOSTILE)
        term.err_line(HOSTILE)
        term.error(HOSTILE)
        term.warning(HOSTILE)
    assert not any(seq in written(tty.stdout) + written(tty.stderr) for seq in OBEYED)
    assert written(pipe.stdout) == HOSTILE + "\n"
    assert written(pipe.stderr) == f"{HOSTILE}\nerror: {HOSTILE}\nwarning: {HOSTILE}\n"


def test_json_on_a_terminal_escapes_what_json_leaves_raw() -> None:
    tty, pipe = terminal(), terminal(tty=False)
    for term in (tty, pipe):
        term.json({"name": HOSTILE})
    assert not any(seq in written(tty.stdout) for seq in OBEYED)
    assert json.loads(written(tty.stdout)) == json.loads(written(pipe.stdout)) == {"name": HOSTILE}
    assert "\x9b" in written(pipe.stdout)  # a pipe gets what json.dumps makes, unchanged


@pytest.mark.parametrize("color", [True, False])
def test_tables_and_key_values_show_controls(color: bool) -> None:
    term = terminal(color=color)
    table(term, ["id", "name"], [["1", f"{HOSTILE}\nsecond"]], title=HOSTILE)
    key_value(term, [(HOSTILE, f"{HOSTILE}\nline two")])
    out = written(term.stdout)
    assert not any(seq in out for seq in ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e"))
    assert "<U+202E>b" in out and "␊second" in out  # a cell stays on its row
    assert "line two" in out


def test_piped_tables_are_shown_too() -> None:
    # a table is for reading (`| less -R`, `> file; cat file`); --json is the exact form
    term = terminal(tty=False)
    table(term, ["name"], [[HOSTILE]])
    out = written(term.stdout)
    assert not any(seq in out for seq in OBEYED) and "<U+202E>" in out


def test_a_crlf_split_between_chunks_stays_a_line_break() -> None:
    term = terminal()
    with StreamingMarkdown(term) as md:
        for chunk in ("line one\r", "\nline two\r", "\r", "\nend\r"):
            md.feed(chunk)
    assert written(term.stdout) == "line one\r\nline two␍\r\nend␍"


def test_spinner_and_progress_labels_are_shown() -> None:
    term = terminal(color=True)
    spinner = Spinner(term, HOSTILE)
    spinner._stop.wait = lambda timeout=None: spinner._stop.set() or True  # type: ignore[method-assign]
    spinner._run()  # one frame, in this thread
    with TransferProgress(term, f"[bold]{HOSTILE}", 10) as progress:
        progress.advance(5)
    err = written(term.stderr)
    assert "<U+202E>" in err and "[bold]" in err  # markup in a file name is text
    assert not any(seq in err for seq in ("\x1b]", "\x1b[2J", "\x07", "\x9b", "\u202e"))
