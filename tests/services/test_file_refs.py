"""File ids by unique prefix: `resolve_file_id` against the emulator's Files API."""

from __future__ import annotations

import io
from collections import Counter

import pytest

from mistral_chat.api import Client
from mistral_chat.emulator import Emulator
from mistral_chat.services import file_refs
from mistral_chat.services.file_refs import AmbiguousFileId, FileIdNotFound, resolve_file_id


def test_a_unique_prefix_names_its_file_across_pages(
    emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Client("test", base_url=emulator.base_url) as client:
        ids = [
            client.files.upload(io.BytesIO(b"x"), filename=f"prefix-{n}.txt").id for n in range(17)
        ]  # 17 ids, 16 hex digits: two start alike
        try:
            monkeypatch.setattr(file_refs, "LIST_PAGE_SIZE", 5)  # several pages to read
            for file_id in ids:
                assert resolve_file_id(client, file_id[:13]) == file_id
                assert resolve_file_id(client, file_id.upper()) == file_id  # whole: no listing
            first, count = Counter(i[0] for i in ids).most_common(1)[0]
            with pytest.raises(AmbiguousFileId) as several:
                resolve_file_id(client, first)
            assert len(several.value.candidates) >= count >= 2
            assert str(several.value).startswith(f"'{first}' starts ")
            assert str(several.value).endswith("; type more of the id")
            with pytest.raises(FileIdNotFound, match="no uploaded file's id starts with 'zz'"):
                resolve_file_id(client, "zz", listing="`list`")
        finally:
            for file_id in ids:
                client.files.delete(file_id)
