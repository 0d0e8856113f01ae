"""Generate the sync API from the async one: `api/_async/X.py` -> `api/_sync/X.py`.

    uv run python scripts/unasync.py           # (re)write the sync modules
    uv run python scripts/unasync.py --check   # exit 1, listing the modules that differ

The async code is the single source of truth. Each line goes through the word-bounded
replacements in `SUBS` (as httpcore's `scripts/unasync.py` does), then ruff sorts the imports,
drops the ones left unused (`Awaitable`, `asyncio`) and formats the result, so the generated
files pass `ruff check` and `ruff format --check` as they are. Two markers cover the few places
where the twins must differ:

    import asyncio  # async-only        the line is left out of the sync module
    # sync-only: stream.open()          the sync module gets `stream.open()` here
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "src" / "mistral_chat" / "api"
ASYNC_DIR = API / "_async"
SYNC_DIR = API / "_sync"
HEADER = "# generated from ../_async/{name} by scripts/unasync.py; do not edit\n"

# async twin names whose sync twin is the same name without "Async"
_RENAMED = (
    "Agents",
    "APIClient",
    "Audio",
    "Embeddings",
    "EventStream",
    "FIM",
    "Libraries",
    "Moderations",
    "BaseTransport",
    "Batch",
    "ChatStream",
    "Chat",
    "Client",
    "ConversationStream",
    "Conversations",
    "Files",
    "Iterator",
    "Models",
    "OCR",
)

SUBS: list[tuple[str, str]] = [
    (r"async def ", "def "),
    (r"async with ", "with "),
    (r"async for ", "for "),
    (r"await ", ""),
    (r"__aenter__", "__enter__"),
    (r"__aexit__", "__exit__"),
    (r"__aiter__", "__iter__"),
    (r"aclose", "close"),
    (r"aread", "read"),
    (r"aiter_bytes", "iter_bytes"),
    (r"aiter_raw", "iter_raw"),
    (r"anext", "next"),
    (r"StopAsyncIteration", "StopIteration"),
    (r"Awaitable\[(\w+)\]", r"\1"),
    (r"asyncio\.sleep", "time.sleep"),
    *((rf"Async{name}", name) for name in _RENAMED),
]
# whole words only: `aclose` but not `_aclose_hook`, `AsyncChat` but not `AsyncChatStream`
_COMPILED = [
    (re.compile(rf"(?<!\w)(?:{old})" + ("" if old.endswith(" ") else r"(?!\w)")), new)
    for old, new in SUBS
]

_ASYNC_ONLY = re.compile(r"#\s*async-only\s*$")
_SYNC_ONLY = re.compile(r"^(\s*)#\s*sync-only:\s*(.*)$")
# names that must not survive in the sync code (comments and docstrings may still say "async")
_LEFTOVER = re.compile(
    r"^(async|await|asyncio|anext|Async[A-Z]\w*|__a(enter|exit|iter|next)__|aclose|aread|aiter_\w+)$"
)


def unasync_line(line: str) -> str | None:
    """The sync form of one line of async source; None leaves it out."""
    if _ASYNC_ONLY.search(line):
        return None
    if match := _SYNC_ONLY.match(line):
        return f"{match[1]}{match[2]}\n"
    for pattern, replacement in _COMPILED:
        line = pattern.sub(replacement, line)
    return line


def _ruff(args: list[str], source: str, path: Path) -> str:
    command = [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(path), "-"]
    done = subprocess.run(command, input=source, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"ruff {args[0]} failed on {path.name}:\n{done.stderr}{done.stdout}")
    return done.stdout


def _names(source: str) -> list[tokenize.TokenInfo]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return [t for t in tokens if t.type == tokenize.NAME]


def generate(async_path: Path) -> str:
    """The sync module for `async_path`, formatted as ruff would leave it."""
    lines = async_path.read_text("utf-8").splitlines(keepends=True)
    body = "".join(line for line in map(unasync_line, lines) if line is not None)
    sync_path = SYNC_DIR / async_path.name
    leftovers = [f"{t.start[0]}: {t.string}" for t in _names(body) if _LEFTOVER.match(t.string)]
    if leftovers:
        raise SystemExit(f"{async_path.name}: no sync form for {', '.join(leftovers)}")
    body = _ruff(["check", "--fix", "--select", "I,F401", "--quiet"], body, sync_path)
    body = _ruff(["format", "--quiet"], body, sync_path)
    return HEADER.format(name=async_path.name) + body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    sources = sorted(p for p in ASYNC_DIR.glob("*.py") if p.name != "__init__.py")
    wanted = {SYNC_DIR / p.name: generate(p) for p in sources}
    stale = [p for p in wanted if not p.exists() or p.read_text("utf-8") != wanted[p]]
    orphans = [
        p for p in sorted(SYNC_DIR.glob("*.py")) if p.name != "__init__.py" and p not in wanted
    ]
    if args.check:
        for path in stale:
            sys.stdout.write(f"{path.relative_to(ROOT)} is out of date\n")
        for path in orphans:
            sys.stdout.write(f"{path.relative_to(ROOT)} has no async source\n")
        if stale or orphans:
            sys.stdout.write("run: uv run python scripts/unasync.py\n")
            return 1
        return 0
    for path in stale:
        path.write_text(wanted[path], "utf-8")
        sys.stdout.write(f"wrote {path.relative_to(ROOT)}\n")
    for path in orphans:
        path.unlink()
        sys.stdout.write(f"removed {path.relative_to(ROOT)} (no async source)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
