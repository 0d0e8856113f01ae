"""History search finds prefixes and substrings, in any script, and system prompts (migration 3)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from _storage_helpers import StepClock

from mistral_chat.storage import db
from mistral_chat.storage.history import HistoryStore
from mistral_chat.storage.migrations import migrate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HistoryStore]:
    path = tmp_path_factory.mktemp("substrings") / "history.db"
    with HistoryStore(path, clock=StepClock()) as store:
        code = store.create_conversation("m")
        store.add_message(code.id, "user", "Which tokenizer does Mistral use?")
        store.add_message(code.id, "assistant", "Tekken, a tiktoken-style BPE tokenizer. Café!")
        ja = store.create_conversation("m")
        store.add_message(ja.id, "user", "私は東京都に住んでいます。")
        zh = store.create_conversation("m")
        store.add_message(zh.id, "user", "我住在北京市，喜欢吃饺子。")
        ai = store.create_conversation("m")
        store.add_message(ai.id, "user", "AI helps; an aide helps too; a chair does not.")
        pirate = store.create_conversation(
            "m", system="You are a Pirate captain. Answer in rhymes."
        )
        store.add_message(pirate.id, "user", "Where is the treasure?")
        yield store


def texts(store: HistoryStore, query: str) -> list[str]:
    return [h.snippet.replace("**", "") for h in store.search(query)]


def roles(store: HistoryStore, query: str) -> list[str]:
    return [h.role for h in store.search(query)]


def test_prefixes_and_substrings_are_found(corpus: HistoryStore) -> None:
    assert len(corpus.search("tok")) == 2  # a prefix
    assert len(corpus.search("enizer")) == 2  # inside a word
    assert roles(corpus, "kenize tekk") == ["assistant"]  # every word must match
    (hit,) = corpus.search("iktok")
    assert "t**iktok**en-style" in hit.snippet
    assert corpus.search("tokenizers") == []


def test_case_and_accents_do_not_matter(corpus: HistoryStore) -> None:
    assert roles(corpus, "CAFE") == ["assistant"]
    assert roles(corpus, "café") == ["assistant"]
    (hit,) = corpus.search("TEKKEN")
    assert hit.snippet.startswith("**Tekken**")  # marked in the text as written


def test_chinese_and_japanese_are_found_inside_sentences(corpus: HistoryStore) -> None:
    (tokyo,) = corpus.search("東京都")  # three characters: the trigram index
    assert "私は**東京都**に住んでいます" in tokyo.snippet
    assert len(corpus.search("京都")) == 1  # two: anywhere, there are no spaces to start at
    assert len(corpus.search("住んで")) == 1
    (beijing,) = corpus.search("北京")
    assert "我住在**北京**市" in beijing.snippet
    assert len(corpus.search("饺子 北京市")) == 1
    assert corpus.search("大阪") == []


def test_one_or_two_letters_match_the_start_of_a_word(corpus: HistoryStore) -> None:
    (hit,) = corpus.search("ai")
    assert "**AI** helps; an **ai**de helps too; a chair" in hit.snippet  # not ch-ai-r


def test_system_prompts_are_searched(corpus: HistoryStore) -> None:
    (hit,) = corpus.search("pirate")
    assert (hit.role, hit.message_id) == ("system", None)
    assert hit.snippet.startswith("You are a **Pirate** captain")
    assert roles(corpus, "rhymes captain") == ["system"]
    assert roles(corpus, "treasure") == ["user"]  # its messages as ever


def test_the_indexes_follow_every_change(db_path: Path) -> None:
    with HistoryStore(db_path, clock=StepClock()) as store:
        conv = store.create_conversation("m", system="Be a librarian")
        reply = store.start_message(conv.id, model="m")
        store.update_message_text(reply.id, "partial answer about glaciers")
        assert roles(store, "glacier") == ["assistant"]
        store.finish_message(reply.id, content="final answer about volcanoes")
        assert store.search("glacier") == [] and roles(store, "volcano") == ["assistant"]
        store.set_system(conv.id, "Be a geologist")
        assert store.search("librarian") == [] and roles(store, "geolog") == ["system"]
        store.set_system(conv.id, None)
        assert store.search("geolog") == []
        store.set_system(conv.id, "Be brief")
        store.delete_conversation(conv.id)
        assert store.search("volcano") == [] and store.search("brief") == []


def test_a_version_2_history_is_indexed_when_migrated(db_path: Path) -> None:
    conn = db.connect(db_path)
    try:
        assert migrate(conn, target=2) == 2
        conn.execute(
            "INSERT INTO conversations (id, title, model, system, options, created_at, updated_at)"
            " VALUES ('conv00000001', 'Old', 'm', 'Réponds en français', '{}',"
            " '2025-05-01T10:00:00.000Z', '2025-05-01T10:00:00.000Z')"
        )
        conn.execute(
            "INSERT INTO messages (id, conversation_id, seq, role, content, text, created_at,"
            " updated_at) VALUES ('msg000000001', 'conv00000001', 1, 'user', '[]',"
            " 'Explique la photosynthèse', '2025-05-01T10:00:00.000Z', '2025-05-01T10:00:00.000Z')"
        )
    finally:
        conn.close()
    with HistoryStore(db_path) as store:
        assert [h.message_id for h in store.search("synthese")] == ["msg000000001"]
        assert roles(store, "francais") == ["system"]
