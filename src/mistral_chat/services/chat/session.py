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
from mistral_chat.services.chat.exchange import Exchange
from mistral_chat.services.chat.outbox import Outbox
from mistral_chat.services.chat.results import (
    CostEstimator,
    QuietView,
    Turn,
    TurnResult,
    TurnView,
    list_price_cost,
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
    from mistral_chat.storage import HistoryStore

__all__ = ["ChatSession", "NothingToSend"]


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
        self.options: dict[str, Any] = {}
        for name, value in (options or {}).items():
            self.set_option(name, value)
        self.cost = cost
        self.stream = stream
        self.checkpoint_interval_s = checkpoint_interval_s
        self.outbox = Outbox(max_side=image_max_side)
        #: tools offered to the model (MCP servers, functions) and who approves their calls
        self.tools: Tools | None = None
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
        if self.store is not None and self.conversation_id is not None:
            self.store.set_options(self.conversation_id, self.options)
        return key, checked

    # -- the messages sent ---------------------------------------------------------------------
    @property
    def messages(self) -> list[dict[str, Any]]:
        """The messages of the next request: the system message, then every turn."""
        head = [chunks.message("system", self.system)] if self.system else []
        # an empty answer (e.g. max_tokens 0) stays in the history but is not sent back
        sent = [t for t in self.turns if t.message["content"] or t.message.get("tool_calls")]
        # nor is a question that failed and was followed by another one
        return head + [
            t.message
            for t, after in zip(sent, [*sent[1:], None], strict=False)
            if not (t.role == "user" and after is not None and after.role == "user")
        ]

    def clear(self) -> None:
        """Start afresh (a new conversation in the history), keeping system, model, options."""
        self.turns.clear()
        self.outbox.clear()
        self.conversation_id = None

    def undo(self) -> int:
        """Remove the last exchange (the last user message and what followed it).

        Returns how many messages were removed (0 when there is nothing to undo).
        """
        for index in range(len(self.turns) - 1, -1, -1):
            if self.turns[index].role == "user":
                removed = self.turns[index:]
                del self.turns[index:]
                for turn in removed:
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
        self._log_user(turn, content)
        self.turns.append(turn)
        self.outbox.clear()  # sent (or kept with the question, should the answer fail)
        return self._answer(view)

    def retry(self, view: TurnView | None = None) -> TurnResult:
        """Ask again for an answer to the last user message. The previous answer is dropped
        once the new one has begun; if nothing of it arrives, the previous answer stays."""
        dropped: list[Turn] = []
        while self.turns and self.turns[-1].role != "user":
            dropped.append(self.turns.pop())
        if not self.turns:
            self.turns.extend(reversed(dropped))
            raise NothingToSend("nothing to retry: no message has been sent yet")
        try:
            result = self._answer(view if view is not None else QuietView())
        except BaseException:
            self.turns.extend(reversed(dropped))  # in memory; the history never lost it
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
                self.model, system=self.system, options=self.options or None
            )
            self.conversation_id = conv.id
        stored = self.store.add_message(
            self.conversation_id, "user", content, attachments=turn.attachments
        )
        turn.message_id = stored.id

    def _forget(self, turn: Turn) -> None:
        """Delete the turn's message from the history, if it was saved there."""
        if self.store is not None and turn.message_id is not None:
            self.store.delete_message(turn.message_id)
            turn.message_id = None

    def _answer(self, view: TurnView) -> TurnResult:
        """Ask for the answer to the current messages, running the tools it calls and asking
        again, until the model answers in text; raises if nothing of the first answer came."""
        rounds: list[TurnResult] = []
        used = 0
        last_round = False
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
                if rounds[0].error is not None:
                    break
        result = _whole_turn(rounds)
        result.conversation_id = self.conversation_id
        for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
            self.usage_total[key] += (result.usage or {}).get(key, 0)
        self.usage_total["cost_usd"] += result.cost_usd or 0.0
        return result

    def _ask_once(self, view: TurnView, *, last_round: bool) -> TurnResult:
        options = dict(self.options)
        if self.tools is not None:
            options.update(self.tools.request_options(last_round=last_round))
        exchange = Exchange(
            client=self.client,
            model=self.model,
            messages=self.messages,
            options=options,
            store=self.store,
            conversation_id=self.conversation_id,
            cost=self.cost,
            checkpoint_interval_s=self.checkpoint_interval_s,
        )
        turn, result = exchange.stream(view) if self.stream else exchange.complete(view)
        self.turns.append(turn)
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
            turn.message_id = self.store.add_message(
                self.conversation_id, "tool", tool_result_chunks(call, outcome)
            ).id
        self.turns.append(turn)


def _whole_turn(rounds: list[TurnResult]) -> TurnResult:
    """One result for a turn of several requests: the last answer, with the first one's time
    to first token, summed usage, time and cost, and the calls and warnings of all."""
    first, last = rounds[0], rounds[-1]
    if len(rounds) == 1:
        return first
    usage: dict[str, int] = {}
    for r in rounds:
        for key, value in (r.usage or {}).items():
            usage[key] = usage.get(key, 0) + value
    costs = [r.cost_usd for r in rounds if r.cost_usd is not None]
    last.usage = usage or None
    last.cost_usd = sum(costs) if costs else None
    last.ttft_ms = first.ttft_ms
    last.duration_ms = sum(r.duration_ms or 0 for r in rounds)
    last.thinking = "".join(r.thinking for r in rounds)
    last.tools_run = first.tools_run
    last.warnings = [w for r in rounds for w in r.warnings]
    if last.error is None and first.error is not None:
        last.error, last.status = first.error, "interrupted"
    return last
