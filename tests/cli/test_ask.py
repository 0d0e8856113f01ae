"""`mistral-chat ask` as a real subprocess against the emulator."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cli_support import reaped
from mistral_chat.api import Client
from mistral_chat.emulator import Emulator

# the shared fixtures are in tests/conftest.py; their types and env helper are restated here
# because `from conftest import ...` can resolve to another directory's conftest module
RunCLI = Callable[..., tuple[int, str, str]]


def cli_env(env: Mapping[str, str]) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", **env}


def chat_requests(emu: Emulator, since: int) -> list[Any]:
    return [r for r in emu.requests[since:] if r.path == "/v1/chat/completions"]


def image(path: Path, fmt: str, size: tuple[int, int], color: str = "red") -> str:
    Image.new("RGB", size, color).save(path, fmt)
    return str(path)


def test_plain_answer_when_piped_sends_exactly_one_request(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "Hello", "there", input="")
    assert code == 0, err
    assert out == "You said: Hello there\n\nMessages: 1 (user 1)\n"
    assert err == ""  # no spinner or stats line when stderr is not a terminal
    sent = emulator.requests[start:]
    assert [(r.method, r.path) for r in sent] == [("POST", "/v1/chat/completions")]
    assert sent[0].json["stream"] is True
    assert sent[0].json["model"] == "mistral-small-latest"


def test_stdin_is_appended_to_the_prompt(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    code, out, _ = run_cli("ask", "Summarise:", input="line one\nline two\n")
    assert code == 0
    body = chat_requests(emulator, start)[0].json
    assert body["messages"] == [{"role": "user", "content": "Summarise:\n\nline one\nline two"}]
    code, out, _ = run_cli("ask", input="only stdin\n")
    assert code == 0 and "You said: only stdin" in out


def test_json_output(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "--json", "-m", "ministral-8b-latest", "Hi", input="")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc) == {"conversation_id", "model", "content", "finish_reason", "usage"}
    assert doc["model"] == "ministral-8b-latest"
    assert doc["content"].startswith("You said: Hi")
    assert doc["finish_reason"] == "stop"
    assert doc["usage"]["total_tokens"] > 0
    assert doc["conversation_id"]


def test_no_stream_and_generation_options(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli(
        "ask", "--no-stream", "-s", "Be terse.", "--temperature", "0.3", "--top-p", "0.9",
        "--max-tokens", "50", "--seed", "7", "--safe-prompt", "Hi", input="",
    )  # fmt: skip
    assert code == 0, err
    assert "You said: Hi" in out and "System: Be terse." in out
    body = chat_requests(emulator, start)[0].json
    assert "stream" not in body
    assert body["messages"][0] == {"role": "system", "content": "Be terse."}
    assert (body["temperature"], body["top_p"], body["max_tokens"]) == (0.3, 0.9, 50)
    assert (body["random_seed"], body["safe_prompt"]) == (7, True)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--temperature", "2"], "error: --temperature must be between 0 and 1.5"),
        (["--top-p", "0"], "error: --top-p must be greater than 0"),
        (["--max-tokens", "-1"], "error: --max-tokens must be 0 or more"),
        (["--seed", "x"], "error: --seed must be a whole number"),  # the flag, not random_seed
    ],
)
def test_bad_option_exits_2_before_any_request(
    run_cli: RunCLI, emulator: Emulator, flags: list[str], message: str
) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli("ask", *flags, "Hi", input="")
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert out == "" and emulator.requests[start:] == []


def test_large_jpeg_and_png_are_sent_with_their_types(
    run_cli: RunCLI, tmp_path: Path, emulator: Emulator
) -> None:
    jpeg = image(tmp_path / "photo.jpg", "JPEG", (6000, 4000), "blue")
    png = image(tmp_path / "dot.png", "PNG", (64, 48), "red")
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", jpeg, "-a", png, "What is this?", input="")
    assert code == 0, err
    assert "Image 1: JPEG 1024x683" in out and "sent as data URI image/jpeg" in out
    assert "Image 2: PNG 64x48, dominant colour red" in out and "sent as data URI image/png" in out
    # the vision check reads /v1/models once; the chat request follows
    paths = [r.path for r in emulator.requests[start:]]
    assert paths == ["/v1/models", "/v1/chat/completions"]
    start = len(emulator.requests)
    code, out, _ = run_cli("ask", "-a", jpeg, "again", input="")
    assert code == 0
    # a fresh cache is used the second time
    assert [r.path for r in emulator.requests[start:]] == ["/v1/chat/completions"]


def test_image_max_side(run_cli: RunCLI, tmp_path: Path) -> None:
    jpeg = image(tmp_path / "photo.jpg", "JPEG", (1200, 800))
    code, out, _ = run_cli("ask", "--image-max-side", "300", "-a", jpeg, "x", input="")
    assert code == 0 and "Image 1: JPEG 300x200" in out


def test_document_url_and_uploaded_file(run_cli: RunCLI, tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n" + b"x" * 2000 + b"\n%%EOF\n")
    notes = tmp_path / "notes.txt"
    notes.write_text("remember the milk\n")
    # its own emulator: the uploads must not show up in other tests' file listings
    with Emulator() as emu:
        with Client("test", base_url=emu.base_url) as client:
            uploaded = client.files.upload(notes, purpose="ocr")
        code, out, err = run_cli(
            "ask", "-a", str(pdf), "-a", "https://example.com/cat.png",
            "-a", "https://example.com/paper.pdf", "-a", f"file:{uploaded.id}", "Read these",
            input="", env={"MISTRAL_BASE_URL": emu.base_url},
        )  # fmt: skip
        assert code == 0, err
        with Client("test", base_url=emu.base_url) as client:
            purposes = {f.filename: f.purpose for f in client.files.list().data}
    assert purposes == {"notes.txt": "ocr", "report.pdf": "ocr"}
    size = pdf.stat().st_size
    assert f"Document 1: report.pdf ({size} bytes, application/pdf) via signed URL" in out
    assert "Image 1: URL https://example.com/cat.png" in out
    assert "Document 2: URL https://example.com/paper.pdf" in out
    assert f"File 1: notes.txt ({notes.stat().st_size} bytes)" in out


def test_text_files_go_inline_with_no_upload(
    run_cli: RunCLI, tmp_path: Path, emulator: Emulator
) -> None:
    (tmp_path / "add.py").write_text("def add(a, b):\n    return a + b\n")
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", "add.py", "Review this", input="")
    assert code == 0, err
    assert [r.path for r in emulator.requests[start:]] == ["/v1/chat/completions"]
    assert "You said: Review this File: add.py ```py def add(a, b): return a + b ```" in " ".join(
        out.split()
    )
    code, out, _ = run_cli("history", "show")
    assert "[text] add.py" in out


def test_piped_photo_or_pdf_is_attached_and_text_is_appended(
    run_cli: RunCLI, tmp_path: Path, emulator: Emulator
) -> None:
    png = Path(image(tmp_path / "dot.png", "PNG", (30, 20))).read_bytes()
    code, out, err = run_cli("ask", "What is this?", input=png)  # no -a: it is not text
    assert code == 0, err
    assert "Image 1: PNG 30x20" in out and "You said: What is this?" in out
    code, out, _ = run_cli("history", "show")
    assert "[image] stdin.png" in out
    pdf = b"%PDF-1.4\n" + b"0" * 100 + b"\n%%EOF\n"
    code, out, err = run_cli("ask", "-a", "-", "Summarise", input=pdf)
    assert code == 0 and "Document 1: stdin.pdf (116 bytes, application/pdf)" in out, err
    code, out, err = run_cli("ask", "-a", "-", "Review", input="x = 1\n")
    assert code == 0 and "File: stdin.txt ```txt x = 1 ```" in " ".join(out.split()), err
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "x", input=bytes(range(256)) * 4)
    assert (code, out) == (2, "") and err.startswith("error: stdin is binary data"), err
    code, out, err = run_cli("ask", "-a", "-", "x", input="")
    assert code == 2 and "-a - attaches stdin, but nothing was piped" in err
    assert emulator.requests[start:] == []


def test_missing_attachment_exits_2(run_cli: RunCLI, emulator: Emulator) -> None:
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "-a", "missing.png", "x", input="")
    assert (code, out) == (2, "")
    assert err == "error: no such file: missing.png\n"
    assert emulator.requests[start:] == []


def test_ninth_image_exits_2(run_cli: RunCLI, tmp_path: Path, emulator: Emulator) -> None:
    png = image(tmp_path / "dot.png", "PNG", (8, 8))
    start = len(emulator.requests)
    code, _, err = run_cli("ask", *(["-a", png] * 9), "x", input="")
    assert code == 2 and "9 images in one message" in err and "at most 8" in err
    assert emulator.requests[start:] == []


def test_image_to_a_model_without_vision_exits_2(run_cli: RunCLI, tmp_path: Path) -> None:
    png = image(tmp_path / "dot.png", "PNG", (8, 8))
    code, _, err = run_cli("ask", "-m", "codestral-latest", "-a", png, "x", input="")
    assert code == 2
    assert err.startswith("error: codestral-latest cannot read images")
    assert "mistral-small" in err  # names models that have vision


def test_no_prompt_exits_2(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", input="")
    assert code == 2 and err.startswith("error: no prompt given")


def test_no_key_exits_3(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", "Hi", input="", env={"MISTRAL_API_KEY": None})
    assert code == 3 and err.startswith("error: no API key found")


def test_rejected_key_exits_3(run_cli: RunCLI, emulator: Emulator) -> None:
    emulator.inject("status", status=401, path="/v1/chat/completions")
    code, out, err = run_cli("ask", "Hi", input="")
    assert (code, out) == (3, "")
    assert err.startswith("error: the API rejected the key (401)")


@pytest.mark.parametrize("status", [400, 422])
def test_rejected_request_exits_4(run_cli: RunCLI, emulator: Emulator, status: int) -> None:
    emulator.inject("status", status=status, path="/v1/chat/completions")
    code, out, err = run_cli("ask", "Hi", input="")
    assert (code, out) == (4, "")
    assert err.startswith("error: the API") and f"({status})" in err


def test_unknown_model_exits_4(run_cli: RunCLI) -> None:
    code, _, err = run_cli("ask", "-m", "no-such-model", "Hi", input="")
    assert code == 4 and "no-such-model" in err


def test_unavailable_after_retries_exits_5(run_cli: RunCLI, emulator: Emulator) -> None:
    emulator.inject("status", status=503, retry_after="0", times=3, path="/v1/chat/completions")
    start = len(emulator.requests)
    code, out, err = run_cli("ask", "Hi", input="")
    assert (code, out) == (5, "")
    assert "503" in err and "3 attempts" in err
    assert len(chat_requests(emulator, start)) == 3
    # nothing a user typed is lost to an error: the question is kept in the history
    code, out, _ = run_cli("history", "list", "--json")
    (conv,) = json.loads(out)
    assert conv["message_count"] == 1 and conv["title"] == "Hi"


def test_cut_stream_keeps_partial_answer_and_exits_5(run_cli: RunCLI, emulator: Emulator) -> None:
    emulator.inject("cut", after_chunks=5, path="/v1/chat/completions")
    code, out, err = run_cli("ask", "emulator:markdown 200", input="")
    assert code == 5
    assert out.strip()  # what arrived stays on stdout
    assert err.startswith("error: ") and "broke off" in err
    code, listing, _ = run_cli("history", "list", "--json")
    conv_id = json.loads(listing)[0]["id"]
    code, shown, _ = run_cli("history", "show", conv_id, "--json")
    answer = json.loads(shown)["messages"][-1]
    assert answer["status"] == "interrupted"
    assert answer["content"][0]["text"].strip() == out.strip()


def test_no_log_leaves_no_history(run_cli: RunCLI) -> None:
    code, out, _ = run_cli("ask", "--json", "--no-log", "secret stuff", input="")
    assert code == 0 and json.loads(out)["conversation_id"] is None
    code, out, _ = run_cli("history", "list", "--json")
    assert json.loads(out) == []


def test_config_log_false_leaves_no_history(run_cli: RunCLI, mistral_home: Path) -> None:
    mistral_home.mkdir(parents=True, exist_ok=True)
    (mistral_home / "config.toml").write_text("log = false\n")
    code, _, err = run_cli("ask", "Hi", input="")
    assert code == 0, err
    code, out, _ = run_cli("history", "list", "--json")
    assert json.loads(out) == []


def test_ctrl_c_keeps_what_streamed_and_exits_130(emulator: Emulator, tmp_path: Path) -> None:
    env = cli_env({"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "mistral_chat", "ask", "emulator:markdown 400 delay=20"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    with reaped(proc):
        first = proc.stdout.read(40)  # the answer has started
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert len(first) == 40 and b"interrupted" in err
    from mistral_chat.storage import HistoryStore

    with HistoryStore(Path(os.environ["MISTRAL_CHAT_HOME"]) / "history.db") as store:
        conv = store.latest_conversation()
    assert conv is not None
    answer = conv.messages[-1]
    assert answer.status == "interrupted"
    assert answer.text and (first + rest).decode().startswith(answer.text[:40])


def test_stats_line_on_a_terminal(emulator: Emulator, tmp_path: Path) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = cli_env(
        {"MISTRAL_BASE_URL": emulator.base_url, "MISTRAL_API_KEY": "test", "TERM": "xterm"}
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "mistral_chat", "ask", "emulator:markdown 40"],
        env=env,
        cwd=str(tmp_path),
        encoding="utf-8",
        timeout=30,
        dimensions=(24, 200),  # wide enough for the line not to break between words
    )
    child.expect(
        r"mistral-small-latest · \d+ in, \d+ out · first token [\d.]+ s(?: · \d+ tokens/s)? · ~\$"
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_help_lists_every_option(run_cli: RunCLI) -> None:
    code, out, _ = run_cli("ask", "--help")
    assert code == 0
    for flag in (
        "--model", "--system", "--attach", "--temperature", "--top-p", "--max-tokens", "--seed",
        "--safe-prompt", "--no-safe-prompt", "--no-stream", "--json", "--continue",
        "--conversation", "--no-log", "--image-max-side",
    ):  # fmt: skip
        assert flag in out


def test_empty_stdin_leaves_the_argument_prompt_alone(run_cli: RunCLI) -> None:
    # Start-up time is bench/bench_startup.py's business, not a timed assertion here.
    code, out, _ = run_cli("ask", "quick", input="")
    assert code == 0 and "quick" in out
