"""A self-hosted OpenAI-compatible server (vLLM, llama.cpp, Ollama), as a person uses it: no key,
no -m, images and text files work; a PDF says in one line that the server has no Files API.

The server is `_openai_server.OpenAICompatibleServer`: it lists models without capabilities,
has no Files API and streams chat completions OpenAI-style. mistral-chat runs as a real process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _openai_server import OpenAICompatibleServer
from PIL import Image

RunCLI = Callable[..., tuple[int, str, str]]
NO_FILES_API = (
    "error: this server has no Files API: PDFs and Office documents need one; "
    "send text files or images\n"
)


@pytest.fixture
def server() -> Iterator[OpenAICompatibleServer]:
    with OpenAICompatibleServer() as s:
        yield s


def at(server: OpenAICompatibleServer, **env: str | None) -> dict[str, str | None]:
    """The environment of a person using `server`: its URL, and no key anywhere."""
    return {"MISTRAL_BASE_URL": server.base_url, "MISTRAL_API_KEY": None, **env}


def test_no_key_no_model_an_image_and_a_text_file_work(
    run_cli: RunCLI, server: OpenAICompatibleServer, tmp_path: Path
) -> None:
    Image.new("RGB", (64, 48), "red").save(tmp_path / "red.png")
    (tmp_path / "notes.txt").write_text("buy milk\n")
    code, out, err = run_cli(
        "ask", "-a", "red.png", "-a", "notes.txt", "What is this?", input="", env=at(server)
    )
    assert (code, err) == (0, "")
    # the server's answer describes what it received: the question, the file, the image
    assert out == (
        "1. user: What is this? | File: notes.txt ```txt buy milk ``` [images: data:image/png]\n"
    )
    body = server.chat_bodies()[0]
    assert body["model"] == "local-vlm"  # the server's only model, with none set
    assert body["stream"] is True
    sent = next(r for r in server.requests if r.path == "/v1/chat/completions")
    assert "authorization" not in sent.headers  # no key, not even a dummy one
    # its model list said nothing of vision: the server decided, and took the image
    assert [r.path for r in server.requests] == ["/v1/models", "/v1/chat/completions"]


def test_a_pdf_names_the_missing_files_api(
    run_cli: RunCLI, server: OpenAICompatibleServer, tmp_path: Path
) -> None:
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n" + b"x" * 200 + b"\n%%EOF\n")
    code, out, err = run_cli("ask", "-a", "report.pdf", "Summarise", input="", env=at(server))
    assert (code, out, err) == (4, "", NO_FILES_API)
    assert not server.chat_bodies()  # nothing was asked without the document
    code, out, err = run_cli("ocr", "report.pdf", env=at(server))
    assert (code, out, err) == (4, "", NO_FILES_API)


def test_the_first_chat_model_when_the_server_has_several(run_cli: RunCLI, tmp_path: Path) -> None:
    with OpenAICompatibleServer(models=["qwen2.5-7b", "llava-13b"]) as server:
        code, _, err = run_cli("ask", "hi", input="", env=at(server))
        assert code == 0, err
        code, _, err = run_cli("ask", "-m", "llava-13b", "hi", input="", env=at(server))
        assert code == 0, err
        code, _, err = run_cli("ask", "-m", "nope", "hi", input="", env=at(server))
        assert code == 4 and "The model `nope` does not exist" in err
    assert [b["model"] for b in server.chat_bodies()] == ["qwen2.5-7b", "llava-13b", "nope"]


def test_a_server_that_wants_a_key_says_so_and_gets_it(run_cli: RunCLI) -> None:
    with OpenAICompatibleServer(api_key="sk-local-0123456789") as server:
        code, out, err = run_cli("ask", "hi", input="", env=at(server))
        host = server.base_url.removeprefix("http://").removesuffix("/v1")
        assert (code, out) == (3, "")
        assert err == (
            f"error: no API key found, and {host} asks for one (401: Incorrect API key "
            "provided); run `mistral-chat auth login` or set MISTRAL_API_KEY\n"
        )
        code, out, err = run_cli(
            "ask", "hi", input="", env=at(server, MISTRAL_API_KEY="sk-local-0123456789")
        )
        assert code == 0, err
        assert out == "1. user: hi [images: none]\n"
    assert server.requests[-1].headers["authorization"] == "Bearer sk-local-0123456789"


def test_whole_answers_and_continued_conversations(
    run_cli: RunCLI, server: OpenAICompatibleServer, tmp_path: Path
) -> None:
    Image.new("RGB", (32, 32), "blue").save(tmp_path / "blue.png")
    code, out, err = run_cli("ask", "--no-stream", "-a", "blue.png", "one", env=at(server))
    assert code == 0, err
    assert out == "1. user: one [images: data:image/png]\n"
    code, out, err = run_cli("ask", "-c", "two", input="", env=at(server))
    assert code == 0, err
    # the first turn's image goes again, with the model the conversation started with
    assert out.splitlines()[0] == "1. user: one [images: data:image/png]"
    assert out.splitlines()[-1] == "3. user: two [images: none]"
    assert server.chat_bodies()[-1]["model"] == "local-vlm"


def test_vision_lets_the_server_decide_when_the_catalog_says_no(
    run_cli: RunCLI, tmp_path: Path
) -> None:
    Image.new("RGB", (16, 16), "red").save(tmp_path / "red.png")
    ask = ("ask", "-m", "codestral-latest", "-a", "red.png", "what?")
    code, _, err = run_cli(*ask, input="")
    assert code == 2 and err.startswith("error: codestral-latest cannot read images")
    # forced: the request goes, and the server (the emulator, as Mistral's API) refuses it
    refused = (
        "error: the API rejected the request (400): Model codestral-latest does not support "
        "image input; `mistral-chat models list` shows the models\n"
    )
    assert run_cli(*ask[:1], "--vision", *ask[1:], input="")[::2] == (4, refused)
    assert run_cli("config", "set", "vision", "true")[0] == 0
    assert run_cli(*ask, input="")[::2] == (4, refused)
    code, out, _ = run_cli("config", "get", "vision")
    assert (code, out) == (0, "true\n")


def test_the_files_commands_name_the_missing_files_api(
    run_cli: RunCLI, server: OpenAICompatibleServer, tmp_path: Path
) -> None:
    (tmp_path / "a.txt").write_text("x")
    for args in (["files", "list"], ["files", "upload", "a.txt"]):
        code, out, err = run_cli(*args, env=at(server))
        assert (code, out) == (4, ""), args
        assert err == (
            "error: this server has no Files API (it answered 404 on /v1/files); the files "
            "commands need one\n"
        )
