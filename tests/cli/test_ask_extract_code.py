"""`ask -x`: only the code of the answer on stdout, as a script would read it."""

from __future__ import annotations

from collections.abc import Callable

from mistral_chat.emulator import Emulator

RunCLI = Callable[..., tuple[int, str, str]]

# the emulator answers "You said: <the message>", so the message's code blocks come back
TWO_BLOCKS = "Run:\n```python\nprint('hi')\n```\nthen:\n~~~sh\nls -l\n~~~"


def test_only_the_code_blocks_are_printed(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "-x", input=TWO_BLOCKS)
    assert code == 0, err
    assert out == "print('hi')\nls -l\n"
    assert err == ""


def test_no_code_block_prints_nothing_says_so_and_exits_0(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "--extract-code", "hello")
    assert (code, out) == (0, "")
    assert err == (
        "warning: the answer has no code block, so nothing was printed; "
        "`mistral-chat history show` shows it\n"
    )
    code, out, err = run_cli("ask", "-x", "--no-log", "hello")
    assert (code, out) == (0, "") and "ask without -x to see it" in err


def test_a_cut_answer_keeps_its_closed_blocks_and_drops_the_cut_one(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    # chunks: "", "You ", "said: ", "x\n", "```sh\n", "echo ", "one\n", "```\n", "```sh\n",
    # "rm ", "-rf " | cut: the last block stops at "rm -rf " and must not reach a pipe
    emulator.inject("cut", after_chunks=11, path="/v1/chat/completions")
    message = "x\n```sh\necho one\n```\n```sh\nrm -rf /tmp/build/cache\n```"
    code, out, err = run_cli("ask", "-x", input=message)
    assert code == 5
    assert out == "echo one\n"
    assert "warning: the last code block was cut off with the answer and is left out" in err
    assert err.rstrip().splitlines()[-1].startswith("error: ")


def test_x_and_json_do_not_go_together(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-x", "--json", "hi")
    assert code == 2 and out == ""
    assert "not allowed with argument" in err or "--json" in err
    assert len(emulator.requests) == start
