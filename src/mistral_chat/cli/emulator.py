"""`mistral-chat emulator`: serve the offline API emulator until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
from types import FrameType
from typing import Any

from ._argtypes import int_range
from .context import AppContext
from .exit import ExitCode


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "emulator",
        help="run the offline API emulator",
        description=(
            "Serve a deterministic stand-in for the Mistral API on loopback. Its base URL is "
            "printed as the first line on stdout; point MISTRAL_BASE_URL (or --base-url) at it. "
            "Any non-empty Bearer key is accepted unless --api-key is given. Ctrl-C stops it."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument(
        "--port",
        type=int_range(0, 65535),
        default=0,
        metavar="N",
        help="port to bind (default 0: a free port)",
    )
    p.add_argument("--api-key", metavar="KEY", help="accept only this Bearer key")
    p.add_argument(
        "--state-dir",
        metavar="DIR",
        help="keep uploaded files in DIR across restarts (default: a temporary directory)",
    )
    p.set_defaults(handler=handle)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def handle(args: argparse.Namespace, ctx: AppContext) -> int:
    from ..emulator import serve_forever

    def ready(base_url: str) -> None:
        sys.stdout.write(base_url + "\n")
        sys.stdout.flush()
        if ctx.terminal.stderr_isatty:
            ctx.terminal.err_line(
                f"serving the Mistral API emulator; try MISTRAL_BASE_URL={base_url} "
                "MISTRAL_API_KEY=any mistral-chat ask hello  (Ctrl-C to stop)"
            )

    signal.signal(signal.SIGTERM, _terminate)
    with contextlib.suppress(KeyboardInterrupt):
        serve_forever(args.host, args.port, args.api_key, ready, args.state_dir)
    return ExitCode.OK
