"""An offline, deterministic Mistral API emulator on loopback.

It reads the API contract independently of the client (it imports nothing from
``mistral_chat.api``), and its replies describe what it received. See
:class:`Emulator` for use in tests and :func:`serve_forever` for the command line.
"""

from .server import Emulator, RecordedRequest, serve_forever

__all__ = ["Emulator", "RecordedRequest", "serve_forever"]
