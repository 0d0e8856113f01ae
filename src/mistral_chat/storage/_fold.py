"""Text as search compares it: case and accents folded, each character mapped back.

The substring index (FTS5's trigram tokenizer) holds messages and system prompts folded by
`fold`, so `cafe` finds "Café" and `STRASSE` finds "Straße". SQLite 3.40's trigram tokenizer
folds case but not accents, so folding happens here, in Python, registered on every connection
as the SQL function ``mc_fold`` (the triggers that keep the index call it).

    >>> fold("Café Straße ＡＢＣ が")
    'cafe strasse abc が'
"""

from __future__ import annotations

import sqlite3
import unicodedata
from functools import lru_cache

__all__ = ["SQL_FOLD", "fold", "fold_mapped", "register"]

#: the SQL name of `fold` on our connections
SQL_FOLD = "mc_fold"


#: scripts whose combining marks are accents a search may ignore (é, ö, ç); elsewhere marks
#: change the letter (Japanese が is not か) and are kept
_ACCENTED_SCRIPTS = ("LATIN", "GREEK", "CYRILLIC")


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)  # also ＡＢＣ -> ABC, ﬁ -> fi
    if unicodedata.name(decomposed[0], "").startswith(_ACCENTED_SCRIPTS):
        decomposed = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", decomposed).casefold()


def fold(text: str | None) -> str:
    """Lower case (casefold), accents dropped, compatibility forms made plain (NFKD)."""
    if not text:
        return ""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text)


def fold_mapped(text: str) -> tuple[str, list[int]]:
    """`fold(text)` and, for each of its characters, the index of the character of `text`
    it came from (so a match found in the folded text can be marked in the original)."""
    if text.isascii():
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        folded = _fold_char(ch)
        out.append(folded)
        origin.extend([i] * len(folded))
    return "".join(out), origin


def register(conn: sqlite3.Connection) -> None:
    """Make ``mc_fold(text)`` callable in SQL on `conn` (the search triggers need it)."""
    conn.create_function(SQL_FOLD, 1, fold, deterministic=True)
