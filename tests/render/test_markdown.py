from __future__ import annotations

import pytest

from mistral_chat.render.markdown import StreamingMarkdown, render_markdown

from ._screen import color_terminal, piped_terminal, visible, written

DOC = """# Title

Some **bold** text and `code`, with a [link](http://example.com).
A second line of the same paragraph.

## Lists

- one
- two
  - nested a
  - nested b
- three

1. first

2. second

---

```python
def f(x):
    \"\"\"Doc
    string.\"\"\"

    return x * 2


```

> a quote
> continues

| a | b |
|---|---|
| 1 | 2 |

Setext
======

~~~
tilde fence
~~~

    indented code

    more indented

Windows line\r\nendings\r\n\r\nFinal paragraph without newline"""


def once(text: str, width: int = 80) -> str:
    term = color_terminal(width)
    render_markdown(term, text)
    return visible(written(term.stdout))


def stream(text: str, step: int, **kwargs: object) -> tuple[str, StreamingMarkdown]:
    term = color_terminal()
    now = [0.0]
    sm = StreamingMarkdown(term, clock=lambda: now[0], **kwargs)  # type: ignore[arg-type]
    for i in range(0, len(text), step):
        sm.feed(text[i : i + step])
        now[0] += 0.02
    sm.finish()
    return visible(written(term.stdout)), sm


@pytest.mark.parametrize("step", [1, 2, 5, 17, 1000])
def test_streamed_output_equals_rendering_once(step: int) -> None:
    got, _ = stream(DOC, step)
    assert got == once(DOC)


def test_unthrottled_streaming_equals_rendering_once() -> None:
    got, _ = stream(DOC, 3, refresh_per_second=None)
    assert got == once(DOC)


def test_long_code_block_is_printed_incrementally_and_matches() -> None:
    code = "\n".join(f"    value_{i} = compute({i}, 'text')  # line {i}" for i in range(300))
    text = f"Intro.\n\n```python\ndef big():\n{code}\n```\n\nAfter.\n"
    got, sm = stream(text, 4)
    assert got == once(text)
    assert sm.render_work < 4 * len(text)


def test_piped_output_is_exactly_the_input() -> None:
    term = piped_terminal()
    with StreamingMarkdown(term) as sm:
        for ch in DOC:
            sm.feed(ch)
    assert written(term.stdout) == DOC
    assert "\x1b" not in written(term.stdout)


def test_no_color_on_a_tty_writes_plain_text() -> None:
    term = color_terminal()
    term.color = False  # what --no-color or NO_COLOR give on a terminal
    with StreamingMarkdown(term) as sm:
        sm.feed(DOC)
    assert written(term.stdout) == DOC
    render_markdown(term, "**x**")
    assert written(term.stdout) == DOC + "**x**\n"


def test_abort_mid_code_block_renders_what_arrived() -> None:
    term = color_terminal()
    text = "Intro.\n\n```python\nx = 1\ny = 2\nz = "
    sm = StreamingMarkdown(term, clock=lambda: 0.0)
    with pytest.raises(KeyboardInterrupt), sm:
        sm.feed(text)
        raise KeyboardInterrupt
    raw = written(term.stdout)
    assert visible(raw) == once(text + "\n```\n")
    sm.abort()  # idempotent
    sm.feed("more")  # ignored after the end
    assert written(term.stdout) == raw


def test_finish_is_idempotent() -> None:
    term = color_terminal()
    sm = StreamingMarkdown(term)
    sm.feed("hello")
    sm.finish()
    first = written(term.stdout)
    sm.finish()
    assert written(term.stdout) == first
    assert visible(first) == once("hello")


def test_live_tail_is_at_most_a_screen_high() -> None:
    term = color_terminal(width=40, height=10)
    sm = StreamingMarkdown(term, refresh_per_second=None)
    sm.feed("word " * 400)  # one paragraph of 50 lines, still open
    raw = written(term.stdout)
    assert raw.count("\n") <= 9
    sm.finish()
    assert visible(written(term.stdout)) == once("word " * 400, width=40)


def test_render_work_is_linear() -> None:
    """Characters handed to the renderer over a 20k-character stream in small chunks."""
    parts = []
    for i in range(40):
        parts.append(f"## Part {i}\n\n" + "Some *words* here and `there`. " * 8 + "\n")
        parts.append("- item one\n- item two\n  - nested\n")
        if i % 4 == 0:
            body = "\n".join(f"x_{j} = f({j})  # {'c' * 20}" for j in range(30))
            parts.append(f"```python\n{body}\n```\n")
    text = "\n".join(parts)
    assert len(text) >= 20_000
    got, sm = stream(text, 4)
    assert sm.render_work <= 2 * len(text)
    assert sm.preview_work <= 20 * len(text)
    assert got == once(text)


def _reflowed(segments: list[tuple[str, int]]) -> str:
    """What a terminal that rewraps its lines when resized (tmux, VTE, iTerm2, kitty ...)
    shows: each segment of raw output was written while the window was that wide."""
    import math
    import re

    from rich.cells import cell_len

    erase = re.compile(r"\r\x1b\[(\d+)A\x1b\[J")
    sgr = re.compile(r"\x1b\[[0-9;]*m")
    lines = [""]  # logical lines; the last is where the cursor is
    for raw, width in segments:
        parts = erase.split(raw)
        for i, part in enumerate(parts):
            if i % 2:  # an erase: up N screen rows from a line start, then erase down
                assert lines[-1] == ""
                lines.pop()
                up = int(part)
                while up and lines:
                    rows = max(1, math.ceil(cell_len(lines[-1]) / width))
                    if up >= rows:
                        lines.pop()
                        up -= rows
                    else:  # the cursor lands inside a wrapped line: it goes on from there
                        lines[-1] = lines[-1][: (rows - up) * width]
                        up = 0
                        break
                else:
                    lines.append("")
                continue
            for ch in sgr.sub("", part):
                if ch == "\n":
                    lines.append("")
                else:
                    lines[-1] += ch
    return "\n".join(line.rstrip() for line in lines)


def test_a_resize_mid_answer_leaves_no_stale_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    # the live tail was erased by its line count at the old width: after the window narrowed,
    # its rewrapped lines stayed on screen, and every later redraw left more of them
    import os

    from mistral_chat.render import console

    size = [os.terminal_size((60, 24))]
    monkeypatch.setattr(console.shutil, "get_terminal_size", lambda fallback=None: size[0])
    term = color_terminal(width=60)
    term.track_size = True
    sm = StreamingMarkdown(term, refresh_per_second=None)
    text = " ".join(f"word{i}" for i in range(120))
    half = len(text) // 2
    segments = []
    for i in range(0, half, 7):
        sm.feed(text[i : min(i + 7, half)])
    segments.append((written(term.stdout), 60))
    size[0] = os.terminal_size((30, 24))
    for i in range(half, len(text), 7):
        sm.feed(text[i : i + 7])
    sm.finish()
    segments.append((written(term.stdout)[len(segments[0][0]) :], 30))
    assert _reflowed(segments) == once(text, width=30)


def test_a_wider_window_erases_no_finished_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from mistral_chat.render import console

    size = [os.terminal_size((30, 24))]
    monkeypatch.setattr(console.shutil, "get_terminal_size", lambda fallback=None: size[0])
    term = color_terminal(width=30)
    term.track_size = True
    sm = StreamingMarkdown(term, refresh_per_second=None)
    sm.feed("First paragraph, finished.\n\n")
    sm.feed("second " * 20)
    size[0] = os.terminal_size((90, 24))
    sm.feed("more " * 10)
    sm.finish()
    screen = visible(written(term.stdout))  # asserts no erase reaches above the live lines
    assert screen.startswith("First paragraph, finished.\n")
    assert screen.count("second") == 20


_HOSTILE = "Hi \x1b[2J\x1b]0;title\x07 and \x1b]52;c;cm0gLXJm\x1b\\ \x9b31m done"


@pytest.mark.parametrize("live", [None, False])
def test_control_sequences_in_an_answer_never_reach_the_terminal(live: bool | None) -> None:
    # an answer (a model echoing a file, a hostile server) could clear the screen, retitle
    # the window or write the clipboard (OSC 52): on a terminal they are shown, not obeyed
    term = color_terminal()
    with StreamingMarkdown(term, live, refresh_per_second=None) as sm:
        for i in range(0, len(_HOSTILE), 4):
            sm.feed(_HOSTILE[i : i + 4])
    raw = written(term.stdout)
    assert "\x1b[2J" not in raw and "\x1b]" not in raw and "\x07" not in raw
    assert "\x9b" not in raw
    assert "␛[2J" in visible(raw)
    render_markdown(term, _HOSTILE)
    assert "\x1b]" not in written(term.stdout)


def test_piped_answers_keep_control_characters() -> None:
    term = piped_terminal()
    with StreamingMarkdown(term) as sm:
        sm.feed(_HOSTILE)
    render_markdown(term, _HOSTILE)
    assert written(term.stdout) == _HOSTILE + _HOSTILE + "\n"


def test_error_lines_on_a_terminal_show_control_characters() -> None:
    term = color_terminal()
    term.error("server said \x1b]0;x\x07")
    assert written(term.stderr) == "error: server said ␛]0;x␇\n"
    piped = piped_terminal()
    piped.error("server said \x1b]0;x\x07")
    assert written(piped.stderr) == "error: server said \x1b]0;x\x07\n"
    from mistral_chat.render.tables import table

    table(term, ["filename"], [["evil\x1b]0;x\x07.txt"]])
    assert "\x1b]0" not in written(term.stdout) and "evil␛]0;x␇.txt" in written(term.stdout)
