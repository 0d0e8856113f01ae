from __future__ import annotations

import pytest

from mistral_chat.render._blocks import Block, BlockSplitter, split_blocks


def kinds(text: str) -> list[str]:
    return [b.kind for b in split_blocks(text)]


def test_paragraphs_end_at_blank_lines() -> None:
    assert split_blocks("one\ntwo\n\nthree\n") == [
        Block("one\ntwo", "para"),
        Block("three", "para"),
    ]


@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_blank_lines_inside_a_fence_do_not_split_it(fence: str) -> None:
    text = f"{fence}python\nx = 1\n\n\ny = 2\n{fence}\nafter\n"
    assert split_blocks(text) == [
        Block(f"{fence}python\nx = 1\n\n\ny = 2\n{fence}", "fence"),
        Block("after", "para"),
    ]


def test_a_fence_closes_only_with_its_own_kind_and_length() -> None:
    text = "````\n```\n~~~\n````\n"
    assert split_blocks(text) == [Block("````\n```\n~~~\n````", "fence")]


def test_inline_backticks_are_not_a_fence() -> None:
    assert kinds("```not a fence``` here\nmore\n") == ["para"]


def test_headings_end_at_their_newline() -> None:
    assert split_blocks("# Title\ntext\n## Sub\n") == [
        Block("# Title", "heading"),
        Block("text", "para"),
        Block("## Sub", "heading"),
    ]


def test_setext_heading_and_thematic_break() -> None:
    assert kinds("Title\n=====\n\n---\n\npara\n---\n") == ["heading", "hr", "heading"]


def test_nested_and_loose_lists_stay_one_block() -> None:
    text = "- a\n  - nested\n\n  more of a\n- b\n\n1. c\n\nafter\n"
    assert split_blocks(text) == [
        Block("- a\n  - nested\n\n  more of a\n- b\n\n1. c", "list"),
        Block("after", "para"),
    ]


def test_a_fence_inside_a_list_item_belongs_to_the_list() -> None:
    text = "- item\n\n  ```\n  code\n\n  more\n  ```\n- next\n\nend\n"
    assert kinds(text) == ["list", "para"]


def test_tables_are_one_block() -> None:
    text = "| a | b |\n|---|---|\n| 1 | 2 |\n\nafter\n"
    assert split_blocks(text)[0] == Block("| a | b |\n|---|---|\n| 1 | 2 |", "para")


def test_indented_code_keeps_its_blank_lines() -> None:
    assert kinds("    a\n\n    b\nnext\n") == ["icode", "para"]


def test_crlf_is_normalised_even_split_across_chunks() -> None:
    splitter = BlockSplitter()
    blocks = splitter.feed("one\r")
    blocks += splitter.feed("\n\r\ntwo\r\n")
    blocks += splitter.close()
    assert blocks == [Block("one", "para"), Block("two", "para")]


def test_feeding_one_character_at_a_time_gives_the_same_blocks() -> None:
    text = "# T\n\npara *x*\n\n```py\nx\n\ny\n```\n- a\n\n- b\n\n> q\n"
    splitter = BlockSplitter()
    blocks = [b for ch in text for b in splitter.feed(ch)] + splitter.close()
    assert blocks == split_blocks(text)


def test_tail_is_the_unfinished_part() -> None:
    splitter = BlockSplitter()
    assert splitter.feed("done\n\nopen line\npart") == [Block("done", "para")]
    assert splitter.tail() == "open line\npart"
    assert splitter.partial == "part"


def test_an_unclosed_fence_runs_to_the_end() -> None:
    assert split_blocks("```\ncode") == [Block("```\ncode", "fence")]
