"""`/v1/chat/completions`: what `AsyncChat` and `Chat` share (path, headers, decoder).

The request body is built by `.._core.build_chat_body`; the stream's reading is
`.._stream_state.StreamState`.
"""

from __future__ import annotations

import msgspec

from ..types import ChatCompletion

__all__ = ["PATH", "STREAM_HEADERS", "decode_completion"]

PATH = "/v1/chat/completions"
STREAM_HEADERS = {"Accept": "text/event-stream"}
decode_completion = msgspec.json.Decoder(ChatCompletion).decode
