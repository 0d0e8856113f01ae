"""Fenced code blocks found in an answer (`ask -x`, `/copy N`)."""

from __future__ import annotations

import doctest

from mistral_chat.render import code
from mistral_chat.render.code import CodeBlock, code_blocks


def test_doctests() -> None:
    assert doctest.testmod(code).failed == 0


def test_fences_of_either_kind_and_any_length() -> None:
    text = "a\n````md\n```py\nx\n```\n````\nb\n~~~\ny\n~~~~\n"
    assert code_blocks(text) == [CodeBlock("```py\nx\n```\n", "md"), CodeBlock("y\n", "")]


def test_a_fence_in_a_list_item_loses_its_indentation() -> None:
    text = "1. Install:\n   ```bash\n   pip install x\n     --pre\n   ```\n2. Done"
    assert code_blocks(text) == [CodeBlock("pip install x\n  --pre\n", "bash")]


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert code_blocks("x\n```sh\nrm -rf ") == [CodeBlock("rm -rf \n", "sh", closed=False)]


def test_inline_backticks_and_a_longer_closing_line() -> None:
    text = "use ```a``` inline\n```\n```not a close\nz\n`````\nafter"
    assert code_blocks(text) == [CodeBlock("```not a close\nz\n", "")]
    assert code_blocks("no code here") == []


def test_empty_block_and_line_count() -> None:
    (block,) = code_blocks("```\n```")
    assert block == CodeBlock("", "") and block.lines == 0
    assert code_blocks("```py title=x\na\nb\n```")[0].lines == 2
