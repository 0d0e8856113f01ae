"""A conversation and its turns: how `ask` and the chat REPL send a question.

    session = open_session(ctx, Start.LATEST)           # opening.py: new, latest or by id
    session.outbox.add("photo.jpg", describe=True)      # outbox.py: the REPL's /attach
    result = session.send("What is this?", view=view)   # session.py: one turn, start to end

A newcomer who wants to know what happens when a question is sent reads `session.py`
(`ChatSession.send`): attachments are counted and prepared once (`outbox.py`), the question is
saved, the answer is asked for and saved as it arrives (`exchange.py`), and a `TurnResult`
(`results.py`) comes back. Interfaces only parse input and draw (through a `TurnView`).
"""

from mistral_chat.services.chat.opening import ChatContext, Start, latest, open_session, resume
from mistral_chat.services.chat.outbox import Outbox, Pending
from mistral_chat.services.chat.results import (
    CostEstimator,
    QuietView,
    Turn,
    TurnResult,
    TurnView,
    list_price_cost,
    text_of,
    thinking_of,
)
from mistral_chat.services.chat.session import ChatSession, NothingToSend

__all__ = [
    "ChatContext",
    "ChatSession",
    "CostEstimator",
    "NothingToSend",
    "Outbox",
    "Pending",
    "QuietView",
    "Start",
    "Turn",
    "TurnResult",
    "TurnView",
    "latest",
    "list_price_cost",
    "open_session",
    "resume",
    "text_of",
    "thinking_of",
]
