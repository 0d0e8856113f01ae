"""`python -m mistral_chat` and the `mistral-chat` console script.

Ctrl-C, SIGTERM and SIGHUP end a command the same way: the signal becomes a
`KeyboardInterrupt` where the program is (`Terminated` for SIGTERM and SIGHUP), so what had
streamed is kept, on stdout and in the history; then the exit code says which one it was
(130, 143, 129; `cli/exit.py` reads `Terminated.exit_code`). Before, SIGTERM and SIGHUP killed
the process at once and lost up to a second of answer (the last checkpoint).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from types import FrameType

from .errors import ExitCode, Terminated

#: the first SIGTERM or SIGHUP this process received, if any
_received: Terminated | None = None


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    global _received
    if _received is not None:
        # asked again while the first one is being handled (a slow save, an MCP server
        # slow to stop): stop now, still with the signal's code
        raise SystemExit(_received.exit_code)
    _received = Terminated(signum, signal.Signals(signum).name)
    raise _received


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP raise `Terminated` in the main thread (where Ctrl-C is raised)."""
    for name in ("SIGTERM", "SIGHUP"):
        signum = getattr(signal, name, None)  # no SIGHUP on Windows
        # a signal the parent told us to ignore (`nohup`) stays ignored
        if signum is not None and signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, _on_signal)


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
    install_signal_handlers()
    try:
        from .cli import run

        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt as exc:
        # outside a command (cli/exit.py maps those): no traceback, 128 + the signal
        sys.stderr.write("\n")
        return exc.exit_code if isinstance(exc, Terminated) else ExitCode.INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
