"""`/v1/chat/completions`: complete (one JSON answer) and stream (server-sent events).

`AsyncChat` is written in `api/_async/chat.py`, `Chat` generated from it into
`api/_sync/chat.py`; both load lazily from here. What they share is below.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from .._lazy import lazy_exports
from ..types import ChatCompletion

if TYPE_CHECKING:
    from .._async.chat import AsyncChat
    from .._sync.chat import Chat

__all__ = ["AsyncChat", "Chat"]

_PATH = "/v1/chat/completions"
_STREAM_HEADERS = {"Accept": "text/event-stream"}
_decode_completion = msgspec.json.Decoder(ChatCompletion).decode
_LAZY = {"AsyncChat": ".._async.chat", "Chat": ".._sync.chat"}
__getattr__ = lazy_exports(__name__, __package__, _LAZY)
