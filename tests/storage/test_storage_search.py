"""Full-text search over message text, including hostile queries."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _storage_helpers import StepClock
from hypothesis import given, settings
from hypothesis import strategies as st

from mistral_chat.storage.history import HistoryStore, fts_query


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HistoryStore]:
    path = tmp_path_factory.mktemp("search") / "history.db"
    with HistoryStore(path, clock=StepClock()) as store:
        a = store.create_conversation("m")
        store.add_message(a.id, "user", "How do I cook risotto?")
        store.add_message(a.id, "assistant", "Toast the rice, then add stock slowly. Café style.")
        b = store.create_conversation("m")
        store.add_message(b.id, "user", 'What does "AND" mean in SQL? foo"bar')
        store.add_message(b.id, "assistant", "AND combines conditions; NEAR and OR too.")
        store.add_message(b.id, "user", [{"type": "image_url", "image_url": "https://x/rice.png"}])
        yield store


def test_finds_words_newest_first_with_marked_snippet(corpus: HistoryStore) -> None:
    hits = corpus.search("rice")
    assert len(hits) == 1  # image URLs are not text
    (hit,) = hits
    assert hit.role == "assistant" and hit.title == "How do I cook risotto?"
    assert "**rice**" in hit.snippet
    (own,) = corpus.search("rice", marks=("\x02", "\x03"))
    assert "the \x02rice\x03, then" in own.snippet
    both = corpus.search("and")
    assert [h.role for h in both] == ["assistant", "user"]
    assert both[0].created_at > both[1].created_at


def test_all_words_must_match_case_and_accent_insensitive(corpus: HistoryStore) -> None:
    assert len(corpus.search("TOAST stock")) == 1
    assert corpus.search("toast risotto") == []
    assert len(corpus.search("cafe")) == 1


def test_limit(corpus: HistoryStore) -> None:
    assert len(corpus.search("and", limit=1)) == 1


@pytest.mark.parametrize(
    "query",
    [
        'foo"bar',
        "AND",
        "OR",
        "NOT",
        "NEAR",
        "NEAR(a b)",
        '"',
        '""',
        "*",
        "a*",
        "^",
        "(",
        ")",
        "col:rice",
        "rice:",
        "-",
        "+",
        "{a b}",
        "'",
        "\\",
        "",
        "   ",
        "\x00",
        "a\x00b",
        "🦀",
        "%_",
    ],
)
def test_hostile_queries_never_raise(corpus: HistoryStore, query: str) -> None:
    corpus.search(query)


def test_operators_are_searched_as_words(corpus: HistoryStore) -> None:
    assert {h.role for h in corpus.search("AND")} == {"user", "assistant"}
    assert len(corpus.search('foo"bar')) == 1
    assert len(corpus.search("NEAR")) == 1


def test_fts_query_quotes_each_word() -> None:
    assert fts_query('  foo"bar  AND ') == '"foo""bar" "AND"'
    assert fts_query(" \t\n") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_any_text_is_a_valid_query(corpus_path: Path, text: str) -> None:
    with HistoryStore(corpus_path) as store:
        hits = store.search(text)
    assert isinstance(hits, list)


@pytest.fixture(scope="module")
def corpus_path(corpus: HistoryStore) -> Path:
    return Path(str(corpus.path))


@settings(max_examples=100, deadline=None)
@given(
    word=st.text(
        alphabet=st.characters(
            min_codepoint=0x30, max_codepoint=0x24F, categories=("Lu", "Ll", "Nd")
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_stored_word_is_found(tmp_path_factory: pytest.TempPathFactory, word: str) -> None:
    path = tmp_path_factory.mktemp("word") / "history.db"
    with HistoryStore(path) as store:
        conv = store.create_conversation("m")
        store.add_message(conv.id, "user", f"before {word} after")
        hits = store.search(word)
    assert [h.conversation_id for h in hits] == [conv.id]
