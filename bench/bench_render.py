"""How much more CPU streaming markdown costs than rendering the finished text once.

Run: ``uv run python bench/bench_render.py``

A deterministic markdown answer (prose, lists, a table, several code blocks; ~5 characters per
token) is streamed one token per chunk into ``StreamingMarkdown`` on a 100x40 colour terminal
backed by memory, then rendered once with ``render_markdown`` in the same run. Two streaming
modes: a fake clock advancing 1/50 s per token (50 tokens/s, so the 12 fps throttle behaves as it
would live) and no throttle at all (the live tail is redrawn after every token).
"""

from __future__ import annotations

import io
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from mistral_chat.render.console import Terminal
from mistral_chat.render.markdown import StreamingMarkdown, render_markdown

_WORD_TEXT = (
    "the model returns a stream of tokens and each chunk carries a small piece of text "
    "which the client renders as markdown while keeping the terminal responsive for users "
    "request response latency throughput context window function schema deterministic "
    "configuration history attachment image document upload download retry timeout"
)
WORDS = _WORD_TEXT.split()

PYTHON = [
    "def {name}(items: list[int], factor: int = {n}) -> list[int]:",
    '    """Scale every item by factor and drop the negative ones."""',
    "    result = []",
    "    for item in items:",
    "        if item * factor >= 0:",
    "            result.append(item * factor)  # keep it",
    "    return result",
    "",
]
SHELL = [
    "export MISTRAL_API_KEY=sk-{n}",
    'mistral-chat ask "summarise {name}" --model mistral-small-latest | tee out.md',
    "grep -c '^#' out.md",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    if rng.random() < 0.3:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}()`"
    return " ".join(words).capitalize() + "."


def _code(rng: random.Random, lines: int) -> str:
    lang, template = rng.choice([("python", PYTHON), ("bash", SHELL)])
    body: list[str] = []
    while len(body) < lines:
        n = len(body)
        body += [t.format(name=f"scale_{n}", n=n) for t in template]
    return f"```{lang}\n" + "\n".join(body[:lines]) + "\n```"


def make_answer(tokens: int, seed: int = 7) -> str:
    """A markdown answer of about ``tokens`` tokens (~5 characters each)."""
    rng = random.Random(seed)
    parts: list[str] = []
    section = 0
    size = 0
    while size < tokens * 5:
        section += 1
        parts.append(f"## Section {section}")
        parts.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
        kind = section % 4
        if kind == 0:
            parts.append("\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(3, 6))))
        elif kind == 1:
            parts.append(_code(rng, rng.randint(8, 40) if section % 16 != 9 else 120))
        elif kind == 2:
            rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 999)} |" for _ in range(5)]
            parts.append("\n".join(["| name | value |", "|---|---|", *rows]))
        else:
            parts.append("\n".join(f"{i}. {_sentence(rng)}" for i in range(1, 5)))
        size = sum(len(p) + 2 for p in parts[-3:]) + size
    return "\n\n".join(parts) + "\n"


def tokenize(text: str) -> list[str]:
    """Pieces of 3 to 7 characters (5 on average), like a model's tokens."""
    tokens: list[str] = []
    pos = 0
    while pos < len(text):
        size = 3 + len(tokens) % 5
        tokens.append(text[pos : pos + size])
        pos += size
    return tokens


def _terminal() -> Terminal:
    return Terminal(
        stdout=io.StringIO(),
        stderr=io.StringIO(),
        stdout_isatty=True,
        stderr_isatty=True,
        color=True,
        stderr_color=True,
        width=100,
        height=40,
    )


def stream(tokens: list[str], throttled: bool) -> tuple[float, int, int]:
    fake_now = [0.0]
    sm = StreamingMarkdown(
        _terminal(),
        refresh_per_second=12.0 if throttled else None,
        clock=lambda: fake_now[0],
    )
    start = time.process_time()
    for token in tokens:
        sm.feed(token)
        fake_now[0] += 1 / 50
    sm.finish()
    return time.process_time() - start, sm.render_work, sm.preview_work


def once(text: str) -> float:
    terminal = _terminal()
    start = time.process_time()
    render_markdown(terminal, text)
    return time.process_time() - start


def main() -> None:
    once(make_answer(200))  # warm up imports, lexers and themes
    print(
        f"{'tokens':>7} {'chars':>7} {'once':>7} | {'50 tok/s':>8} {'ratio':>6}"
        f" {'render':>6} {'preview':>7} | {'no throttle':>11} {'ratio':>6} {'render':>6}"
        f" {'preview':>7}"
    )
    for n in (2000, 4000, 8000):
        text = make_answer(n)
        tokens = tokenize(text)
        t_once = once(text)
        t_live, r_live, p_live = stream(tokens, throttled=True)
        t_all, r_all, p_all = stream(tokens, throttled=False)
        n = len(text)
        print(
            f"{len(tokens):>7} {n:>7} {t_once * 1000:>5.0f}ms | {t_live * 1000:>6.0f}ms"
            f" {t_live / t_once:>5.2f}x {r_live / n:>5.2f}x {p_live / n:>6.1f}x |"
            f" {t_all * 1000:>9.0f}ms {t_all / t_once:>5.2f}x {r_all / n:>5.2f}x {p_all / n:>6.1f}x"
        )
    print(
        "ratio: streamed CPU / render-once CPU (target <= 3x); render: characters given to rich's"
        " markdown/syntax renderer / answer length; preview: characters of plain live preview"
    )


if __name__ == "__main__":
    main()
