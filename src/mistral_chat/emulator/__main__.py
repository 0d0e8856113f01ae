"""``python -m mistral_chat.emulator [--host H] [--port P] [--api-key KEY] [--state-dir DIR]``."""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from . import serve_forever


def _ready(base_url: str) -> None:
    print(base_url, flush=True)


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mistral_chat.emulator",
        description="Serve an offline Mistral API emulator; prints its base URL first.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind (0 picks a free one)")
    parser.add_argument("--api-key", default=None, help="accept only this Bearer token")
    parser.add_argument("--state-dir", default=None, help="keep uploaded files in this directory")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    serve_forever(args.host, args.port, args.api_key, _ready, args.state_dir)
    return 130  # serve_forever returns only on Ctrl-C


if __name__ == "__main__":
    sys.exit(main())
