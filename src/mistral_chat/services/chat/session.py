"""`ChatSession`: a conversation in progress, and `send`, the one way a question is sent.

A session holds the system message, the turns so far, the model, the generation options and the
attachments waiting for the next message (its `Outbox`), bound to a `Client` and (unless history
is off) a `HistoryStore`. `send` is one turn, start to end:

1. the attachments given join the outbox: classified, counted (8 images at most);
2. they are prepared once: vision checked against the catalog, images encoded, text files
   inlined, documents uploaded (`view.on_upload` hears the progress);
3. the user message is committed to the history before the request goes out;
4. the answer is asked for, streamed or whole (`Exchange`), drawn through the view and saved as
   it arrives (at least once a second), so a killed process loses at most about a second of it;
5. a stream that breaks, Ctrl-C, or any other failure once text has arrived keeps what arrived,
   in memory and in the history, marked "interrupted"; the `TurnResult` carries the error for
   the caller to report;
6. an error before any answer (401, 422, 503 after retries...) propagates, and the question
   stays, in the session and in the history: nothing a user typed is lost to an error. An
   unanswered question is not sent again with the next one (`/retry` sends it again).

    >>> session = open_session(ctx, Start.NEW, model="mistral-small-latest")  # doctest: +SKIP
    >>> result = session.send("Bonjour", ["photo.jpg"], view)                  # doctest: +SKIP
    >>> result.status, result.usage                                            # doctest: +SKIP
    ('complete', {'prompt_tokens': 3, 'completion_tokens': 12, 'total_tokens': 15})
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from mistral_chat.api import content as chunks
from mistral_chat.errors import UsageError
from mistral_chat.services.attachments import AttachmentSpec
from mistral_chat.services.chat.branches import edited_content, inline_files
from mistral_chat.services.chat.document_urls import refresh_documents
from mistral_chat.services.chat.exchange import Exchange
from mistral_chat.services.chat.hosted import RECORD_KEY, Hosted, HostedExchange, entries
from mistral_chat.services.chat.outbox import Outbox
from mistral_chat.services.chat.results import (
    CostEstimator,
    QuietView,
    Turn,
    TurnResult,
    TurnView,
    list_price_cost,
    whole_turn,
)
from mistral_chat.services.chat.tooling import (
    ToolCall,
    ToolOutcome,
    Tools,
    not_run,
    refused,
    tool_message,
    tool_result_chunks,
)
from mistral_chat.services.chat_options import validate_option
from mistral_chat.services.content import ModelLookup, user_content
from mistral_chat.services.images import DEFAULT_MAX_SIDE

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.services.chat.compaction import Compaction
    from mistral_chat.storage import HistoryStore

__all__ = ["ChatSession", "NothingToSend", "RequestCheck"]

#: (model, messages, options) -> None, or an exception that refuses the request
RequestCheck = Callable[[str, list[dict[str, Any]], Mapping[str, Any]], None]


class NothingToSend(UsageError, ValueError):
    """A message with no text and no attachment, or a retry before any message."""


class ChatSession:
    """The in-memory conversation bound to a client and, optionally, a history store.

    `client` may be a factory, called when the first request or upload needs it. The history
    conversation is created on the first `send` (an unused session leaves no trace);
    `conversation_id` is None until then, or when history is off. `catalog` is asked whether
    the model reads images before an image is encoded (None: the server decides).
    """

    def __init__(
        self,
        client: Client | Callable[[], Client],
        store: HistoryStore | None = None,
        *,
        model: str,
        system: str | None = None,
        options: Mapping[str, Any] | None = None,
        catalog: ModelLookup | None = None,
        image_max_side: int = DEFAULT_MAX_SIDE,
        cost: CostEstimator | None = list_price_cost,
        stream: bool = True,
        checkpoint_interval_s: float = 1.0,
    ) -> None:
        # a factory is called on first use: local checks come before "no API key"
        self._client: Client | None = None if callable(client) else client
        self._client_factory = client if callable(client) else None
        self.store = store
        self.model = model
        self.system = system or None
        self.catalog = catalog
        self.conversation_id: str | None = None
        #: the history id of the last message of the session's branch: what the next message
        #: follows (None: a new conversation, or history off)
        self.branch_tip: str | None = None
        self.options: dict[str, Any] = {}
        for name, value in (options or {}).items():
            self.set_option(name, value)
        self.cost = cost
        #: called with (model, messages, options) before a question or a retry is sent; raises
        #: to refuse it, and then nothing is sent or saved (`budget.RequestGuard`)
        self.before_send: RequestCheck | None = None
        self.stream = stream
        self.checkpoint_interval_s = checkpoint_interval_s
        self.outbox = Outbox(max_side=image_max_side)
        #: tools offered to the model (MCP servers, functions) and who approves their calls
        self.tools: Tools | None = None
        #: Mistral's hosted tools or an agent: the turn goes through the Conversations API
        self.hosted: Hosted | None = None
        self._hosted_sent = 0  # how many turns the server conversation already holds
        self.turns: list[Turn] = []
        self.usage_total: dict[str, float] = {
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "total_tokens": 0,
            "cost_usd": 0.0,
        }

    @property
    def client(self) -> Client:
        if self._client is None:
            assert self._client_factory is not None
            self._client = self._client_factory()
        return self._client

    @property
    def answers_in_json(self) -> bool:
        """Whether answers are asked for as JSON (`response_format`): shown raw, not as markdown."""
        return "response_format" in self.options

    # -- settings ------------------------------------------------------------------------------
    def set_model(self, model: str) -> None:
        self.model = model
        if self.store is not None and self.conversation_id is not None:
            self.store.set_model(self.conversation_id, model)

    def set_system(self, system: str | None) -> None:
        self.system = system or None
        if self.store is not None and self.conversation_id is not None:
            self.store.set_system(self.conversation_id, self.system)

    def set_option(self, name: str, value: object) -> tuple[str, Any]:
        """Check and set (or, with None, unset) one option; raises `InvalidOption`."""
        key, checked = validate_option(name, value)
        if checked is None:
            self.options.pop(key, None)
        else:
            self.options[key] = checked
        self._save_options()
        return key, checked

    def mark_sent_to_server(self) -> None:
        """The turns so far are in the server conversation (a conversation resumed)."""
        self._hosted_sent = len(self.turns)

    def _stored_options(self) -> dict[str, Any]:
        """The options the history keeps: the generation options, and the server side of a
        conversation with hosted tools (so `-c` appends to it)."""
        if self.hosted is not None and self.hosted.on:
            return {**self.options, RECORD_KEY: self.hosted.record()}
        return dict(self.options)

    def _save_options(self) -> None:
        if self.store is not None and self.conversation_id is not None:
            self.store.set_options(self.conversation_id, self._stored_options())

    # -- the messages sent ---------------------------------------------------------------------
    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages of the next request: the system message, then every turn."""
        head = [chunks.message("system", self.system)] if self.system else []
        return head + _sendable(self.turns)

    def clear(self) -> None:
        """Start afresh (a new conversation in the history), keeping system, model, options."""
        self.turns.clear()
        self.outbox.clear()
        self.conversation_id = None
        self.branch_tip = None

    def undo(self) -> int:
        """Remove the last exchange (the last user message and what followed it).

        Returns how many messages were removed (0 when there is nothing to undo).
        """
        for index in range(len(self.turns) - 1, -1, -1):
            if self.turns[index].role == "user":
                removed = self.turns[index:]
                del self.turns[index:]
                self.branch_tip = self._parent_of(removed[0])
                for turn in reversed(removed):  # the last first: nothing follows it
                    self._forget(turn)
                return len(removed)
        return 0

    # -- sending -------------------------------------------------------------------------------
    def send(
        self,
        text: str,
        attachments: Iterable[AttachmentSpec | str] = (),
        view: TurnView | None = None,
    ) -> TurnResult:
        """Send one user message with `attachments` (and those already in the outbox) and
        return the answer; see the module docstring for each step."""
        view = view if view is not None else QuietView()
        for attachment in attachments:
            self.outbox.add(attachment)
        if not text and not self.outbox:
            raise NothingToSend("nothing to send: the message has no text and no attachments")
        prepared = self.outbox.prepare(
            self.model,
            client=lambda: self.client,
            catalog=self.catalog,
            on_upload=view.on_upload,
        )
        content = user_content(text, prepared)
        turn = Turn(chunks.message("user", content))
        if prepared is not None:
            turn.attachments = list(prepared.attachments)
        self._check([*self.messages, turn.message])
        self._log_user(turn, content)
        self.turns.append(turn)
        self.outbox.clear()  # sent (or kept with the question, should the answer fail)
        return self._answer(view)

    def compact(self, keep: int = 1, view: TurnView | None = None) -> Compaction | None:
        """Summarise all but the last `keep` exchanges into one (`compaction.compact`)."""
        from mistral_chat.services.chat.compaction import compact

        return compact(self, keep, view)

    def edit(self, index: int, text: str, view: TurnView | None = None) -> TurnResult:
        """Send `text` in place of the question `self.turns[index]` (its attachments go again,
        as they were sent) and return the answer. What followed that question stays in the
        history, on its own branch; the session goes on from the new one (should the answer
        fail, the edited question stays there, as `send` keeps one)."""
        if not 0 <= index < len(self.turns) or self.turns[index].role != "user":
            raise NothingToSend(f"turn {index} is not a question of this conversation")
        old = self.turns[index]
        content = edited_content(old.message["content"], text, inline_files=inline_files(old))
        if not content:
            raise NothingToSend("nothing to send: the edited message has no text")
        self.branch_tip = self._parent_of(old)
        del self.turns[index:]
        attached = list(old.attachments)
        turn = Turn(chunks.message("user", content), attachments=attached, signed_at=old.signed_at)
        self._log_user(turn, content)
        self.turns.append(turn)
        return self._answer(view if view is not None else QuietView())

    def retry(self, view: TurnView | None = None) -> TurnResult:
        """Ask again for an answer to the last user message. The previous answer is dropped
        once the new one has begun; if nothing of it arrives, the previous answer stays."""
        dropped: list[Turn] = []
        while self.turns and self.turns[-1].role != "user":
            dropped.append(self.turns.pop())
        if not self.turns:
            self.turns.extend(reversed(dropped))
            raise NothingToSend("nothing to retry: no message has been sent yet")
        tip, self.branch_tip = self.branch_tip, self.turns[-1].message_id
        try:
            self._check(self.messages)
            result = self._answer(view if view is not None else QuietView())
        except BaseException:
            self.turns.extend(reversed(dropped))  # in memory; the history never lost it
            self.branch_tip = tip
            raise
        for turn in dropped:
            self._forget(turn)
        return result

    def _log_user(self, turn: Turn, content: list[dict[str, Any]]) -> None:
        """Commit the user message (creating the history conversation on the first one)."""
        if self.store is None:
            return
        if self.conversation_id is None:
            conv = self.store.create_conversation(
                self.model, system=self.system, options=self._stored_options() or None
            )
            self.conversation_id = conv.id
            self.branch_tip = None
        stored = self.store.add_message(
            self.conversation_id,
            "user",
            content,
            attachments=turn.attachments,
            parent_id=self.branch_tip,
        )
        turn.message_id = self.branch_tip = stored.id

    def _check(self, messages: list[dict[str, Any]]) -> None:
        if self.before_send is not None:
            self.before_send(self.model, messages, self.options)

    def _forget(self, turn: Turn) -> None:
        """Delete the turn's message from the history, if it was saved there and no other
        branch goes on from it."""
        if self.store is not None and turn.message_id is not None:
            self.store.delete_message(turn.message_id, unless_followed=True)
            turn.message_id = None

    def _parent_of(self, turn: Turn) -> str | None:
        """The history id of the message `turn` follows."""
        if self.store is None or turn.message_id is None:
            return None
        return self.store.get_message(turn.message_id).parent_id

    def _answer(self, view: TurnView) -> TurnResult:
        """Ask for the answer to the current messages, running the tools it calls and asking
        again, until the model answers in text; raises if nothing of the first answer came."""
        rounds: list[TurnResult] = []
        used = 0
        last_round = False
        notes = refresh_documents(self.turns, self.client)  # URLs signed a day ago expire
        with view:
            while True:
                result = self._ask_once(view, last_round=last_round)
                rounds.append(result)
                if result.error is not None or not result.tool_calls or last_round:
                    break
                if self.tools is None:  # a server that calls tools nobody offered
                    result.warnings.append("the model called tools, but none are on")
                    break
                used, last_round = self._run_tools(result, used, view, rounds[0])
                if rounds[0].error is not None or not self._may_go_on(rounds[0]):
                    break
        result = whole_turn(rounds)
        result.warnings[:0] = notes
        result.conversation_id = self.conversation_id
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            self.usage_total[key] += (result.usage or {}).get(key, 0)
        self.usage_total["cost_usd"] += result.cost_usd or 0.0
        return result

    def _may_go_on(self, first: TurnResult) -> bool:
        """The request that brings the tool results back passes the session's check (the
        context window, `--max-cost`) like the question did; if not, the turn ends there."""
        try:
            self._check(self.messages)
        except UsageError as exc:
            first.error = type(exc)(f"the tool results were not sent back to the model: {exc}")
            return False
        return True

    def _ask_once(self, view: TurnView, *, last_round: bool) -> TurnResult:
        options = dict(self.options)
        if self.tools is not None:
            options.update(self.tools.request_options(last_round=last_round))
        if self.hosted is not None and self.hosted.on:
            return self._ask_hosted(view, options)
        exchange = Exchange(
            client=self.client,
            model=self.model,
            messages=self.messages,
            options=options,
            store=self.store,
            conversation_id=self.conversation_id,
            cost=self.cost,
            checkpoint_interval_s=self.checkpoint_interval_s,
            follows=self.branch_tip,
        )
        turn, result = exchange.stream(view) if self.stream else exchange.complete(view)
        self.turns.append(turn)
        if turn.message_id is not None:
            self.branch_tip = turn.message_id
        return result

    def _ask_hosted(self, view: TurnView, options: dict[str, Any]) -> TurnResult:
        """One request through the Conversations API: the turns the server does not hold yet
        go as its inputs (all of them when a server conversation starts)."""
        assert self.hosted is not None
        sent = self._hosted_sent if self.hosted.server_id is not None else 0
        function_tools = options.pop("tools", [])
        exchange = HostedExchange(
            client=self.client,
            model=self.model,
            hosted=self.hosted,
            inputs=entries(_sendable(self.turns[sent:])),
            system=self.system,
            options=options,
            function_tools=function_tools,
            store=self.store,
            conversation_id=self.conversation_id,
            cost=self.cost,
            checkpoint_interval_s=self.checkpoint_interval_s,
        )
        turn, result = exchange.stream(view)
        self.turns.append(turn)
        self._hosted_sent = len(self.turns)
        self._save_options()
        return result

    def _run_tools(
        self, answer: TurnResult, used: int, view: TurnView, first: TurnResult
    ) -> tuple[int, bool]:
        """Run (or refuse) each call of `answer` and record the results; (calls used so far,
        whether the budget is spent). Ctrl-C stops the running tool and ends the turn (the
        calls not run are told so, as the API wants a result for every call)."""
        assert self.tools is not None
        spent = False
        calls = list(answer.tool_calls)
        for index, call in enumerate(calls):
            if used >= self.tools.max_calls:
                spent = True
                outcome = not_run(
                    call, f"the limit of {self.tools.max_calls} tool calls was reached"
                )
            else:
                used += 1
                try:
                    view.on_tool_call(call)
                    allowed = self.tools.approvals(call)
                    outcome = self.tools.run(call) if allowed else refused(call)
                    if not allowed and self.tools.approvals.ask is None:
                        first.warnings.append(
                            f"{call.name} was not run: there is no terminal to ask; pass "
                            "--approve (or `config set approve_tools true`) to run tools"
                        )
                except KeyboardInterrupt as exc:
                    first.error = exc
                    for rest in calls[index:]:
                        self._record_tool(rest, not_run(rest, "the user stopped it"), first)
                    return used, True
                view.on_tool_result(call, outcome)
            self._record_tool(call, outcome, first)
        if spent:
            first.warnings.append(
                f"stopped running tools after {self.tools.max_calls} calls (--max-tool-calls); "
                "the model answered with what it had"
            )
        return used, spent

    def _record_tool(self, call: ToolCall, outcome: ToolOutcome, first: TurnResult) -> None:
        first.tools_run.append((call, outcome))
        turn = Turn(tool_message(call, outcome))
        if self.store is not None and self.conversation_id is not None:
            turn.message_id = self.branch_tip = self.store.add_message(
                self.conversation_id,
                "tool",
                tool_result_chunks(call, outcome),
                parent_id=self.branch_tip,
            ).id
        self.turns.append(turn)


def _sendable(turns: list[Turn]) -> list[dict[str, Any]]:
    """The turns' messages as a request carries them: an empty answer (e.g. max_tokens 0)
    stays in the history but is not sent back, nor is a question that failed and was
    followed by another one."""
    sent = [t for t in turns if t.message["content"] or t.message.get("tool_calls")]
    messages: list[dict[str, Any]] = []
    for t, after in zip(sent, [*sent[1:], None], strict=False):
        if t.role == "user" and after is not None and after.role == "user":
            continue
        messages.append(t.message)
        if t.role == "tool" and after is not None and after.role not in ("tool", "assistant"):
            messages.append(UNANSWERED_TOOLS)
    return messages


#: Mistral answers a user message right after tool results with a 400 ("Unexpected role 'user'
#: after role 'tool'"); a turn stopped between its tool calls and the answer (Ctrl-C, a refused
#: round) gets this in the request copy, never in the history.
UNANSWERED_TOOLS: dict[str, Any] = {
    "role": "assistant",
    "content": "(No answer: the turn was stopped after these tool results.)",
}
