"""`ask --count`, `--max-cost`, generation defaults and templates, as real processes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from mistral_chat.emulator import Emulator

RunCLI = Callable[..., tuple[int, str, str]]


def sent(emu: Emulator, since: int) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.requests[since:]]


def chat_body(emu: Emulator, since: int) -> dict[str, Any]:
    bodies = [r.json for r in emu.requests[since:] if r.path == "/v1/chat/completions"]
    assert len(bodies) == 1
    return bodies[0]


def test_count_prints_the_tokens_and_sends_nothing(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.png"
    Image.new("RGB", (800, 600), "red").save(photo)
    (tmp_path / "report.pdf").write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
    )
    start = len(emulator.requests)
    code, out, err = run_cli(
        "ask", "--count", "-m", "pixtral-12b-2409", "-s", "Be brief.", "-a", "photo.png",
        "-a", "report.pdf", "What is in the picture?", input="",
    )  # fmt: skip
    assert code == 0, err
    assert sent(emulator, start) == []  # no chat request, no upload, no model list
    lines = out.splitlines()
    assert lines[0].startswith("pixtral-12b-2409: 1,9")
    assert "tokens (1.5% of its 131,072-token context; input $0.00029)" in lines[0]
    assert lines[1] == (
        "counted with mistral-common tekken_240911, pixtral-12b-2409's own tokenizer; "
        "chat template included"
    )
    assert err == "warning: not counted: a document (report.pdf) (the server reads it)\n"


def test_count_marks_an_approximate_count_and_needs_no_key(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli(
        "ask", "--count", "--json", "Hello", "there", input="", env={"MISTRAL_API_KEY": None}
    )
    assert code == 0, err
    doc = json.loads(out)
    assert doc == {
        "model": "mistral-small-latest",
        "tokens": doc["tokens"],
        "exact": False,
        "tokenizer": "tekken_240911",
        "context_length": 262144,
        "input_cost_usd": doc["tokens"] * 0.15e-6,
        "not_counted": [],
    }
    code, out, _ = run_cli("ask", "--count", "Hello", "there", input="")
    assert out.startswith(f"mistral-small-latest: ~{doc['tokens']} tokens")
    assert "the closest shipped tokenizer (mistral-small-latest's own is not shipped" in out
    assert sent(emulator, start) == []


def test_count_includes_the_conversation_so_far(run_cli: RunCLI, emulator: Emulator) -> None:
    assert run_cli("ask", "first question", input="")[0] == 0
    _, alone, _ = run_cli("ask", "--count", "--json", "-m", "open-mistral-nemo", "next", input="")
    start = len(emulator.requests)
    _, more, _ = run_cli(
        "ask", "--count", "--json", "-c", "-m", "open-mistral-nemo", "next", input=""
    )
    assert sent(emulator, start) == []
    assert json.loads(more)["exact"] is True
    assert json.loads(more)["tokens"] > json.loads(alone)["tokens"] + 5


def test_max_cost_refuses_an_expensive_request(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli(
        "ask", "-m", "mistral-small-latest", "--max-cost", "0.0001", "Explain", input="word " * 2000
    )
    assert code == 2
    assert out == ""
    assert err.startswith("error: this request would cost about $0.0009 (~2,00")
    assert err.rstrip().endswith("more than --max-cost $0.0001; nothing was sent")
    assert sent(emulator, start) == []
    assert run_cli("history", "list", "--json")[1].strip() == "[]"  # nothing was kept either
    code, out, err = run_cli(
        "ask", "-m", "mistral-small-latest", "--max-cost", "0.01", "Explain", input="word " * 2000
    )
    assert code == 0, err
    assert len(sent(emulator, start)) == 1
    code, _, err = run_cli("ask", "--max-cost", "cheap", "hi", input="")
    assert code == 2 and "expected an amount of US dollars such as 0.05" in err


def test_config_defaults_apply_and_flags_win(run_cli: RunCLI, emulator: Emulator) -> None:
    for key, value in (("temperature", "0.3"), ("max_tokens", "64"), ("format", "json")):
        code, _, err = run_cli("config", "set", key, value)
        assert code == 0, err
    code, _, err = run_cli("config", "set", "temperature", "3")
    assert code == 2
    assert err == (
        "error: invalid value '3' for temperature: temperature must be between 0 and 1.5, got 3\n"
    )
    code, out, _ = run_cli("config", "show")
    assert "temperature = 0.3\nmax_tokens = 64\nformat = json\n" in out
    assert run_cli("config", "get", "max_tokens")[1] == "64\n"
    start = len(emulator.requests)
    assert run_cli("ask", "Hi", input="")[0] == 0
    body = chat_body(emulator, start)
    assert (body["temperature"], body["max_tokens"]) == (0.3, 64)
    assert body["response_format"] == {"type": "json_object"}
    start = len(emulator.requests)
    assert run_cli("ask", "--temperature", "0.9", "--format", "text", "Hi", input="")[0] == 0
    body = chat_body(emulator, start)
    assert (body["temperature"], body["max_tokens"]) == (0.9, 64)
    assert "response_format" not in body


def test_a_template_saved_listed_shown_used_and_deleted(
    run_cli: RunCLI, emulator: Emulator, mistral_home: Path
) -> None:
    code, _, err = run_cli(
        "template", "save", "commit", "-m", "codestral-latest", "-s", "You write commit messages.",
        "-p", "Write a commit message for this diff:\n\n{input}", "--temperature", "0.2",
        "-d", "a commit message for a diff",
    )  # fmt: skip
    assert code == 0, err
    path = mistral_home / "templates" / "commit.toml"
    assert err == f"saved template commit in {path}\n"
    assert run_cli("template", "list")[1] == (
        "commit  codestral-latest  a commit message for a diff\n"
    )
    code, out, _ = run_cli("template", "show", "commit")
    assert out == path.read_text()
    assert 'prompt = """\nWrite a commit message for this diff:\n\n{input}"""' in out
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-t", "commit", input="+print('hi')\n")
    assert code == 0, err
    body = chat_body(emulator, start)
    assert body["model"] == "codestral-latest"
    assert body["temperature"] == 0.2
    assert body["messages"] == [
        {"role": "system", "content": "You write commit messages."},
        {"role": "user", "content": "Write a commit message for this diff:\n\n+print('hi')"},
    ]
    # a flag wins over the template
    start = len(emulator.requests)
    assert run_cli("ask", "-t", "commit", "-m", "mistral-small-latest", "x", input="")[0] == 0
    assert chat_body(emulator, start)["model"] == "mistral-small-latest"
    code, _, err = run_cli("ask", "-t", "nope", "x", input="")
    assert code == 2
    assert err == (
        "error: no template 'nope' (templates: commit); save one with "
        "`mistral-chat template save nope -s SYSTEM ...`\n"
    )
    assert run_cli("template", "delete", "commit")[0] == 2  # no terminal to confirm on
    assert run_cli("template", "delete", "commit", "--yes")[2] == "deleted template commit\n"
    assert not path.exists()


def _editor(tmp_path: Path, text: str) -> str:
    """An $EDITOR that writes `text` into the file it is given."""
    script = tmp_path / "editor.py"
    script.write_text(f"import sys, pathlib\npathlib.Path(sys.argv[1]).write_text({text!r})\n")
    return f"{sys.executable} {script}"


def test_edit_opens_the_editor_and_checks_what_was_written(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path, mistral_home: Path
) -> None:
    bad = _editor(tmp_path, 'system = "Answer in French."\n[options]\ntemperature = 7\n')
    code, _, err = run_cli("template", "edit", "fr", env={"EDITOR": bad, "VISUAL": None})
    assert code == 2
    draft = mistral_home / "templates" / ".fr.draft.toml"
    assert err == (
        "error: the edited template fr: temperature must be between 0 and 1.5, got 7; nothing "
        f"was changed; your edit is kept in {draft} and `mistral-chat template edit fr` opens "
        "it again\n"
    )
    assert run_cli("template", "list")[2].startswith("no templates yet")
    good = _editor(tmp_path, 'system = "Answer in French."\n[options]\ntemperature = 0.7\n')
    code, _, err = run_cli("template", "edit", "fr", env={"EDITOR": good, "VISUAL": None})
    assert code == 0, err
    assert err == (
        f"continuing your unsaved edit ({draft})\n"
        f"saved template fr in {mistral_home / 'templates' / 'fr.toml'}\n"
    )
    assert not draft.exists()
    start = len(emulator.requests)
    assert run_cli("ask", "-t", "fr", "Hello", input="")[0] == 0
    body = chat_body(emulator, start)
    assert body["temperature"] == 0.7
    assert body["messages"][0] == {"role": "system", "content": "Answer in French."}
