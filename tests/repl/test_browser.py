"""The model browser: its pure state, the command parser, and the loop over a scripted reader."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest

from mistral_chat.render.console import Terminal
from mistral_chat.repl.browser import (
    BrowserAction,
    BrowserError,
    BrowserState,
    ModelBrowser,
    parse_browser_command,
)
from mistral_chat.repl.prompt import ScriptedReader
from mistral_chat.services.catalog import ModelInfo, bundled_models


def model(
    mid: str,
    family: str,
    caps: list[str],
    ctx: int,
    created: date,
    aliases: list[str] | None = None,
) -> ModelInfo:
    return ModelInfo(
        id=mid,
        name=mid.replace("-", " ").title(),
        family=family,
        capabilities=caps,
        context_length=ctx,
        created=created,
        deprecated=None,
        replacement=None,
        aliases=aliases or [],
        description=None,
    )


MODELS = [
    model("mistral-small-2603", "mistral-small", ["completion_chat", "vision"], 262144,
          date(2026, 3, 16), ["mistral-small-latest"]),
    model("mistral-large-2512", "mistral-large", ["completion_chat", "vision"], 262144,
          date(2025, 12, 2)),
    model("codestral-2508", "codestral", ["completion_chat", "completion_fim"], 131072,
          date(2025, 7, 30), ["codestral-latest"]),
    model("mixtral-8x7b", "mixtral", ["completion_chat"], 32768, date(2023, 12, 11)),
    model("pixtral-12b", "pixtral", ["completion_chat", "vision"], 131072, date(2024, 9, 17)),
]  # fmt: skip


def ids(state: BrowserState) -> list[str]:
    return [m.id for m in state.view().items]


def test_default_is_newest_first_and_paged() -> None:
    state = BrowserState(MODELS, page_size=2)
    assert ids(state) == ["mistral-small-2603", "mistral-large-2512"]
    assert state.view().pages == 3
    state = state.next_page().next_page()
    assert ids(state) == ["mixtral-8x7b"]
    with pytest.raises(BrowserError, match="last page"):
        state.next_page()
    assert ids(state.prev_page()) == ["codestral-2508", "pixtral-12b"]
    with pytest.raises(BrowserError, match="first page"):
        BrowserState(MODELS).prev_page()


def test_sort_keys_and_toggle() -> None:
    state = BrowserState(MODELS).sorted_by("id")
    assert ids(state)[0] == "codestral-2508" and not state.descending
    assert ids(state.sorted_by("id"))[0] == "pixtral-12b"  # same key again: reversed
    assert ids(state.toggled_order())[0] == "pixtral-12b"
    by_context = BrowserState(MODELS).sorted_by("context")
    assert by_context.sort_key == "context_length" and by_context.descending
    assert ids(by_context)[-1] == "mixtral-8x7b"
    assert ids(BrowserState(MODELS).sorted_by("name"))[0] == "codestral-2508"
    assert not BrowserState(MODELS).sorted_by("price").descending  # cheapest first
    with pytest.raises(BrowserError, match="cannot sort by 'size'"):
        state.sorted_by("size")


def test_filters_reuse_catalog_groups_and_aliases() -> None:
    state = BrowserState(MODELS)
    assert sorted(m.id for m in state.with_family("mistral").visible()) == [
        "mistral-large-2512",
        "mistral-small-2603",
    ]
    assert ids(state.with_family("mixtral")) == ["mixtral-8x7b"]
    assert ids(state.with_family("mixtral").with_family("all"))[0] == "mistral-small-2603"
    vision = state.with_capability("vision")
    assert {m.id for m in vision.visible()} == {
        "mistral-small-2603",
        "mistral-large-2512",
        "pixtral-12b",
    }
    assert ids(state.with_capability("fim")) == ["codestral-2508"]
    assert state.with_capability("none").capability is None
    with pytest.raises(BrowserError, match="unknown capability"):
        state.with_capability("telepathy")
    with pytest.raises(BrowserError, match="no chat models with the capability 'ocr'"):
        state.with_capability("ocr")
    with pytest.raises(BrowserError, match="no chat models in family 'voxtral'"):
        state.with_family("voxtral")


def test_filter_and_sort_reset_to_the_first_page() -> None:
    state = BrowserState(MODELS, page_size=2).next_page()
    assert state.sorted_by("id").page == 1
    assert state.with_capability("chat").page == 1


def test_page_size_keeps_the_first_row_in_view() -> None:
    state = BrowserState(MODELS, page_size=2).next_page()  # rows 3-4
    resized = state.with_page_size("3")
    assert resized.page == 1 and ids(resized)[2] == "codestral-2508"
    assert BrowserState(MODELS).with_page_size("1").view().pages == 5
    for bad in ("0", "x", "-3", "100000"):
        with pytest.raises(BrowserError, match="page size"):
            state.with_page_size(bad)


def test_select_by_number_id_alias_and_prefix() -> None:
    state = BrowserState(MODELS, page_size=2).sorted_by("id")
    assert state.select("1").id == "codestral-2508"
    assert state.select("5").id == "pixtral-12b"  # numbers run across pages
    assert state.select("mistral-large-2512").id == "mistral-large-2512"
    assert state.select("mistral-small-latest").id == "mistral-small-2603"
    assert state.select("pix").id == "pixtral-12b"
    with pytest.raises(BrowserError, match="several models"):
        state.select("mi")
    with pytest.raises(BrowserError, match="no model number 9"):
        state.select("9")
    with pytest.raises(BrowserError, match="unknown command or model"):
        state.select("gpt-4")


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("n", BrowserAction("next")),
        ("next", BrowserAction("next")),
        ("P", BrowserAction("prev")),
        ("s context_length", BrowserAction("sort", "context_length")),
        ("sort", BrowserAction("sort")),
        ("o", BrowserAction("order")),
        ("f  mixtral ", BrowserAction("family", "mixtral")),
        ("cap vision", BrowserAction("capability", "vision")),
        ("z 20", BrowserAction("size", "20")),
        ("page-size 7", BrowserAction("size", "7")),
        ("m", BrowserAction("files")),
        ("q", BrowserAction("quit")),
        ("3", BrowserAction("select", "3")),
        ("codestral-latest", BrowserAction("select", "codestral-latest")),
        ("", BrowserAction("redraw")),
    ],
)
def test_parse_commands(text: str, action: BrowserAction) -> None:
    assert parse_browser_command(text) == action


def terminal() -> Terminal:
    return Terminal(stdout=io.StringIO(), stderr=io.StringIO(), width=120)


def test_loop_keys_and_words_then_select() -> None:
    term = terminal()
    opened: list[bool] = []
    reader = ScriptedReader(["s", "id", "c", "vision", "z 1", "n", "bogus", "m", "2"])
    browser = ModelBrowser(
        term, BrowserState(MODELS), reader, open_files=lambda: opened.append(True)
    )
    chosen = browser.run()
    assert chosen is not None and chosen.id == "mistral-small-2603"
    out, err = term.stdout.getvalue(), term.stderr.getvalue()  # type: ignore[attr-defined]
    assert "sorted by id asc, capability vision" in out
    assert "Chat models: page 2 of 3, 3 models" in out
    assert "error: unknown command or model 'bogus'" in err
    assert opened == [True]
    # the choices on a line of their own, then a prompt short enough to leave room to type
    assert "sort by: created context_length id name price\n" in out
    assert reader.prompts[:4] == ["models> ", "sort> ", "models> ", "capability> "]


def test_loop_quit_ctrl_c_and_ctrl_d_return_none() -> None:
    for script in (["q"], ["^C"], []):
        assert ModelBrowser(terminal(), BrowserState(MODELS), ScriptedReader(script)).run() is None


def test_a_cancelled_argument_question_changes_nothing() -> None:
    term = terminal()
    browser = ModelBrowser(term, BrowserState(MODELS), ScriptedReader(["s", "^C", "q"]))
    assert browser.run() is None
    assert browser.state.sort_key == "created"


def test_bundled_list_draws_with_deprecations() -> None:
    term = terminal()
    state = BrowserState(bundled_models(), page_size=50)
    ModelBrowser(term, state, ScriptedReader([])).draw()
    out = term.stdout.getvalue()  # type: ignore[attr-defined]
    assert "codestral-2508" in out and "128k" in out
    assert any(m.deprecated for m in state.models)
    assert re.search(r"retire[ds] 20\d\d-\d\d-\d\d -> ", out)


def test_long_lines_wrap_between_items() -> None:
    from mistral_chat.repl.browser import FOOTER_ITEMS, wrap_items

    text = wrap_items(FOOTER_ITEMS, 40)
    assert all(len(line) <= 40 for line in text.split("\n"))
    assert text.replace("\n", "  ") == "  ".join(FOOTER_ITEMS)  # no item is cut
    assert "\n" not in wrap_items(FOOTER_ITEMS, 200)


def test_narrow_windows_drop_columns_but_never_cut_ids() -> None:
    from mistral_chat.repl.browser import fit_columns

    columns = ["#", "id", "context", "created", "capabilities", "status"]
    rows = [["1", "mistral-moderation-2603", "128k", "2026-03-01", "classification moderation",
             "retired 2026-07-31 -> mistral-medium-latest"]]  # fmt: skip
    assert fit_columns(columns, rows, 120) == [0, 1, 2, 3, 4, 5]
    narrow = [columns[i] for i in fit_columns(columns, rows, 64)]
    assert "id" in narrow and "created" not in narrow
    assert [columns[i] for i in fit_columns(columns, rows, 20)] == ["#", "id"]


def test_the_table_fits_the_window() -> None:
    out = io.StringIO()
    term = Terminal(stdout=out, stderr=io.StringIO(), color=True, stdout_isatty=True, width=64)
    models = [
        model("mistral-moderation-2603", "mistral-moderation", ["moderation"], 131072,
              date(2026, 3, 1)),
        model("ft:mistral-small-latest:abc123:20250101:a1b2c3d4", "fine-tuned",
              ["completion_chat", "vision"], 131072, date(2025, 1, 1)),
    ]  # fmt: skip
    ModelBrowser(term, BrowserState(models), ScriptedReader(["q"])).run()
    import re

    lines = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue()).split("\n")
    assert max(len(line) for line in lines) <= 64
    assert any("ft:mistral-small-latest:abc123:20250101:a1b2c3d4" in line for line in lines)


def test_a_window_too_narrow_for_a_box_lists_numbers_and_ids() -> None:
    out = io.StringIO()
    term = Terminal(stdout=out, stderr=io.StringIO(), color=True, stdout_isatty=True, width=26)
    models = [
        model("mistral-medium-3-5-2604", "mistral-medium", ["completion_chat"], 131072,
              date(2026, 4, 28)),
        model("ministral-8b-2512", "ministral", ["completion_chat"], 131072, date(2025, 12, 2)),
    ]  # fmt: skip
    ModelBrowser(term, BrowserState(models), ScriptedReader(["q"])).run()
    text = out.getvalue()
    # newest first; every row keeps its number, and ids stay whole
    assert "  1  mistral-medium-3-5-2604\n  2  ministral-8b-2512\n" in text
    assert "┃" not in text
    # a window where the table fits once long cells wrap still gets the table
    for width in (64, 90, 110, 133):
        out = io.StringIO()
        wide = Terminal(out, io.StringIO(), color=True, stdout_isatty=True, width=width)
        ModelBrowser(wide, BrowserState(models), ScriptedReader(["q"])).run()
        assert "┃" in out.getvalue(), width


def test_digits_that_are_not_numbers_are_one_line() -> None:
    # "²" is a digit to str.isdigit() but not to int(): it was an internal error that ended
    # the program when the browser opened first
    state = BrowserState(MODELS)
    with pytest.raises(BrowserError, match="unknown command or model '²'"):
        state.select("²")
    term = terminal()
    assert ModelBrowser(term, state, ScriptedReader(["²", "٢"])).run() == MODELS[1]
    assert "error: unknown command or model '²'" in term.stderr.getvalue()  # type: ignore[attr-defined]


OCR = model("mistral-ocr-4-1", "mistral-ocr", ["ocr"], 32768, date(2026, 7, 16),
            ["mistral-ocr-latest"])  # fmt: skip
MODERATION = model("mistral-moderation-2603", "mistral-moderation",
                   ["classification", "moderation"], 131072, date(2026, 3, 1))  # fmt: skip


def test_only_chat_models_are_offered_and_others_say_what_uses_them() -> None:
    state = BrowserState([*MODELS, OCR, MODERATION])
    assert {m.id for m in state.visible()} == {m.id for m in MODELS}  # OCR, moderation: not listed
    with pytest.raises(BrowserError) as refused:
        state.select("mistral-ocr-latest")  # typed by id (or alias) all the same
    assert str(refused.value) == (
        "mistral-ocr-4-1 is an OCR model and cannot chat: choose a chat model; "
        "in a shell, `mistral-chat ocr FILE` uses it"
    )
    with pytest.raises(BrowserError, match="`mistral-chat moderate TEXT` uses it"):
        state.select("mistral-moderation-2603")
    with pytest.raises(BrowserError) as none:
        state.with_capability("ocr")
    assert str(none.value) == (
        "no chat models with the capability 'ocr' (mistral-ocr-4-1: an OCR model, which cannot "
        "chat; in a shell, `mistral-chat ocr FILE` uses it)"
    )
    # a server that tells nothing of its models' capabilities (vLLM, Ollama): they are offered
    bare = ModelInfo("llama3", "llama3", "llama3", [], None, None, None, None, [], None)
    assert BrowserState([bare]).select("1") is bare


def test_the_price_column_shows_and_stays_when_sorted_by_price() -> None:
    priced = [replace(m, price_in=0.1 * (i + 1), price_out=0.3) for i, m in enumerate(MODELS)]
    for width, sort in ((120, "created"), (44, "price")):
        out = io.StringIO()
        term = Terminal(out, io.StringIO(), color=True, stdout_isatty=True, width=width)
        state = BrowserState(priced, sort_key=sort, descending=False)
        ModelBrowser(term, state, ScriptedReader(["q"])).draw()
        text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
        header = next(line for line in text.splitlines() if " id " in line)
        assert "price" in header, (width, text)
        assert "$0.1/$0.3" in text and max(len(line) for line in text.splitlines()) <= width
    assert "context" not in header  # at 44 columns the price is kept, the context goes
