"""`history search --semantic`: past messages found by meaning.

Vectors are computed only when a semantic search asks for them, and only for what changed
since the last one (new or edited messages; deleted ones are forgotten), then kept in
``embeddings.db`` beside the history (`storage.semantic`). The question is embedded with the
same model and compared with every stored vector.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from mistral_chat.errors import UsageError
from mistral_chat.services.embeddings import embed_all
from mistral_chat.storage.semantic import IndexedHit, SemanticIndex, describe_hits

if TYPE_CHECKING:
    from mistral_chat.api import Client
    from mistral_chat.storage.history import HistoryStore

__all__ = ["INDEX_MODEL", "index_path", "semantic_search", "update_index"]

INDEX_MODEL: Final = "mistral-embed"


def index_path(history_path: Path) -> Path:
    return history_path.with_name("embeddings.db")


def update_index(
    client: Client,
    history: HistoryStore,
    index: SemanticIndex,
    *,
    model: str = INDEX_MODEL,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed what changed since the last search; returns how many messages were embedded."""
    todo, gone = index.stale(history.conn, model)
    if gone:
        index.forget(gone)
    step = 512  # stored in slices, so an interrupted first indexing keeps what it paid for
    for start in range(0, len(todo), step):
        part = todo[start : start + step]
        vectors, _ = embed_all(client, [text for _, _, text in part], model=model)
        index.put(model, [(m, sha, v) for (m, sha, _), v in zip(part, vectors, strict=True)])
        if on_progress is not None:
            on_progress(start + len(part), len(todo))
    return len(todo)


def semantic_search(
    client: Client,
    history: HistoryStore,
    index: SemanticIndex,
    text: str,
    *,
    limit: int = 20,
    model: str = INDEX_MODEL,
) -> list[IndexedHit]:
    """The messages nearest in meaning to `text` (run `update_index` first)."""
    if not text.strip():
        raise UsageError("history search --semantic needs some text to search for")
    (query,), _ = embed_all(client, [text], model=model)
    return describe_hits(history.conn, index.nearest(model, query, limit))
