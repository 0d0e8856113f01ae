"""The shared argparse checkers in `cli/_argtypes.py`."""

from __future__ import annotations

import argparse

import pytest

from mistral_chat.cli._argtypes import int_range, positive_int, positive_seconds


def test_checkers_accept_and_refuse_in_one_line() -> None:
    assert (positive_int("3"), int_range(0, 10)("0"), positive_seconds("0.5")) == (3, 0, 0.5)
    for check, text, message in [
        (positive_int, "0", "must be 1 or more, got '0'"),
        (positive_int, "x", "expected a whole number, got 'x'"),
        (int_range(1, 168), "999", "must be from 1 to 168, got '999'"),
        (positive_seconds, "-1", "must be greater than 0, got '-1'"),
        (positive_seconds, "nan", "must be greater than 0, got 'nan'"),
        (positive_seconds, "inf", "must be greater than 0, got 'inf'"),
        (positive_seconds, "soon", "expected a number of seconds, got 'soon'"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError) as info:
            check(text)
        assert str(info.value) == message


def test_id_and_text_checkers() -> None:
    from mistral_chat.cli._argtypes import file_id, model_id, non_empty

    assert (non_empty("x"), model_id("ft:a:b"), file_id("3b1f0c2e-aa")) == (
        "x",
        "ft:a:b",
        "3b1f0c2e-aa",
    )
    assert model_id("mistralai/Mistral-7B") == "mistralai/Mistral-7B"  # self-hosted ids keep '/'
    for check, text, message in [
        (non_empty, " ", "must not be empty"),
        (model_id, "..", "'..' is not a model id"),
        (file_id, "..", "invalid file id '..'"),
        (file_id, "a/b", "invalid file id 'a/b'"),
        (positive_seconds, "3601", "must be at most 3600 seconds, got '3601'"),
    ]:
        with pytest.raises(argparse.ArgumentTypeError, match=message):
            check(text)
