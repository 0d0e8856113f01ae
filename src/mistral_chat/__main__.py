"""`python -m mistral_chat` and the `mistral-chat` console script."""

from __future__ import annotations

import contextlib
import sys


def _no_core_dumps() -> None:
    """A crash must not write the process's memory, API key included, to a core file."""
    try:
        import resource
    except ImportError:  # not on this platform (Windows)
        return
    with contextlib.suppress(ValueError, OSError):  # a limit we may not lower: nothing to do
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str] | None = None) -> int:
    _no_core_dumps()
    try:
        from .cli import run

        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:
        # Ctrl-C anywhere: no traceback, the conventional 128 + SIGINT
        sys.stderr.write("\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
