"""The SSE decoder: the framing rules a real server (or proxy) may use, and any split of reads."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mistral_chat.api._sse import DONE, SSEDecoder


def decode_all(pieces: list[bytes]) -> list[bytes]:
    decoder = SSEDecoder()
    events: list[bytes] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


def test_basic_events_and_done() -> None:
    body = b'data: {"a":1}\n\ndata: {"a":2}\n\ndata: [DONE]\n\n'
    assert decode_all([body]) == [b'{"a":1}', b'{"a":2}', DONE]


def test_multiline_data_joins_with_newline() -> None:
    assert decode_all([b"data: one\ndata: two\ndata:three\n\n"]) == [b"one\ntwo\nthree"]


def test_comments_keepalives_and_other_fields_are_ignored() -> None:
    body = b": keep-alive\n\nevent: message\nid: 7\nretry: 100\ndata: x\n\n:ping\n\n"
    assert decode_all([body]) == [b"x"]


def test_crlf_and_cr_line_endings() -> None:
    assert decode_all([b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"]) == [b"a", b"b", b"c"]


def test_bom_is_dropped_even_split() -> None:
    assert decode_all([b"\xef\xbb", b"\xbfdata: a\n\n"]) == [b"a"]


def test_unterminated_last_event_is_flushed() -> None:
    assert decode_all([b"data: tail"]) == [b"tail"]


def test_empty_data_field() -> None:
    assert decode_all([b"data\n\n", b"data:\n\n"]) == [b"", b""]


payloads = st.lists(
    st.text(alphabet=st.characters(blacklist_characters="\r\n", codec="utf-8"), max_size=30),
    min_size=1,
    max_size=8,
)


@given(
    payloads,
    st.sampled_from([b"\n", b"\r\n", b"\r"]),
    st.booleans(),
    st.data(),
)
def test_any_split_of_reads_gives_the_same_events(
    datas: list[str], eol: bytes, bom: bool, data: st.DataObject
) -> None:
    body = b"\xef\xbb\xbf" if bom else b""
    for text in datas:
        body += b": comment" + eol + b"data: " + text.encode() + eol + eol
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=10)))
    pieces, start = [], 0
    for cut in [*cuts, len(body)]:
        pieces.append(body[start:cut])
        start = cut
    expected = [t.encode() for t in datas]
    # a data value that starts with a space keeps it: only one leading space is syntax
    assert decode_all(pieces) == expected
