"""Odd input on every command: one `error: ` line and the right exit code, never an internal
error (exit 1), a traceback, or a success that quietly ignored what was asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli_support import RunCLI
from mistral_chat.emulator import Emulator

# a 1x1 red PNG
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415478da63f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def _one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "internal error" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    ("schema", "fragment"),
    [
        ('{"type": "number", "maximum": NaN}', "NaN"),
        ('{"type": "number", "maximum": Infinity}', "Infinity"),
        ('{"type": "number", "maximum": 1e999}', "1e999"),
        ('{"a": ' * 50_000 + "1" + "}" * 50_000, "nested too deeply"),
    ],
)
def test_schema_with_numbers_json_cannot_hold_or_too_deep(
    run_cli: RunCLI, tmp_path: Path, schema: str, fragment: str
) -> None:
    (tmp_path / "odd.json").write_text(schema)
    code, out, err = run_cli("ask", "--schema", "odd.json", "hi")
    line = _one_error_line(err)
    assert code == 2 and out == "" and line.startswith("error: --schema: odd.json ")
    assert fragment in line


def test_empty_schema_says_so(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", "--schema", " ", "hi")
    assert code == 2 and _one_error_line(err) == (
        "error: --schema is empty; give a JSON Schema file or inline JSON"
    )


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://[::1", "is not a valid URL"),
        ("https://example.com:99999/a.png", "is not a valid URL (port out of range"),
        ("https://example.com:abc/a.png", "is not a valid URL"),
        ("https://exa mple.com/a.png", "has spaces or control characters"),
        ("https://example.com/a\nb.png", "has spaces or control characters"),
    ],
)
def test_attachment_urls_that_are_not_urls(run_cli: RunCLI, url: str, fragment: str) -> None:
    for args in (["ask", "-a", url, "hi"], ["ocr", url]):
        code, out, err = run_cli(*args)
        assert code == 2 and out == "" and fragment in _one_error_line(err), (args, err)


def test_corrupt_image_message_names_no_python_object(run_cli: RunCLI, tmp_path: Path) -> None:
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    code, _, err = run_cli("ask", "-a", "broken.png", "hi")
    assert code == 2 and _one_error_line(err) == (
        "error: broken.png is a corrupt or truncated PNG file (cannot identify image file); "
        "re-export or re-download it"
    )


def test_a_path_with_a_newline_stays_on_one_error_line(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", "-a", "missing\nfile.png", "hi")
    assert code == 2 and _one_error_line(err) == "error: no such file: missing\\nfile.png"


@pytest.mark.parametrize("file_id", ["", "a/b", ".", "..", "a b"])
def test_file_ids_that_cannot_be_ids(run_cli: RunCLI, file_id: str) -> None:
    for args in (
        ["files", "show", file_id],
        ["files", "download", file_id, "-o", "-"],
        ["files", "delete", "--yes", file_id],
        ["files", "url", file_id],
    ):
        code, out, err = run_cli(*args)
        line = _one_error_line(err)
        assert code == 2 and out == "" and "invalid file id" in line, (args, err)
        assert "`mistral-chat files list` shows them" in line


@pytest.mark.parametrize("model", ["", " ", ".", ".."])
def test_model_ids_that_name_no_model(run_cli: RunCLI, model: str) -> None:
    code, out, err = run_cli("models", "show", model)
    line = _one_error_line(err)
    assert code == 2 and out == "" and "argument MODEL:" in line, err
    assert "`mistral-chat models list` shows the models" in line


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "-m", "", "hi"],
        ["ask", "--conversation", "", "hi"],
        ["ocr", "-m", " ", "https://example.com/a.pdf"],
    ],
)
def test_empty_values_are_refused_not_ignored(run_cli: RunCLI, args: list[str]) -> None:
    code, out, err = run_cli(*args)
    assert code == 2 and out == "" and "must not be empty" in _one_error_line(err), err


def test_huge_limits_and_timeouts(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", "hi")
    assert code == 0, err
    for args in (["history", "list"], ["history", "search", "hi"]):
        code, out, err = run_cli(*args, "--limit", "99999999999999999999")
        assert code == 0 and "hi" in out and err == "", (args, err)
    code, out, err = run_cli("--timeout", "1e308", "ask", "hi")
    assert (
        code == 2
        and out == ""
        and _one_error_line(err)
        == (
            "error: argument --timeout: must be at most 3600 seconds, got '1e308'; "
            "see `mistral-chat --help`"
        )
    )


def _export(run_cli: RunCLI) -> dict[str, Any]:
    code, _, err = run_cli("ask", "hi")
    assert code == 0, err
    code, out, err = run_cli("history", "export", "--format", "json")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


@pytest.mark.parametrize(
    ("where", "field", "value", "fragment"),
    [
        ("message", "seq", 10**30, "'seq' is out of range"),
        ("message", "duration_ms", -(10**30), "'duration_ms' is out of range"),
        ("attachment", "size", 10**30, "'size' is out of range"),
        ("message", "content", [1, "x"], "each content chunk must be an object"),
        ("message", "content", [{"type": "text", "text": "\ud800"}], "not valid Unicode"),
        ("conversation", "title", "\udfff", "not valid Unicode"),
    ],
)
def test_import_of_values_the_database_cannot_hold(
    run_cli: RunCLI, tmp_path: Path, where: str, field: str, value: Any, fragment: str
) -> None:
    doc = _export(run_cli)
    target = doc["conversation"] if where == "conversation" else doc["messages"][0]
    if where == "attachment":
        target["attachments"] = [{"kind": "image", "url": "https://example.com/a.png"}]
        target = target["attachments"][0]
    target[field] = value
    (tmp_path / "odd.json").write_text(json.dumps(doc))  # ensure_ascii keeps lone surrogates
    code, out, err = run_cli("history", "import", "--replace", "odd.json")
    line = _one_error_line(err)
    assert code == 2 and out == "" and line.startswith("error: cannot import odd.json: ")
    assert fragment in line


def test_import_of_json_nested_too_deeply(run_cli: RunCLI, tmp_path: Path) -> None:
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = run_cli("history", "import", "deep.json")
    assert code == 2 and _one_error_line(err) == (
        "error: deep.json is nested too deeply to be an export; "
        "`history export --format json` makes one"
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1",
        "http://127.0.0.1:abc",
        "http://127.0.0.1:99999",
        "http://a..b",
        "http://" + "a" * 64 + ".example",
        "http://exa mple.com",
    ],
)
def test_base_urls_that_are_not_urls(run_cli: RunCLI, url: str) -> None:
    code, out, err = run_cli("--base-url", url, "models", "show", "x")
    line = _one_error_line(err)
    assert code == 2 and out == "" and line.startswith("error: --base-url "), err
    assert "is not a valid URL" in line and "give the server's root" in line
    code, _, err = run_cli("models", "show", "x", env={"MISTRAL_BASE_URL": url})
    assert code == 2 and _one_error_line(err).startswith("error: MISTRAL_BASE_URL "), err
    code, _, err = run_cli("config", "set", "base_url", url)
    assert code == 2 and "for base_url: not a valid URL (" in _one_error_line(err), err


def test_a_bad_base_url_in_the_config_can_be_repaired(run_cli: RunCLI, mistral_home: Path) -> None:
    mistral_home.mkdir(parents=True, exist_ok=True)
    (mistral_home / "config.toml").write_text('base_url = "http://[::1"\n')
    code, _, err = run_cli("models", "list", env={"MISTRAL_BASE_URL": None})
    line = _one_error_line(err)
    assert code == 2 and line.startswith("error: config key 'base_url' in "), err
    assert "'http://[::1': not a valid URL (invalid IPv6 URL)" in line
    assert line.endswith("fix it with `mistral-chat config set base_url VALUE`")
    code, _, err = run_cli("config", "set", "base_url", "http://127.0.0.1:8000")
    assert code == 0, err


def test_credentials_in_the_base_url_stay_out_of_messages(run_cli: RunCLI) -> None:
    code, _, err = run_cli(
        "--base-url", "http://user:s3cret@127.0.0.1:1", "--max-retries", "0", "models", "show", "x"
    )
    line = _one_error_line(err)
    # refused before any request (it would replace the key as Basic auth), never shown
    assert code == 2 and "user name or password" in line and "s3cret" not in line


def test_writing_into_a_missing_directory_names_the_path_given(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    code, _, err = run_cli("ask", "hi")
    assert code == 0, err
    (tmp_path / "adir").mkdir()
    for args, shown in [
        (["history", "export", "-o", "missing/x.md"], "missing/x.md"),
        (["history", "export", "-o", "adir"], "adir"),
    ]:
        code, out, err = run_cli(*args)
        line = _one_error_line(err)
        assert code == 2 and out == "" and line.startswith(f"error: cannot write {shown}: "), err
        assert ".part" not in line and f"/.{Path(shown).name}." not in line
    (tmp_path / "scan.png").write_bytes(_PNG)
    start = len(emulator.requests)
    code, out, err = run_cli("ocr", "scan.png", "-o", "missing/scan.md")
    assert (
        code == 2
        and out == ""
        and _one_error_line(err)
        == (
            "error: cannot write missing/scan.md: missing is not a directory; "
            "create it or choose another path (nothing was sent)"
        )
    )
    assert emulator.requests[start:] == []


@pytest.mark.parametrize(
    "args",
    [
        ["history", "export", "-o", ""],
        ["ocr", "scan.png", "-o", ""],
        ["files", "download", "3b1f0c2e-0000-4000-8000-000000000000", "-o", ""],
    ],
)
def test_an_empty_output_path_is_refused(run_cli: RunCLI, args: list[str]) -> None:
    code, out, err = run_cli(*args)
    assert code == 2 and out == "" and "must not be empty" in _one_error_line(err), err


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b'model = "caf\xe9"\n', "is not UTF-8 text"),
        (b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "is nested too deeply"),
    ],
)
def test_config_files_that_cannot_be_read(
    run_cli: RunCLI, mistral_home: Path, content: bytes, fragment: str
) -> None:
    mistral_home.mkdir(parents=True, exist_ok=True)
    (mistral_home / "config.toml").write_bytes(content)
    code, out, err = run_cli("ask", "hi")
    line = _one_error_line(err)
    assert code == 2 and out == "" and fragment in line and line.endswith("fix or delete it")


@pytest.mark.parametrize("key", ["ключ", "sk-\x01abc", "caf\udce9"])
def test_keys_no_api_key_can_be(run_cli: RunCLI, key: str) -> None:
    code, out, err = run_cli("auth", "login", input=key.encode("utf-8", "surrogateescape") + b"\n")
    assert (
        code == 2
        and out == ""
        and _one_error_line(err)
        == (
            "error: that key holds characters an API key never has (non-ASCII or control "
            "characters); paste only the key itself"
        )
    )
    code, out, err = run_cli("models", "list", env={"MISTRAL_API_KEY": key.replace("\udce9", "é")})
    assert (
        code == 3
        and out == ""
        and _one_error_line(err)
        == (
            "error: the API key from the MISTRAL_API_KEY environment variable holds characters an "
            "API key never has (non-ASCII or control characters); fix it there or run "
            "`mistral-chat auth login`"
        )
    )


@pytest.mark.parametrize(
    ("pages", "message"),
    [
        ("", "error: --pages is empty; write pages like 1,3-5"),
        (
            "99999999999999999999",
            "error: --pages: page 99999999999999999999 is too large; pages go up to 100000",
        ),
    ],
)
def test_ocr_pages_empty_or_too_large(run_cli: RunCLI, pages: str, message: str) -> None:
    code, out, err = run_cli("ocr", "https://example.com/a.pdf", "--pages", pages)
    assert code == 2 and out == "" and _one_error_line(err) == message


def test_an_empty_profile_name_is_refused(run_cli: RunCLI) -> None:
    code, out, err = run_cli("--profile", "", "ask", "hi", input="")
    assert (code, out) == (2, "")
    assert err == "error: argument --profile: must not be empty; see `mistral-chat --help`\n"


def test_empty_filters_are_refused_not_ignored(run_cli: RunCLI) -> None:
    for flag in ("--family", "--capability"):
        code, out, err = run_cli("models", "list", flag, "")
        assert (code, out) == (2, "") and f"argument {flag}: must not be empty" in err
