"""The search part of `HistoryStore`: messages and system prompts holding every word, newest first.

How a word of the query matches (case and accents never matter):

- three characters or more: anywhere in the text, inside a word too (``tok`` finds
  "tokenizer", ``京都`` in "東京都" needs three: ``東京都``), through the trigram indexes over
  folded text (``messages_trigram``, ``system_trigram``, migration 3);
- one or two characters: the start of a word (``ai`` finds "AI" and "aide", not "chair"),
  through the word index (``messages_fts``); in scripts written without spaces (Chinese,
  Japanese, Thai...) anywhere, since there every character may start a word.

The user's words are quoted, so FTS operators and stray quotes in them are searched for,
never parsed. Snippets are cut and marked here, from the original text, so every kind of
match is marked the same way.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from mistral_chat.storage._clean import valid_text
from mistral_chat.storage._fold import fold, fold_mapped
from mistral_chat.storage._rows import sql_int
from mistral_chat.storage._store import StoreBase
from mistral_chat.storage.records import SearchHit

__all__ = ["SearchMethods", "SearchQuery", "fts_query"]

_TRIGRAM = 3
_CONTEXT_BEFORE = 40  # characters of context kept before the first match in a snippet
_SNIPPET = 120  # characters a snippet holds, about
_HIT_COLUMNS = "conversation_id, title, message_id, role, created_at, text"


@dataclass(frozen=True)
class SearchQuery:
    """A query's words, sorted by how each is matched (see the module docstring)."""

    anywhere: tuple[str, ...]  # folded, 3+ characters: trigram index
    word_starts: tuple[tuple[str, str], ...]  # (as typed, folded), 1-2 characters: word index
    short_unspaced: tuple[str, ...]  # folded, 1-2 characters without spaces around: LIKE

    @classmethod
    def parse(cls, text: str) -> SearchQuery | None:
        # stored text had its lone surrogates replaced: search for what was stored
        typed = list(dict.fromkeys(valid_text(text).replace("\x00", " ").split()))
        if not typed:
            return None
        folded = [(word, fold(word)) for word in typed]
        short = [(w, f) for w, f in folded if len(f) < _TRIGRAM]
        return cls(
            anywhere=tuple(dict.fromkeys(f for _, f in folded if len(f) >= _TRIGRAM)),
            word_starts=tuple((w, f) for w, f in short if not _unspaced(f)),
            short_unspaced=tuple(f for _, f in short if _unspaced(f)),
        )

    def trigram_match(self) -> str | None:
        return _phrases(self.anywhere) if self.anywhere else None

    def word_match(self) -> str | None:
        # the word index folds case and accents itself: it gets the word as typed
        return " ".join(_phrase(w) + "*" for w, _ in self.word_starts) or None

    def likes(self) -> list[str]:
        return ["%" + _like_escape(w) + "%" for w in self.short_unspaced]


class SearchMethods(StoreBase):
    """`HistoryStore`'s search over messages and system prompts."""

    def search(
        self, text: str, limit: int = 20, *, marks: tuple[str, str] | None = None
    ) -> list[SearchHit]:
        """Messages (and system prompts, as role ``system``) holding every word of ``text``,
        the newest first; ``marks`` (default: the store's) go around each match in the
        snippet."""
        query = SearchQuery.parse(text)
        if query is None:
            return []
        rows = self._message_rows(query, limit) + self._system_rows(query, limit)
        rows.sort(key=lambda row: str(row["created_at"]), reverse=True)
        return [_hit(row, query, marks or self._marks) for row in rows[:limit]]

    def _message_rows(self, query: SearchQuery, limit: int) -> list[dict[str, object]]:
        conditions, params = [], []
        tri, words = query.trigram_match(), query.word_match()
        # the first index asked drives the scan, newest first, and stops at the limit
        order = "s.rowid"  # the index's own order: it stops at the limit, newest first
        if tri is not None:
            source = "messages_trigram s JOIN messages m ON m.n = s.rowid"
            conditions.append("messages_trigram MATCH ?")
            params.append(tri)
        elif words is not None:
            source = "messages_fts s JOIN messages m ON m.n = s.rowid"
            conditions.append("messages_fts MATCH ?")
            params.append(words)
            words = None
        else:
            source, order = "messages m", "m.n"
        if words is not None:
            conditions.append("m.n IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)")
            params.append(words)
        for like in query.likes():  # the text as stored: a scan must not call Python per row
            conditions.append("m.text LIKE ? ESCAPE '\\'")
            params.append(like)
        rows = self.conn.execute(
            "SELECT m.conversation_id, c.title, m.id AS message_id, m.role, m.created_at,"
            f" m.text FROM {source} JOIN conversations c ON c.id = m.conversation_id"
            f" WHERE {' AND '.join(conditions)} ORDER BY {order} DESC LIMIT ?",
            (*params, sql_int(limit)),
        ).fetchall()
        return [dict(row) for row in rows]

    def _system_rows(self, query: SearchQuery, limit: int) -> list[dict[str, object]]:
        # system prompts are few and short: the folded text is matched directly when the
        # trigram index cannot serve every word
        conditions, params = [], []
        tri = query.trigram_match()
        if tri is not None:
            conditions.append("s.text MATCH ?")
            params.append(tri)
        for _, word in query.word_starts:
            conditions.append("(s.text LIKE ? ESCAPE '\\' OR s.text LIKE ? ESCAPE '\\')")
            params += [_like_escape(word) + "%", "%" + _word_boundary_like(word)]
        for like in query.likes():
            conditions.append("s.text LIKE ? ESCAPE '\\'")
            params.append(like)
        rows = self.conn.execute(
            "SELECT c.id AS conversation_id, c.title, NULL AS message_id, 'system' AS role,"
            " c.created_at, c.system AS text FROM system_trigram s"
            " JOIN conversations c ON c.id = s.conversation_id"
            f" WHERE {' AND '.join(conditions)} ORDER BY c.created_at DESC LIMIT ?",
            (*params, sql_int(limit)),
        ).fetchall()
        hits = [dict(row) for row in rows]
        # LIKE's word start above is approximate (after a space only): check it exactly
        return [h for h in hits if _spans(str(h["text"]), query)]


def _hit(row: dict[str, object], query: SearchQuery, marks: tuple[str, str]) -> SearchHit:
    text = str(row.pop("text") or "")
    return SearchHit(**row, snippet=snippet(text, query, marks))  # type: ignore[arg-type]


def snippet(text: str, query: SearchQuery, marks: tuple[str, str]) -> str:
    """About `_SNIPPET` characters of ``text`` around its first match, every match inside
    them between ``marks``, ``…`` where the text was cut."""
    spans = _spans(text, query)
    first = spans[0][0] if spans else 0
    start = max(0, first - _CONTEXT_BEFORE)
    if start:  # begin at a word
        space = text.find(" ", start, first)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + _SNIPPET)
    if end < len(text):
        space = text.rfind(" ", max(first + 1, end - 20), end)
        end = space if space > first else end
    out, pos = [], start
    for a, b in spans:
        if a < pos or b > end:
            continue
        out += [text[pos:a], marks[0], text[a:b], marks[1]]
        pos = b
    out.append(text[pos:end])
    return ("…" if start else "") + "".join(out) + ("…" if end < len(text) else "")


def _spans(text: str, query: SearchQuery) -> list[tuple[int, int]]:
    """Where the words match in ``text``: sorted, non-overlapping (start, end) indexes of it;
    empty when one of the words does not match."""
    folded, origin = fold_mapped(text)
    found: list[tuple[int, int]] = []
    for word, starts_only in [
        *((w, False) for w in (*query.anywhere, *query.short_unspaced)),
        *((f, True) for _, f in query.word_starts),
    ]:
        hits = [
            m.start()
            for m in re.finditer(re.escape(word), folded)
            if not starts_only or m.start() == 0 or not folded[m.start() - 1].isalnum()
        ]
        if not hits:
            return []
        for at in hits:
            last = at + len(word) - 1
            found.append((origin[at], origin[last] + 1))
    found.sort()
    merged: list[tuple[int, int]] = []
    for a, b in found:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _unspaced(word: str) -> bool:
    """Whether the word is in a script written without spaces between words (CJK, Thai...)."""
    return any(_no_spaces(ch) for ch in word)


def _no_spaces(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR"))


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _phrases(words: tuple[str, ...]) -> str:
    return " ".join(_phrase(w) for w in words)


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _word_boundary_like(word: str) -> str:
    return " " + _like_escape(word) + "%"


def fts_query(text: str) -> str | None:
    """Quote each whitespace-separated word as an FTS5 string; None if there are none."""
    words = valid_text(text).replace("\x00", " ").split()
    if not words:
        return None
    return " ".join(_phrase(word) for word in words)
