"""`python -m mistral_chat` and the `mistral-chat` console script."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    try:
        from .cli import run

        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        # Ctrl-C anywhere: no traceback, the conventional 128 + SIGINT
        sys.stderr.write("\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
