"""The model browser: a paged table of the models to chat with, driven by keys or commands.

``BrowserState`` is pure (no I/O): what is shown, and how each command changes it; the
sorting, filtering and paging themselves are ``services.catalog``'s helpers. ``ModelBrowser``
draws the state and reads commands until a model is chosen (returns it) or the user quits
(returns None). Models that cannot chat (OCR, embeddings, moderation) are not listed, and
choosing one by its id says what it is and which command uses it.

Commands (a key, or a word; the argument can follow or is asked for):

    3 | mistral-small-latest      choose by number or id (or alias)
    n next / p prev               next / previous page (also PageDown/PageUp or Right/Left)
    s sort [KEY]                  sort by created, context_length, id, name or price (again:
                                  reverse)
    o order                       toggle ascending / descending
    f family [NAME|all]           filter by family (mistral, mixtral, pixtral, ministral ...)
    c cap [NAME|all]              filter by capability (chat, vision, function, fim, ocr ...)
    z size N                      rows per page
    m files                       the file manager
    h help / q quit
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final

from mistral_chat.errors import Terminated, UsageError
from mistral_chat.render.formats import context_size, deprecation, list_price
from mistral_chat.services import catalog as cat
from mistral_chat.services.model_info import not_for_chat

if TYPE_CHECKING:
    from mistral_chat.render.console import Terminal
    from mistral_chat.services.catalog import ModelInfo, Page

__all__ = [
    "SORT_KEYS",
    "BrowserAction",
    "BrowserError",
    "BrowserState",
    "ModelBrowser",
    "parse_browser_command",
]

SORT_KEYS: Final = cat.SORT_KEYS
_MAX_PAGE_SIZE: Final = 500


class BrowserError(UsageError, ValueError):
    """A browser command that cannot be carried out; one line for the user."""


@dataclass(frozen=True)
class BrowserAction:
    """One parsed command: ``kind`` and its optional argument."""

    kind: str  # next prev sort order family capability size files help quit select redraw
    arg: str | None = None


_WORDS: Final = {
    "n": "next", "next": "next", "]": "next",
    "p": "prev", "prev": "prev", "previous": "prev", "[": "prev",
    "s": "sort", "sort": "sort",
    "o": "order", "order": "order", "r": "order", "reverse": "order",
    "f": "family", "family": "family",
    "c": "capability", "cap": "capability", "capability": "capability",
    "z": "size", "size": "size", "page-size": "size", "pagesize": "size",
    "m": "files", "files": "files", "file": "files",
    "h": "help", "help": "help", "?": "help",
    "q": "quit", "quit": "quit", "exit": "quit",
    "select": "select", "use": "select",
}  # fmt: skip


def parse_browser_command(text: str) -> BrowserAction:
    """Turn one typed line into an action; anything unknown is a model to select.

    >>> parse_browser_command("sort context_length")
    BrowserAction(kind='sort', arg='context_length')
    >>> parse_browser_command("7")
    BrowserAction(kind='select', arg='7')
    """
    text = text.strip()
    if not text:
        return BrowserAction("redraw")
    word, _, rest = text.partition(" ")
    kind = _WORDS.get(word.lower())
    if kind is None:
        return BrowserAction("select", text)
    return BrowserAction(kind, rest.strip() or None)


@dataclass(frozen=True)
class BrowserState:
    """What the browser shows; every method returns a new state (or raises BrowserError)."""

    models: Sequence[ModelInfo] = field(repr=False)
    sort_key: str = "created"
    descending: bool = True
    family: str | None = None
    capability: str | None = None
    page: int = 1
    page_size: int = 10

    def visible(self) -> list[ModelInfo]:
        """The filtered, sorted chat models (all pages)."""
        chosen = cat.filter_models(
            self.chat_models(), family=self.family, capability=self.capability
        )
        return cat.sort_models(chosen, self.sort_key, self.descending)

    def chat_models(self) -> list[ModelInfo]:
        return [m for m in self.models if m.chat]

    def view(self) -> Page:
        return cat.paginate(self.visible(), self.page, self.page_size)

    def first_number(self) -> int:
        """The row number of the current page's first model (numbers run across pages)."""
        page = self.view()
        return (page.page - 1) * self.page_size + 1

    def next_page(self) -> BrowserState:
        page = self.view()
        if page.page >= page.pages:
            raise BrowserError("already on the last page")
        return replace(self, page=page.page + 1)

    def prev_page(self) -> BrowserState:
        page = self.view()
        if page.page <= 1:
            raise BrowserError("already on the first page")
        return replace(self, page=page.page - 1)

    def sorted_by(self, key: str) -> BrowserState:
        key = key.strip().lower().replace("-", "_")
        key = {"context": "context_length", "ctx": "context_length", "date": "created"}.get(
            key, key
        )
        if key not in SORT_KEYS:
            raise BrowserError(f"cannot sort by {key!r}; choose one of {', '.join(SORT_KEYS)}")
        if key == self.sort_key:
            return replace(self, descending=not self.descending, page=1)
        # dates and sizes read best newest/largest first; names alphabetically
        return replace(self, sort_key=key, descending=key in cat.DESCENDING_FIRST, page=1)

    def toggled_order(self) -> BrowserState:
        return replace(self, descending=not self.descending, page=1)

    def with_family(self, family: str | None) -> BrowserState:
        family = _none_if_all(family)
        state = replace(self, family=family, page=1)
        if family is not None and not state.visible():
            known = sorted({m.family for m in self.chat_models()})
            raise BrowserError(
                f"no chat models in family {family!r}; families: {', '.join(known)}"
                + _not_chat_note(cat.filter_models(self.models, family=family))
            )
        return state

    def with_capability(self, capability: str | None) -> BrowserState:
        capability = _none_if_all(capability)
        if capability is not None:
            try:
                capability = cat.resolve_capability(capability)
            except ValueError as exc:
                raise BrowserError(str(exc)) from None
        state = replace(self, capability=capability, page=1)
        if capability is not None and not state.visible():
            raise BrowserError(
                f"no chat models with the capability {capability_label(capability)!r}"
                + _not_chat_note(cat.filter_models(self.models, capability=capability))
            )
        return state

    def with_page_size(self, text: str) -> BrowserState:
        try:
            size = int(text)
        except ValueError:
            raise BrowserError(f"page size must be a number, got {text!r}") from None
        if not 1 <= size <= _MAX_PAGE_SIZE:
            raise BrowserError(f"page size must be from 1 to {_MAX_PAGE_SIZE}")
        # keep the first model on screen in view
        first = (self.view().page - 1) * self.page_size
        return replace(self, page_size=size, page=first // size + 1)

    def select(self, token: str) -> ModelInfo:
        """A model by its row number (as shown), id, alias or unique id prefix."""
        token = token.strip()
        visible = self.visible()
        if token.isdecimal():  # what int() reads ("²" is a digit to isdigit(), not a number)
            number = int(token)
            if 1 <= number <= len(visible):
                return visible[number - 1]
            raise BrowserError(f"no model number {number}; numbers run from 1 to {len(visible)}")
        for model in self.models:
            if token == model.id or token in model.aliases:
                return _for_chat(model)
        matches = [m for m in visible if m.id.startswith(token)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            sample = ", ".join(m.id for m in matches[:4])
            raise BrowserError(f"{token!r} matches several models ({sample} ...); type more")
        raise BrowserError(f"unknown command or model {token!r}; type h for help")


def _for_chat(model: ModelInfo) -> ModelInfo:
    """The model, if it can chat; otherwise say what it is and which command uses it."""
    other = not_for_chat(model)
    if other is None:
        return model
    what, command = other
    where = f"; in a shell, `{command}` uses it" if command else ""
    raise BrowserError(f"{model.id} is {what} and cannot chat: choose a chat model{where}")


def _not_chat_note(models: Sequence[ModelInfo]) -> str:
    """Why models that match are not listed: `(mistral-ocr-4-1 is an OCR model ...)`."""
    others = [(m, not_for_chat(m)) for m in models if not m.chat]
    if not others:
        return ""
    model, (what, command) = others[0][0], others[0][1] or ("not a chat model", None)
    more = f" and {len(others) - 1} more" if len(others) > 1 else ""
    uses = f"; in a shell, `{command}` uses it" if command else ""
    return f" ({model.id}{more}: {what}, which cannot chat{uses})"


def _none_if_all(value: str | None) -> str | None:
    if value is None or value.strip().lower() in ("", "all", "none", "any", "-"):
        return None
    return value.strip()


def capability_label(name: str) -> str:
    return cat.SHORT_CAPABILITY.get(name, name)


HELP_ITEMS: Final = (
    "number or id: choose",
    "n/p: next/previous page",
    "s [KEY]: sort by created, context_length, id, name or price",
    "o: reverse order",
    "f [FAMILY|all]: family",
    "c [CAPABILITY|all]: capability",
    "z N: page size",
    "m: files",
    "q: quit",
)
FOOTER_ITEMS: Final = (
    "n/p page",
    "s sort",
    "o order",
    "f family",
    "c capability",
    "z size",
    "m files",
    "q quit",
)
#: columns dropped, in this order, when the table does not fit the window; the id never is,
#: nor the price or context the table is sorted by (its dates read from the title alone)
_DROPPABLE: Final = ("created", "status", "capabilities", "context", "price")
_KEEP_WHOLE: Final = ("#", "id", "context", "price", "created")  # never wrapped inside a cell
_SORT_COLUMN: Final = {"context_length": "context", "price": "price"}


def wrap_items(items: Sequence[str], width: int, sep: str = "  ") -> str:
    """Join items with ``sep``, starting a new line where the next one would not fit
    (never breaking an item, unless it is longer than a line by itself)."""
    lines: list[str] = []
    line = ""
    for item in items:
        if line and len(line) + len(sep) + len(item) > width:
            lines.append(line)
            line = item
        else:
            line = f"{line}{sep}{item}" if line else item
    lines.append(line)
    return "\n".join(lines)


def _width(columns: list[str], rows: list[list[str]]) -> int:
    """Cells a boxed table of these whole cells takes (3 per column for borders and padding)."""
    return 1 + sum(
        max(len(c) for c in [name, *(r[i] for r in rows)]) + 3 for i, name in enumerate(columns)
    )


def fit_columns(
    columns: list[str], rows: list[list[str]], width: int, keep: str | None = None
) -> list[int]:
    """The indexes of the columns to show in ``width`` cells of a boxed table: columns of
    ``_DROPPABLE`` (but ``keep``) go, in that order, until the others fit without breaking a
    word."""

    def need(i: int) -> int:
        cells = [columns[i], *(row[i] for row in rows)]
        if columns[i] in _KEEP_WHOLE:
            return max(len(c) for c in cells)
        return max((len(word) for c in cells for word in c.split()), default=1)

    shown = list(range(len(columns)))
    for name in _DROPPABLE:
        if sum(need(i) + 3 for i in shown) + 1 <= width:
            break
        if name in columns and name != keep:
            shown.remove(columns.index(name))
    return shown


Ask = Callable[[str], str]


class ModelBrowser:
    """Show ``state`` and read commands until a model is chosen or the user quits.

    ``ask(prompt)`` reads one line (raising EOFError on Ctrl-D, KeyboardInterrupt on Ctrl-C);
    ``open_files()`` runs the file manager and returns.
    """

    def __init__(
        self,
        terminal: Terminal,
        state: BrowserState,
        ask: Ask,
        *,
        open_files: Callable[[], None] | None = None,
        source_note: str | None = None,
    ) -> None:
        self.terminal = terminal
        self.state = state
        self.ask = ask
        self.open_files = open_files
        self.source_note = source_note

    def run(self) -> ModelInfo | None:
        self.draw()
        while True:
            try:
                line = self.ask("models> ")
            except Terminated:
                raise  # SIGTERM or SIGHUP: the program ends
            except (EOFError, KeyboardInterrupt):
                return None
            action = parse_browser_command(line)
            try:
                if action.kind == "quit":
                    return None
                if action.kind == "select":
                    assert action.arg is not None
                    return self.state.select(action.arg)
                if self.apply(action):
                    self.draw()
            except BrowserError as exc:
                self.terminal.error(str(exc))

    def apply(self, action: BrowserAction) -> bool:
        """Carry out a non-final action; True if the table must be drawn again."""
        state, kind, arg = self.state, action.kind, action.arg
        if kind == "help":
            self.terminal.out(wrap_items(HELP_ITEMS, self.terminal.width))
            return False
        if kind == "files":
            if self.open_files is None:
                raise BrowserError("the file manager is not available here")
            self.open_files()
            return True
        if kind in ("sort", "family", "capability", "size") and arg is None:
            arg = self._ask_argument(kind)
            if arg is None:
                return False
        if kind == "next":
            self.state = state.next_page()
        elif kind == "prev":
            self.state = state.prev_page()
        elif kind == "sort":
            self.state = state.sorted_by(arg or "")
        elif kind == "order":
            self.state = state.toggled_order()
        elif kind == "family":
            self.state = state.with_family(arg)
        elif kind == "capability":
            self.state = state.with_capability(arg)
        elif kind == "size":
            self.state = state.with_page_size(arg or "")
        return True

    def _ask_argument(self, kind: str) -> str | None:
        """Ask for a command's argument: the choices on their own (wrapped) lines, then a
        short prompt (a prompt wider than the window would leave no room to type)."""
        choices = {
            "sort": ("sort by:", list(SORT_KEYS)),
            "family": ("families:", [*self._families(), "all"]),
            "capability": ("capabilities:", [*self._capabilities(), "all"]),
            "size": ("rows per page:", [f"1 to {_MAX_PAGE_SIZE}"]),
        }
        intro, items = choices[kind]
        self.terminal.out(wrap_items([intro, *items], self.terminal.width, sep=" "))
        try:
            return self.ask(f"{kind}> ")
        except Terminated:
            raise  # SIGTERM or SIGHUP: the program ends
        except (EOFError, KeyboardInterrupt):
            return None

    def _families(self) -> list[str]:
        counts: dict[str, int] = {}
        for model in self.state.chat_models():
            counts[model.family] = counts.get(model.family, 0) + 1
        return sorted(counts, key=lambda f: (-counts[f], f))

    def _capabilities(self) -> list[str]:
        have = {c for m in self.state.chat_models() for c in m.capabilities}
        return [capability_label(c) for c in _SHOWN_CAPS if c in have and c != "completion_chat"]

    def draw(self) -> None:
        from mistral_chat.render.tables import table

        state = self.state
        page = state.view()
        first = (page.page - 1) * state.page_size + 1
        rows = [
            [
                str(first + i),
                m.id,
                context_size(m.context_length),
                list_price(m),
                m.created.isoformat() if m.created else "-",
                # every listed model chats: the other capabilities tell them apart
                " ".join(
                    capability_label(c)
                    for c in m.capabilities
                    if c in _SHOWN_CAPS and c != "completion_chat"
                )
                or "-",
                deprecation(m.deprecated, m.replacement),
            ]
            for i, m in enumerate(page.items)
        ]
        order = "desc" if state.descending else "asc"
        title = f"Chat models: page {page.page} of {max(page.pages, 1)}, {page.total} models"
        title += f", sorted by {state.sort_key} {order}"
        if state.family:
            title += f", family {state.family}"
        if state.capability:
            title += f", capability {capability_label(state.capability)}"
        columns = ["#", "id", "context", "price", "created", "capabilities", "status"]
        if self.terminal.color:  # a boxed table: fit it to the window
            self.terminal.refresh_size()
            keep = _SORT_COLUMN.get(state.sort_key)
            shown = fit_columns(columns, rows, self.terminal.width, keep)
            columns = [columns[i] for i in shown]
            rows = [[row[i] for i in shown] for row in rows]
        # fit_columns has wrapped what can wrap; only number and id must fit whole
        narrow = self.terminal.color and rows and _width(columns[:2], rows) > self.terminal.width
        if narrow:  # too narrow even for number and id: a box would squeeze the numbers away
            self.terminal.out(title)
            self.terminal.out("\n".join(f"{row[0]:>3}  {row[1]}" for row in rows))
        else:
            table(self.terminal, columns, rows, title=title, no_wrap=_KEEP_WHOLE)
        if self.source_note:
            self.terminal.say(self.source_note)
        self.terminal.out(wrap_items(FOOTER_ITEMS, self.terminal.width))


_SHOWN_CAPS: Final = (
    "completion_chat",
    "function_calling",
    "vision",
    "reasoning",
    "completion_fim",
    "ocr",
    "audio",
    "moderation",
    "classification",
)
