"""services.image_store: content-addressed, private, capped (least recently used go first)."""

from __future__ import annotations

import doctest
import hashlib
import os
import stat
from pathlib import Path

import pytest

from mistral_chat.services import image_store
from mistral_chat.services.image_store import ImageStore, kept_image_ref
from mistral_chat.storage import HistoryStore
from mistral_chat.storage.records import Attachment


def test_doctests() -> None:
    assert doctest.testmod(image_store).failed == 0


def test_the_same_bytes_are_one_private_file(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images")
    sha = store.put(b"one image")
    assert store.put(b"one image") == sha == hashlib.sha256(b"one image").hexdigest()
    [path] = [p for p in (tmp_path / "images").rglob("*") if p.is_file()]
    assert path == tmp_path / "images" / sha[:2] / sha
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert store.get(sha) == b"one image" and store.total_bytes() == 9
    assert store.data_uri("image/png", sha) == "data:image/png;base64,b25lIGltYWdl"


def test_gone_damaged_or_malformed_reads_as_none(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images")
    assert store.get("0" * 64) is None and store.data_uri("image/png", "0" * 64) is None
    assert store.get("../../etc/passwd") is None  # never a path outside the store
    sha = store.put(b"bytes")
    store.path(sha).write_bytes(b"other bytes")
    assert store.get(sha) is None  # better a note than the wrong image
    with pytest.raises(ValueError, match="not a sha256"):
        store.path("abc")


def test_past_the_cap_the_least_recently_used_go_first(tmp_path: Path) -> None:
    store = ImageStore(tmp_path / "images", max_bytes=300)
    a, b, c = (store.put(bytes([n]) * 100) for n in (1, 2, 3))
    for age, sha in ((300, a), (200, b), (100, c)):  # a oldest, c newest
        os.utime(store.path(sha), (0, 1_000_000 - age))
    assert store.get(a) is not None  # using a makes b the least recently used
    d = store.put(bytes([4]) * 100)
    assert store.get(b) is None
    assert all(store.get(s) is not None for s in (a, c, d))
    assert store.total_bytes() == 300
    # one image larger than the whole cap is still kept (until the next one comes)
    big = store.put(b"x" * 400)
    assert store.get(big) is not None and store.total_bytes() == 400


def test_kept_image_ref_reads_the_historys_description() -> None:
    ref = kept_image_ref("omitted:image/jpeg;sha256=" + "ab" * 32 + ";bytes=1234")
    assert ref is not None and (ref.mime, ref.sha256) == ("image/jpeg", "ab" * 32)
    for url in ("https://h/a.png", "omitted:image/png;bytes=3", "data:image/png;base64,AA=="):
        assert kept_image_ref(url) is None


def test_forget_unreferenced_keeps_what_another_message_uses(tmp_path: Path) -> None:
    images = ImageStore(tmp_path / "images")
    shared, alone = images.put(b"shared"), images.put(b"alone")
    with HistoryStore(tmp_path / "history.db") as history:
        convs = []
        for shas in ((shared, alone), (shared,)):
            conv = history.create_conversation("m")
            attached = [Attachment(kind="image", sha256=s, mime_type="image/png") for s in shas]
            history.add_message(conv.id, "user", "look", attachments=attached)
            convs.append(history.get_conversation(conv.id))
        gone = image_store.conversation_images(convs[0])
        assert gone == {shared, alone}
        history.delete_conversation(convs[0].id)
        assert image_store.forget_unreferenced(history, images, gone) == 1
        assert images.get(shared) == b"shared" and images.get(alone) is None
        assert image_store.forget_unreferenced(history, images, []) == 0
