"""A conversation's branches, read from its messages' parent pointers (no SQL here).

Each message follows its ``parent_id`` (None: the first message). Resending an edited question
adds a message beside the one it replaces (same parent), so the messages form a tree; each leaf
ends one *branch*, the path from the first message to it.

Branches are numbered in the order they were made, which neither continuing nor reading them
changes: branch 1 is the original (at each fork it takes the oldest message), and every other
branch is dated by the newest fork on its path (the ``seq`` of the message that made it). The
*latest* branch holds the conversation's newest message: `-c` and `--conversation` continue it.

    >>> from mistral_chat.storage.records import Message
    >>> def m(i, parent):
    ...     return Message(i, "c", int(i[1:]), "user", [], "", "", parent_id=parent)
    >>> tree = [m("m1", None), m("m2", "m1"), m("m3", "m1"), m("m4", "m3")]
    >>> [([x.id for x in b.messages], b.latest) for b in branches(tree)]
    [(['m1', 'm2'], False), (['m1', 'm3', 'm4'], True)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mistral_chat.storage.errors import BranchNotFound, MessageNotFound
from mistral_chat.storage.records import Message

__all__ = ["Branch", "branches", "path_to", "select_branch"]


@dataclass(frozen=True)
class Branch:
    """One path through a conversation, from its first message to a leaf."""

    number: int
    messages: list[Message]
    #: the position (from 1) of its first message that no earlier branch has; None for branch 1
    fork: int | None
    #: it holds the conversation's newest message
    latest: bool

    @property
    def leaf_id(self) -> str:
        return self.messages[-1].id


def branches(messages: Sequence[Message]) -> list[Branch]:
    """The branches of a conversation's messages, numbered in the order they were made.

    A conversation that never branched has one; one without messages has none. A parent id
    that is not among the messages, or not older, makes its message a first message.
    """
    by_id = {m.id: m for m in messages}
    children: dict[str | None, list[Message]] = {}
    for m in sorted(messages, key=lambda m: m.seq):
        children.setdefault(_parent(m, by_id), []).append(m)
    # a message that is not the oldest of its siblings started a branch
    starts = {m.id for kids in children.values() for m in kids[1:]}
    newest = max(messages, key=lambda m: m.seq).id if messages else None
    found: list[tuple[int, list[Message], int | None]] = []
    for leaf in (m for m in messages if m.id not in children):
        path = _path(leaf, by_id)
        made = [(m.seq, i) for i, m in enumerate(path, start=1) if m.id in starts]
        seq, fork = max(made) if made else (0, None)
        found.append((seq, path, fork))
    found.sort(key=lambda item: item[0])
    return [
        Branch(n, path, fork, latest=path[-1].id == newest)
        for n, (_, path, fork) in enumerate(found, start=1)
    ]


def path_to(messages: Sequence[Message], message_id: str) -> list[Message]:
    """The messages from the first one to ``message_id`` (what a session on it has)."""
    by_id = {m.id: m for m in messages}
    if message_id not in by_id:
        raise MessageNotFound(message_id)
    return _path(by_id[message_id], by_id)


def select_branch(messages: Sequence[Message], number: int | None = None) -> Branch | None:
    """Branch ``number``, or the latest one when None; None for a conversation without
    messages. Raises `BranchNotFound` for a number it does not have."""
    found = branches(messages)
    if number is None:
        return next((b for b in found if b.latest), None)
    if not 1 <= number <= len(found):
        raise BranchNotFound(number, len(found))
    return found[number - 1]


def _parent(m: Message, by_id: dict[str, Message]) -> str | None:
    parent = by_id.get(m.parent_id) if m.parent_id is not None else None
    # an older parent only: a damaged or hand-made history must not loop
    return parent.id if parent is not None and parent.seq < m.seq else None


def _path(leaf: Message, by_id: dict[str, Message]) -> list[Message]:
    path = [leaf]
    while (parent := _parent(path[-1], by_id)) is not None:
        path.append(by_id[parent])
    path.reverse()
    return path
