"""The chat REPL in-process: scripted lines in, the emulator answering, the screen checked.

Every prompt (chat, browser, file manager) reads from one ScriptedReader, so these tests drive
the same wiring as `mistral-chat chat` (cli.chat) without a terminal; the pseudo-terminal test
is tests/cli/test_chat_pty.py.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mistral_chat.cli.chat import _Interactive
from mistral_chat.cli.context import AppContext
from mistral_chat.emulator import Emulator
from mistral_chat.repl.prompt import ScriptedReader
from mistral_chat.services.images import test_image
from repl_support import repl_app


@dataclass
class Run:
    code: int
    out: str
    err: str
    reader: ScriptedReader

    @property
    def screen(self) -> str:
        return self.out + self.err


@pytest.fixture
def app(emulator: Emulator, mistral_home: Path) -> Iterator[AppContext]:
    yield from repl_app(emulator, mistral_home, width=120)


def run(
    app: AppContext, lines: list[str] | ScriptedReader, cwd: Path | None = None, **options: Any
) -> Run:
    args = argparse.Namespace(
        model=None, system=None, continue_=False, conversation=None, bare_start=False
    )
    for key, value in options.items():
        setattr(args, key, value)
    reader = lines if isinstance(lines, ScriptedReader) else ScriptedReader(lines)
    interactive = _Interactive(app, args, reader)
    if cwd is not None:
        interactive.cwd = cwd
    code = interactive.run()
    out = app.terminal.stdout.getvalue()  # type: ignore[attr-defined]
    err = app.terminal.stderr.getvalue()  # type: ignore[attr-defined]
    app.terminal.stdout.seek(0), app.terminal.stdout.truncate()
    app.terminal.stderr.seek(0), app.terminal.stderr.truncate()
    return Run(code, out, err, reader)


def chat_requests(emulator: Emulator) -> list[Any]:
    return [r for r in emulator.requests if r.path == "/v1/chat/completions"]


def test_a_message_streams_and_usage_follows(app: AppContext) -> None:
    result = run(app, ["hello there", "/quit"])
    assert result.code == 0
    assert "You said: hello there" in result.out
    assert "Messages: 1 (user 1)" in result.out
    assert re.search(
        r"^mistral-small-latest · 5 in, \d+ out · first token [\d.]+ s(?: · \d+ tokens/s)? · ~\$",
        result.err,
        re.M,
    )
    assert result.reader.prompts[0] == "mistral-small-latest> "
    assert result.out.rstrip().endswith("bye")


def test_ctrl_d_leaves_and_ctrl_c_asks_first(app: AppContext) -> None:
    assert run(app, []).code == 0
    result = run(app, ["^C", "n", "still here", "^C", "y"])
    assert result.code == 0
    assert result.reader.prompts.count("leave the chat? [y/N] ") == 2
    assert "You said: still here" in result.out


def test_model_switch_keeps_the_conversation(app: AppContext, emulator: Emulator) -> None:
    result = run(app, ["one", "/model codestral-latest", "/model", "two"])
    assert "model: codestral-latest (the conversation is kept)" in result.out
    assert "model: codestral-2508, context 131,072" in result.out
    assert "Messages: 3 (user 2, assistant 1)" in result.out
    assert chat_requests(emulator)[-1].json["model"] == "codestral-latest"
    assert result.reader.prompts[-1] == "codestral-latest> "


def test_unknown_model_and_unknown_command_are_one_line(app: AppContext) -> None:
    result = run(app, ["/model gpt-4", "/frobnicate", "/s x"])
    assert "error: unknown model 'gpt-4'; /models lists them" in result.err
    assert "error: unknown command /frobnicate; /help lists the commands" in result.err
    assert "error: /s could be /system, /set or /search; type more of it" in result.err


def test_help_lists_every_command(app: AppContext) -> None:
    out = run(app, ["/help", "/help retry"]).out
    for name in ("/model", "/models", "/system", "/set", "/image", "/attach", "/files",
                 "/clear", "/retry", "/undo", "/usage", "/history", "/resume", "/quit"):  # fmt: skip
        assert name in out
    assert "ask again for the last answer" in out


def test_system_set_and_clear_keeps_system(app: AppContext, emulator: Emulator) -> None:
    result = run(
        app,
        [
            "/system Answer briefly.",
            "/set temperature 0.2",
            "/set seed 7",
            "/set safe_prompt on",
            "/set max_tokens 50",
            "/set top_p 0.9",
            "/set",
            "first",
            "/clear",
            "second",
        ],
    )
    assert "System: Answer briefly." in result.out
    sent = chat_requests(emulator)[-1].json
    assert sent["temperature"] == 0.2 and sent["random_seed"] == 7 and sent["safe_prompt"]
    assert sent["max_tokens"] == 50 and sent["top_p"] == 0.9
    assert "options: temperature=0.2, random_seed=7" in result.out
    assert "conversation cleared" in result.out
    assert result.out.count("Messages: 2 (system 1, user 1)") == 2


def test_bad_options_are_refused(app: AppContext) -> None:
    err = run(app, ["/set temperature 9", "/set top_p 0", "/set colour red", "/set seed"]).err
    assert "error: temperature must be between 0 and 1.5" in err
    assert "error: top_p must be greater than 0" in err
    assert "error: unknown option 'colour'" in err
    assert "error: /set seed needs a value" in err


def test_test_image_is_described_by_size_and_colour(app: AppContext) -> None:
    result = run(app, ["/image test red 64x48", "what is this?", "and now?"])
    assert "attached test-red-64x48.png (image 64x48)" in result.out
    assert "Image 1: PNG 64x48, dominant colour red (#ff0000), sent as data URI image/png" in (
        result.out
    )
    # sent once: the next message goes without it
    assert result.out.count("Image 1:") == 1


def test_image_rules_match_ask(app: AppContext, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a picture\n")
    (tmp_path / "blob.bmp").write_bytes(b"BM" + b"\0" * 60)
    result = run(
        app,
        [
            "/image missing.png",
            "/image notes.txt",
            "/image test chartreuse-ish",
            "/image test red 0x5",
            "/model codestral-latest",
            "/image test",
            "look",
        ],
        cwd=tmp_path,
    )
    err = result.err
    assert "error: no such file: " in err and "missing.png" in err
    assert "notes.txt is not an image; use /attach for documents" in err
    assert "error: unknown colour 'chartreuse-ish'" in err
    assert "error: invalid size '0x5'" in err
    assert "codestral-latest cannot read images" in err
    assert "attached: [1] test-red-100x100.png" in result.out  # kept for another model


def test_at_most_eight_images(app: AppContext) -> None:
    lines = [f"/image test red {n}x{n}" for n in range(1, 10)]
    err = run(app, lines).err
    assert "9 images in one message; the API takes at most 8" in err


def test_document_upload_and_uploaded_image(app: AppContext, tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 40 + b"\n%%EOF\n")
    (tmp_path / "blue.png").write_bytes(test_image("blue", (32, 16)).data)
    result = run(
        app,
        ["/attach report.pdf", "/image upload blue.png", "/attach", "read these", "/attach"],
        cwd=tmp_path,
    )
    assert "Document 1: report.pdf (56 bytes, application/pdf) via signed URL" in result.out
    assert "Image 1: PNG 32x16, dominant colour blue (#0000ff), via signed URL" in result.out
    assert "attached: [1] " in result.out and "[2] blue.png" in result.out
    assert result.out.rstrip().count("nothing attached") == 1


def test_detach(app: AppContext) -> None:
    result = run(app, ["/detach", "/image test", "/image test blue", "/detach 1", "/detach 5",
                       "/detach", "hi"])  # fmt: skip
    assert "error: nothing is attached" in result.err
    assert "dropped test-red-100x100.png" in result.out
    assert "error: no attachment 5; they are numbered 1 to 1" in result.err
    assert "Image 1" not in result.out


def test_undo_retry_and_usage(app: AppContext, emulator: Emulator) -> None:
    before = len(chat_requests(emulator))
    result = run(app, ["/undo", "/retry", "one", "two", "/undo", "/retry", "/usage", "three"])
    assert "error: nothing to undo" in result.err
    assert "error: nothing to retry" in result.err
    assert "removed the last exchange (2 messages)" in result.out
    # /retry re-asks "one": the same 1 user message, answered again
    assert result.out.count("You said: one") == 2
    assert "Messages: 3 (user 2, assistant 1)" in result.out  # "three" after one+answer
    assert len(chat_requests(emulator)) - before == 4
    assert "session: " in result.out and " tokens" in result.out


def test_errors_roll_back_and_the_session_goes_on(app: AppContext, emulator: Emulator) -> None:
    emulator.inject("status", status=429, retry_after=1, path="/v1/chat")
    emulator.inject("status", status=503, path="/v1/chat")
    emulator.inject("html", path="/v1/chat")
    result = run(app, ["a", "b", "c", "d"])
    assert "error: the API rate-limited this key (429)" in result.err
    assert "failed (503" in result.err and "failed (502" in result.err
    assert "Traceback" not in result.screen
    # the three failed turns left nothing behind
    assert "You said: d" in result.out and "Messages: 1 (user 1)" in result.out


def test_a_cut_stream_keeps_the_partial_answer(app: AppContext, emulator: Emulator) -> None:
    emulator.inject("cut", after_chunks=2, path="/v1/chat")
    result = run(app, ["cut me", "next"])
    assert "You said" in result.out  # what arrived is on screen
    assert "error: the answer from" in result.err and "partial answer was kept" in result.err
    assert "Messages: 3 (user 2, assistant 1)" in result.out
    conv = app.history().latest_conversation()
    assert conv is not None
    statuses = [m.status for m in app.history().get_conversation(conv.id).messages]
    assert "interrupted" in statuses


def test_history_resume_continue_and_conversation(app: AppContext) -> None:
    run(app, ["first conversation"])
    first = app.history().latest_conversation()
    assert first is not None
    result = run(app, ["/history", f"/resume {first.id[:8]}", "more", "/resume nope"])
    assert first.id in result.out and "first conversation" in result.out
    assert f"resumed {first.id} (2 messages)" in result.out
    assert "Messages: 3 (user 2, assistant 1)" in result.out
    assert "error: " in result.err and "nope" in result.err
    latest = run(app, ["again"], continue_=True)
    assert "Messages: 5 (user 3, assistant 2)" in latest.out
    by_id = run(app, ["by id"], conversation=first.id, model="codestral-latest")
    assert "Messages: 7 (user 4, assistant 3)" in by_id.out
    assert by_id.reader.prompts[0] == "codestral-latest> "


def test_models_browser_from_the_chat(app: AppContext, emulator: Emulator) -> None:
    result = run(app, ["/models", "c vision", "s id", "z 2", "n", "3", "hi"])
    assert "sorted by id asc, capability vision" in result.out
    assert "Chat models: page 2 of " in result.out
    assert "(the conversation is kept)" in result.out
    model = chat_requests(emulator)[-1].json["model"]
    assert result.reader.prompts[-1] == f"{model}> "


def test_bare_start_opens_the_browser_first(app: AppContext) -> None:
    quit_early = run(app, ["q"], bare_start=True)
    assert quit_early.code == 0 and "Chat models: page 1 of " in quit_early.out
    assert quit_early.reader.prompts == ["models> "]
    chosen = run(app, ["codestral-latest", "hi"], bare_start=True)
    assert chosen.reader.prompts[1] == "codestral-2508> "


_MISSING_ID = "00000000-0000-4000-8000-000000000000"


def test_file_manager(app: AppContext, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello files\n")
    lines = ["/files", "", "upload notes.txt", "list", "url .", "url . 2", "url . x",
             "download . copy.txt", "download .", "n", "delete .", "n", "delete .", "y",
             "delete .", f"delete {_MISSING_ID}", "y", "frob", "upload nothere.txt", "back",
             "/quit"]  # fmt: skip
    result = run(app, lines, cwd=tmp_path)
    assert result.out.count("files: 1 upload  2 list") == 2  # an empty line shows the menu
    assert "uploaded notes.txt: " in result.out
    assert "Files (" in result.out and "notes.txt" in result.out
    assert "/_signed/" in result.out
    assert "error: expiry must be a number of hours" in result.err
    assert (tmp_path / "copy.txt").read_text() == "hello files\n"
    assert "not downloaded" in result.out  # notes.txt exists: not overwritten
    assert "not deleted" in result.out and "deleted " in result.out
    # `.` no longer names the deleted file
    assert "error: give a file id (`list` shows them)" in result.err
    assert "(404)" in result.err  # no such file
    assert "error: unknown choice 'frob'" in result.err
    assert "error: no such file: nothere.txt" in result.err


def test_file_manager_odd_input_is_one_line(app: AppContext, tmp_path: Path) -> None:
    (tmp_path / "my notes.txt").write_text("spaces in the name\n")
    lines = ["/files", "upload my notes.txt", "upload 'my notes.txt' ocr", "upload",
             "my notes.txt", 'upload "my notes.txt', "download a/b", "url a/b", "url . 0",
             "url . 169", "delete ../x", "download . 'copy of notes.txt'", "back", "still here"]  # fmt: skip
    result = run(app, lines, cwd=tmp_path)
    assert "internal error" not in result.err
    assert result.out.count("uploaded my notes.txt: ") == 3
    assert "error: cannot read the path: No closing quotation" in result.err
    assert result.err.count("error: invalid file id 'a/b'; `list` shows them") == 2
    assert "error: invalid file id '../x'; `list` shows them" in result.err
    assert result.err.count("error: expiry must be from 1 to 168 hours") == 2
    assert (tmp_path / "copy of notes.txt").read_text() == "spaces in the name\n"
    assert "You said: still here" in result.out


def test_a_bug_in_the_file_manager_does_not_end_the_program(
    app: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_chat.repl.file_manager import FileManager

    def broken(manager: Any, arg: str) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(FileManager, "do_list", broken)
    # from the browser that opens first: an exception escaping it would end the program
    result = run(app, ["m", "list", "back", "codestral-latest", "hi"], bare_start=True)
    assert result.code == 0
    assert "error: internal error: KeyError" in result.err
    assert "You said: hi" in result.out


def test_ctrl_c_mid_answer_keeps_the_partial_answer(
    app: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_chat.render.markdown import StreamingMarkdown

    feed = StreamingMarkdown.feed
    seen: list[str] = []

    def interrupted_feed(self: StreamingMarkdown, chunk: str) -> None:
        seen.append(chunk)
        if len(seen) == 5:
            raise KeyboardInterrupt  # as if Ctrl-C landed while the 5th chunk was drawn
        feed(self, chunk)

    monkeypatch.setattr(StreamingMarkdown, "feed", interrupted_feed)
    result = run(app, ["emulator:markdown 300", "next"])
    assert "[interrupted; the partial answer is kept]" in result.err
    assert "Messages: 3 (user 2, assistant 1)" in result.out
    conv = app.history().latest_conversation()
    assert conv is not None
    answer = app.history().get_conversation(conv.id).messages[1]
    assert answer.status == "interrupted"
    assert answer.content and "".join(seen[:4]) in answer.content[0]["text"]


def test_ctrl_c_before_the_first_token_rolls_the_turn_back(
    app: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mistral_chat.api._sync.chat import Chat

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(Chat, "stream", interrupted)
        result = run(app, ["never answered"])
    assert "interrupted before the answer began" in result.err
    assert "Messages: 1 (user 1)" in run(app, ["fresh"]).out


def test_an_unexpected_bug_is_one_line(app: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    from mistral_chat.repl.session import ChatRepl

    def broken(repl: Any) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(ChatRepl, "show_model", broken)
    result = run(app, ["/model", "still alive"])
    assert "error: internal error: KeyError" in result.err
    assert "You said: still alive" in result.out


def test_a_deprecated_model_is_flagged(app: AppContext) -> None:
    result = run(app, ["/model magistral-medium-2509"])
    assert "warning: magistral-medium-2509 is deprecated (retired 2026-07-31)" in result.err
    assert "use mistral-medium-latest" in result.err


def test_continue_keeps_the_conversations_model(app: AppContext) -> None:
    run(app, ["/model codestral-latest", "first"])
    again = run(app, ["again"], continue_=True)
    assert again.reader.prompts[0] == "codestral-latest> "
    assert "Messages: 3 (user 2, assistant 1)" in again.out


def test_unknown_model_is_refused_even_from_a_fresh_cache(app: AppContext) -> None:
    run(app, ["/models", "q"])  # the list is now cached
    result = run(app, ["/model no-such-model", "/model mistral-small-latest"])
    assert "error: unknown model 'no-such-model'" in result.err
    assert result.reader.prompts[-1] == "mistral-small-latest> "


def test_attachments_are_listed_once_and_uploads_noted_once(
    app: AppContext, tmp_path: Path
) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    result = run(app, ["/attach report.pdf", "/attach", "/image test", "read"], cwd=tmp_path)
    assert result.out.count("attached report.pdf (document application/pdf)") == 1
    assert result.out.count("attached: [1] report.pdf") == 2  # /attach, then the 2-item reminder
    assert result.err.count("uploading report.pdf") == 1
    assert result.err.count("uploaded report.pdf") == 1


def test_a_text_file_goes_inline_without_an_upload(
    app: AppContext, tmp_path: Path, emulator: Emulator
) -> None:
    (tmp_path / "notes.md").write_text("# Plan\n\n- ship it\n")
    start = len(emulator.requests)
    result = run(app, ["/attach notes.md", "summarise"], cwd=tmp_path)
    assert "attached notes.md (text text/markdown, sent inline)" in result.out
    assert "uploading" not in result.err
    sent = [r for r in emulator.requests[start:] if r.path != "/v1/models"]
    assert [r.path for r in sent] == ["/v1/chat/completions"]  # no upload
    assert sent[0].json["messages"][-1]["content"] == [
        {"type": "text", "text": "summarise"},
        {"type": "text", "text": "File: notes.md\n```md\n# Plan\n\n- ship it\n```"},
    ]


def test_history_refuses_a_bad_count(app: AppContext) -> None:
    assert "error: usage: /history [N]" in run(app, ["/history abc"]).err


def test_odd_numbers_are_one_line_errors(app: AppContext) -> None:
    # "²" passes str.isdigit() but not int(); a count past SQLite's integers overflowed: both
    # were internal errors
    result = run(app, ["hi", "/image test", "/detach ²", "/history ²", "/history " + "9" * 30])
    assert "internal error" not in result.err
    assert "error: no attachment ²; they are numbered 1 to 1" in result.err
    assert "error: usage: /history [N] (N a number of conversations), got '²'" in result.err
    assert "/resume ID continues one" in result.out  # the huge count lists them all


def test_thinking_toggles_and_reasoning_effort_is_sent(app: AppContext, emulator: Emulator) -> None:
    start = len(chat_requests(emulator))
    lines = ["Why?", "/thinking on", "Why again?", "/thinking maybe", "/thinking"]
    lines += ["/model mistral-medium-latest", "/set reasoning_effort minimal", "Third", "/quit"]
    result = run(app, lines, model="magistral-medium-latest")
    reasoning = "The user sent 1 message(s). I will describe"
    assert reasoning not in result.err  # hidden by default
    assert "The user sent 3 message(s). I will describe" in result.err  # shown after /thinking on
    assert "error: usage: /thinking [on|off], got 'maybe'" in result.err
    assert "reasoning is shown" in result.out and "reasoning_effort = minimal" in result.out
    sent = chat_requests(emulator)[start:]
    assert [r.json.get("reasoning_effort") for r in sent] == [None, None, "minimal"]
    # the first answer's reasoning was not sent back with the second question
    assert all("I will describe" not in json.dumps(r.json["messages"]) for r in sent)


def test_chat_thinking_flag_shows_reasoning_from_the_start(app: AppContext) -> None:
    result = run(app, ["Why?", "/quit"], model="magistral-medium-latest", thinking=True)
    assert "The user sent 1 message(s). I will describe" in result.err


def test_export_writes_the_conversation_and_never_overwrites(
    app: AppContext, tmp_path: Path
) -> None:
    early = run(app, ["/export", "/quit"], cwd=tmp_path)
    assert "error: nothing to export: this conversation is not in the history yet" in early.err
    result = run(
        app, ["hello export", "/export", "/export notes.json", "/export notes.json"], cwd=tmp_path
    )
    conv_id = app.history().list_conversations(limit=1)[0].id
    md = (tmp_path / f"{conv_id}.md").read_text()
    assert md.startswith("# hello export\n") and "You said: hello export" in md
    doc = json.loads((tmp_path / "notes.json").read_text())
    assert doc["conversation"]["id"] == conv_id and len(doc["messages"]) == 2
    assert f"exported to {tmp_path / 'notes.json'}" in result.out
    assert "notes.json already exists; give another path (nothing was written)" in result.err


def test_help_wraps_between_words_to_the_window() -> None:
    from mistral_chat.repl.commands import REGISTRY, help_table

    rows = [(c.usage, c.summary) for c in REGISTRY.commands()]
    words = " ".join(summary for _, summary in rows).split()
    for width in (200, 110, 80, 40):
        lines = help_table(rows, width)
        assert all(len(line) <= width for line in lines), width
        assert " ".join(lines).split()[-1] == "leaves."
        shown = " ".join(lines).split()
        assert all(word in shown for word in words), width  # nothing cut mid-word
    assert len(help_table(rows, 200)) == len(rows) + 1  # wide: one line each


def test_start_warns_about_an_unknown_or_deprecated_model(app: AppContext) -> None:
    unknown = run(app, ["/quit"], model="no-such-model-7")
    assert unknown.code == 0
    assert "warning: no-such-model-7 is not in the API's model list; /models lists them" in (
        unknown.err
    )
    old = run(app, ["/quit"], model="magistral-medium-2509")
    assert re.search(
        r"warning: magistral-medium-2509 is deprecated \(retire[sd] 2026-07-31\)", old.err
    )
    fine = run(app, ["/quit"], model="mistral-small-latest")
    assert "warning" not in fine.err


def test_search_finds_old_answers_from_the_chat(app: AppContext) -> None:
    run(app, ["Tell me about the **zucchini** harvest"])
    result = run(app, ["/search zucchini", "/search", "/search nothingmatchesthis"])
    lines = result.out.splitlines()
    hits = [line for line in lines if "**zucchini**" in line]
    # the user's line and the emulator's answer (which repeats it), never `****zucchini****`
    assert {"user", "assistant"} <= {line.split()[3] for line in hits}, result.out
    assert "****" not in result.out and "/resume ID continues one" in result.out
    assert "error: usage: /search TEXT" in result.err
    assert "no message matches 'nothingmatchesthis'" in result.out


def test_answers_that_end_early_say_why(app: AppContext, emulator: Emulator) -> None:
    result = run(app, ["/set max_tokens 3", "tell me a long story"])
    assert "warning: the answer was cut at the max_tokens limit; raise it with /set max_tokens" in (
        result.err
    )
    emulator.inject("stream_error", after_chunks=4, path="/v1/chat/completions")
    result = run(app, ["emulator:markdown 40", "/history 1"])
    assert "the server reported an error: Internal server error while generating" in result.err
    assert "the partial answer was kept" in result.err and result.code == 0


def test_an_attachment_gone_from_disk_says_how_to_drop_it(app: AppContext, tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# soon gone\n")
    (tmp_path / "dot.png").write_bytes(test_image("red", (8, 8)).data)

    class DeletesBeforeSending(ScriptedReader):
        """Deletes notes.md once attached, as a user might in another window."""

        def __call__(self, prompt: str) -> str:
            line = super().__call__(prompt)
            if line == "read" and notes.exists():
                notes.unlink()
            return line

    reader = DeletesBeforeSending(
        ["/attach notes.md", "/image dot.png", "read", "/detach 1", "read"]
    )
    result = run(app, reader, cwd=tmp_path)
    assert "notes.md: No such file or directory; /detach N drops attachment N" in result.err
    assert "Image 1: PNG 8x8" in result.out  # after /detach 1 the image goes alone
