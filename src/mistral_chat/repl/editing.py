"""The editing commands: /edit, /messages, /branch and /copy (registered in `commands.REGISTRY`).

- ``/edit`` writes the next message in $EDITOR, starting from the last one typed; ``/edit N``
  edits question N of this branch and resends it: the answer starts a new branch beside the
  old one, which the history keeps. An empty or unchanged text sends nothing.
- ``/messages`` numbers this branch's messages as ``history show`` does; ``/branch`` lists the
  branches, ``/branch N`` moves to one.
- ``/copy`` puts the last answer on the clipboard, ``/copy N`` its Nth code block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mistral_chat.repl.commands import REGISTRY, ChatRepl, CommandError

if TYPE_CHECKING:
    from mistral_chat.services.chat.branches import Listed
    from mistral_chat.storage import Branch

__all__ = ["branch", "copy", "edit", "messages"]

command = REGISTRY.command
_UNCHANGED = "unchanged; nothing sent"


@command(
    "/edit [N]",
    "write a message in $EDITOR (from the last one); N: edit question N, resend as a branch",
)
def edit(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.repl.editor import edit_text

    if not arg:
        start = repl.last_message or _last_question(repl)
        text = edit_text(start)
        if not text or text == start.rstrip():
            repl.terminal.out("empty message; nothing sent" if not text else _UNCHANGED)
            return
        repl.send(text)
        return
    from mistral_chat.services.chat.branches import editable_text, session_branches

    item = _question(repl, _number(arg, "/edit N"))
    assert item.turn is not None
    start = editable_text(repl.chat.turns[item.turn])
    text = edit_text(start)
    if text == start.rstrip():
        repl.terminal.out(f"{_UNCHANGED} (/retry asks again for the last answer)")
        return
    repl.edit(item.turn, text)
    found, mine = session_branches(repl.chat)
    if mine is not None:
        repl.terminal.out(
            f"branch {mine.number} of {len(found)}; /branch lists them, /branch N goes back"
        )
    elif repl.chat.store is None:
        repl.terminal.out("history is off: what followed the edited question is not kept")


@command("/messages", "this branch's messages, numbered (for /edit N)")
def messages(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.services.chat.branches import listing, session_branches

    listed = listing(repl.chat)
    if not listed:
        repl.terminal.out("no messages yet")
        return
    found, mine = session_branches(repl.chat)
    if mine is not None and len(found) > 1:
        repl.terminal.out(f"branch {mine.number} of {len(found)}")
    repl.terminal.refresh_size()
    for item in listed:
        others = f"  ({item.versions} versions: /branch)" if item.versions > 1 else ""
        head = f"{item.position:>3}  {_who(item.role):<9} "
        room = max(repl.terminal.width - len(head) - len(others) - 1, 10)
        repl.terminal.out(f"{head}{_line(item.text, room)}{others}")
    repl.terminal.out("/edit N edits question N and resends it as a new branch")


@command("/branch [N]", "list this conversation's branches, or go on from branch N")
def branch(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.services.chat import switch_branch
    from mistral_chat.services.chat.branches import session_branches

    found, mine = session_branches(repl.chat)
    unkept = "branches are kept in the history, and this conversation is not (history is off)"
    if arg:
        number = _number(arg, "/branch N")
        if repl.chat.store is None:
            raise CommandError(unkept)
        chosen = switch_branch(repl.chat, number)
        count = len(chosen.messages)
        repl.terminal.out(
            f"on branch {number} ({count} message{'s' * (count != 1)}); "
            "your next message goes on from its last one"
        )
        return
    if repl.chat.store is None:
        raise CommandError(unkept)
    if len(found) < 2:
        repl.terminal.out("this conversation has one branch; /edit N starts another")
        return
    repl.terminal.refresh_size()
    for b in found:
        mark = "*" if mine is not None and b.number == mine.number else " "
        repl.terminal.out(_branch_line(b, mark, repl.terminal.width))
    repl.terminal.out("/branch N goes on from branch N; * marks this one")


@command("/copy [N]", "copy the last answer, or its code block N, to the clipboard")
def copy(repl: ChatRepl, arg: str) -> None:
    from mistral_chat.repl.clipboard import copy as to_clipboard
    from mistral_chat.services.chat import text_of

    answer = next(
        (text_of(t.message["content"]) for t in reversed(repl.chat.turns) if t.role == "assistant"),
        "",
    )
    if not answer:
        raise CommandError("nothing to copy: there is no answer yet")
    text, what = answer, f"the last answer ({len(answer):,} characters)"
    if arg:
        from mistral_chat.render.code import code_blocks

        number = _number(arg, "/copy [N]")
        blocks = code_blocks(answer)
        if not blocks:
            raise CommandError("the last answer has no code block; /copy copies all of it")
        if number > len(blocks):
            have = "1 code block" if len(blocks) == 1 else f"{len(blocks)} code blocks"
            raise CommandError(f"the last answer has {have}; /copy 1 to /copy {len(blocks)}")
        block = blocks[number - 1]
        lines = f"{block.lines} line{'s' * (block.lines != 1)}"
        text, what = block.code, f"code block {number} ({block.language or 'text'}, {lines})"
    terminal = repl.terminal
    copied = to_clipboard(
        text,
        repl.clipboard,
        write=terminal.control,
        terminal=terminal.stdout_isatty,
    )
    how = "through the terminal (OSC 52)" if copied.via == "OSC 52" else f"with {copied.via}"
    note = f"copied {what} to the clipboard {how}"
    if not copied.sure:
        note += (
            "; if it is not there, this terminal ignores OSC 52: allow it in its settings, "
            "or install wl-copy, xclip or xsel"
        )
    terminal.out(note)


# -- helpers ------------------------------------------------------------------------------------


def _number(arg: str, usage: str) -> int:
    if not (arg.isdecimal() and int(arg) > 0):
        raise CommandError(f"usage: {usage} (N a number from 1), got {arg!r}")
    return int(arg)


def _question(repl: ChatRepl, number: int) -> Listed:
    from mistral_chat.services.chat.branches import listing

    listed = listing(repl.chat)
    questions = [str(x.position) for x in listed if x.role == "user" and x.turn is not None]
    if not questions:
        raise CommandError("there is no question to edit yet")
    which = f"questions are {', '.join(questions[:8])}{', ...' if len(questions) > 8 else ''}"
    if number > len(listed):
        raise CommandError(f"no message {number} in this branch; {which} (/messages)")
    item = listed[number - 1]
    if item.role != "user" or item.turn is None:
        raise CommandError(f"message {number} is not a question; {which} (/messages)")
    return item


def _last_question(repl: ChatRepl) -> str:
    from mistral_chat.services.chat.branches import editable_text

    turn = next((t for t in reversed(repl.chat.turns) if t.role == "user"), None)
    return editable_text(turn) if turn is not None else ""


def _who(role: str) -> str:
    return {"user": "you", "assistant": "answer"}.get(role, role)


def _line(text: str, room: int) -> str:
    """The first line of `text`, cut to `room` characters."""
    first = text.strip().splitlines()[0] if text.strip() else "(no text)"
    more = first != text.strip()
    if len(first) > room or more:
        first = first[: room - 1].rstrip() + "…"
    return first


def _branch_line(b: Branch, mark: str, width: int) -> str:
    count = len(b.messages)
    where = "the original" if b.fork is None else f"from message {b.fork}"
    latest = ", latest" if b.latest else ""
    head = f"{mark} {b.number:>2}  {count:>3} message{'s' * (count != 1)}  {where}{latest}: "
    shown = b.messages[(b.fork or 1) - 1]
    return head + _line(shown.text, max(width - len(head) - 1, 10))
