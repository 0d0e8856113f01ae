"""`ask --stop`, `--format json` and `--schema`: checked before sending, sent as the spec says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cli_support import RunCLI
from mistral_chat.emulator import Emulator


def _sent(emulator: Emulator, start: int) -> dict[str, Any]:
    bodies = [r.json for r in emulator.requests[start:] if r.path == "/v1/chat/completions"]
    assert len(bodies) == 1
    return bodies[0]


def test_stop_and_format_reach_the_request(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    code, _, err = run_cli("ask", "--stop", "###", "--stop", "END", "hi")
    assert code == 0, err
    assert _sent(emulator, start)["stop"] == ["###", "END"]
    start = len(emulator.requests)
    code, _, err = run_cli("ask", "--format", "json", "List three colours as JSON")
    assert code == 0, err
    body = _sent(emulator, start)
    assert body["response_format"] == {"type": "json_object"} and "stop" not in body


def test_schema_file_is_sent_strict_with_its_name(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    (tmp_path / "place.json").write_text(json.dumps(schema))
    start = len(emulator.requests)
    code, _, err = run_cli("ask", "--schema", "place.json", "Where is the Eiffel tower?")
    assert code == 0, err
    assert _sent(emulator, start)["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "place", "schema": schema, "strict": True},
    }


def test_bad_formats_are_refused_before_sending(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    for args, message in [
        (["--schema", "missing.json"], "error: --schema: no such file 'missing.json'"),
        (["--schema", '{"type": '], "error: --schema: the inline schema is not valid JSON"),
        (["--schema", '{"type": "object"}', "--format", "text"], "cannot go with --format text"),
        (["--stop", ""], "error: --stop must be one or more non-empty strings"),
        (["--format", "yaml"], "--format: unknown value 'yaml'"),
    ]:
        code, out, err = run_cli("ask", *args, "hi")
        assert code == 2 and out == "" and message in err, (args, err)
    assert len(emulator.requests) == start


def test_a_continued_conversation_keeps_its_format_until_told(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    assert run_cli("ask", "--format", "json", "Give JSON")[0] == 0
    start = len(emulator.requests)
    assert run_cli("ask", "-c", "More JSON")[0] == 0
    assert _sent(emulator, start)["response_format"] == {"type": "json_object"}
    start = len(emulator.requests)
    assert run_cli("ask", "-c", "--format", "text", "Now in prose")[0] == 0
    assert "response_format" not in _sent(emulator, start)
    start = len(emulator.requests)
    assert run_cli("ask", "-c", "Still prose")[0] == 0
    assert "response_format" not in _sent(emulator, start)


def test_json_answers_arrive_whole_and_valid(run_cli: RunCLI, tmp_path: Path) -> None:
    import jsonschema

    code, out, err = run_cli("ask", "--format", "json", "List three colours")
    assert code == 0, err
    assert json.loads(out) == {
        "you_said": "List three colours",
        "messages": {"total": 1, "user": 1},
    }
    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "country": {"type": "string", "enum": ["France", "Italy"]},
            "height_m": {"type": "integer", "minimum": 300},
        },
        "required": ["city", "country", "height_m"],
    }
    (tmp_path / "place.json").write_text(json.dumps(schema))
    code, out, err = run_cli("ask", "--schema", "place.json", "Where is the Eiffel tower?")
    assert code == 0, err
    jsonschema.validate(json.loads(out), schema)


def test_stop_cuts_the_answer(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "--stop", "Messages", "hi")
    assert code == 0 and out.startswith("You said: hi") and "Messages" not in out, err
