"""Global options and every error path: exit code and the one `error: ...` line."""

from __future__ import annotations

import json
import re

import pytest

from cli_support import RunCLI
from mistral_chat.emulator import Emulator


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if not line.startswith("debug: ")]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


# the program itself, as a process: its exit codes, streams and messages end to end (the
# other tests run the same command code in this process; MISTRAL_CHAT_TEST_PROCESSES=1 runs
# them all as processes)
@pytest.mark.processes
def test_no_key_and_usage_errors(run_cli: RunCLI, emulator: Emulator) -> None:
    # Mistral's API: refused before anything is sent (nothing is listening there in tests)
    mistral = {"MISTRAL_API_KEY": None, "MISTRAL_BASE_URL": "https://api.mistral.ai"}
    code, out, err = run_cli("models", "list", env=mistral)
    assert code == 3 and out == ""
    assert _one_error_line(err) == (
        "error: no API key found; run `mistral-chat auth login` or set MISTRAL_API_KEY "
        "(or try --emulator)"
    )
    # another server is asked without a key; this one (the emulator) wants one
    code, out, err = run_cli("models", "list", env={"MISTRAL_API_KEY": None})
    host = emulator.base_url.removeprefix("http://")
    assert code == 3 and out == ""
    assert _one_error_line(err) == (
        f"error: no API key found, and {host} asks for one (401: Unauthorized); run "
        "`mistral-chat auth login` or set MISTRAL_API_KEY"
    )
    for args, fragment in [
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["teleport"], "unknown command 'teleport'"),
        (["models"], "`models` needs a subcommand"),
        (["--timeout", "0", "models", "list"], "--timeout: must be greater than 0"),
        (["--max-retries", "x", "models", "list"], "--max-retries: expected a whole number"),
        (["--base-url", "localhost:8000", "models", "list"], "--base-url 'localhost:8000' is"),
    ]:
        code, out, err = run_cli(*args)
        assert code == 2 and fragment in _one_error_line(err), (args, err)
    code, out, err = run_cli()  # no command, not a terminal: help on stderr
    assert code == 2 and out == "" and "usage: mistral-chat" in err and "no command" in err


@pytest.mark.processes
def test_rate_limit_server_errors_and_timeouts(run_cli: RunCLI, emulator: Emulator) -> None:
    emulator.inject("status", status=429, retry_after=120, path="/v1/models")
    code, _, err = run_cli("models", "show", "mistral-large-latest")
    assert code == 5 and _one_error_line(err) == (
        "error: the API rate-limited this key (429) once; try again in 120 s"
    )
    emulator.inject("status", status=429, retry_after=0, times=2, path="/v1/files")
    code, _, err = run_cli("--max-retries", "1", "files", "list")
    assert code == 5 and "rate-limited this key (429) 2 times; try again in" in err

    emulator.inject("html", status=502, times=2, path="/v1/files")
    code, _, err = run_cli("--max-retries", "1", "files", "list")
    line = _one_error_line(err)
    host = emulator.base_url.removeprefix("http://")
    assert code == 5 and line.startswith(f"error: {host} failed (502: ")
    assert "retries exhausted after 2 attempts" in line and "<html" not in line

    emulator.inject("slow", delay=3, path="/v1/files")
    code, _, err = run_cli("--timeout", "0.5", "--max-retries", "0", "files", "list")
    assert code == 5 and _one_error_line(err).startswith(f"error: timed out talking to {host}")

    for status, exit_code, start in [
        (400, 4, "error: the API rejected the request (400): "),
        (403, 3, "error: the API refused this key access (403): "),
        (401, 3, "error: the API rejected the key (401): "),
        (500, 5, f"error: {host} failed (500: "),
    ]:
        emulator.inject("status", status=status, path="/v1/files")
        code, _out, err = run_cli("--max-retries", "0", "files", "list")
        assert code == exit_code and _one_error_line(err).startswith(start), (status, err)


def test_debug_logs_requests_never_the_key(run_cli: RunCLI, emulator: Emulator) -> None:
    key = "sk-very-secret-key-1234"
    code, out, err = run_cli("--debug", "files", "list", "--json", env={"MISTRAL_API_KEY": key})
    assert code == 0 and json.loads(out) is not None
    assert re.search(
        r"^debug: GET http://127\.0\.0\.1:\d+/v1/files\?\S* -> 200 in \d+ ms \(attempt 1\)$",
        err,
        re.M,
    ), err
    assert key not in err and key not in out and "very-secret" not in err
    emulator.inject("status", status=503, path="/v1/files")
    code, out, err = run_cli("--debug", "--max-retries", "1", "files", "list")
    assert code == 0 and "-> 503 in" in err and "(attempt 2)" in err


def test_emulator_option_needs_no_key_or_url(run_cli: RunCLI, tmp_path) -> None:
    env = {"MISTRAL_API_KEY": None, "MISTRAL_BASE_URL": None}
    code, out, err = run_cli("--emulator", "models", "list", "--json", env=env)
    assert code == 0 and len(json.loads(out)) == 16 and err == ""
    (tmp_path / "a.txt").write_text("x")
    code, out, err = run_cli("--emulator", "files", "upload", str(tmp_path / "a.txt"), env=env)
    assert code == 0 and len(out.strip()) == 36
    code, out, _ = run_cli("--emulator", "auth", "status", env=env)
    assert code == 0 and "--emulator" in out


def test_usage_errors_name_the_right_help_and_what_to_do(run_cli: RunCLI) -> None:
    for args, message in [
        (["models", "list", "--bogus"], "unrecognized arguments: --bogus; "
         "see `mistral-chat models list --help`"),
        (["config", "path", "extra"], "see `mistral-chat config path --help`"),
        (["emulator", "--port", "70000"], "argument --port: must be from 0 to 65535, got '70000'"),
        (["--base-url", "foo", "ask", "x"], "--base-url 'foo' is not an http:// or https:// URL; "
         "give the server's root, e.g. https://api.mistral.ai"),
        (["ask", "--thinking=yes", "x"], "error: --thinking takes no value (got 'yes'); "
         "write --thinking or --no-thinking; see `mistral-chat ask --help`"),
        (["models", "list", "--json=1"], "--json takes no value (got '1'); write --json alone"),
        (["modls", "list"], "unknown command 'modls'; did you mean 'models'? (choose from 'chat',"),
        (["history", "expor"], "unknown subcommand 'expor'; did you mean 'export'?"),
        (["models", "list", "--sort", "zzz"], "error: --sort: unknown value 'zzz' (choose from "
         "'created', 'context_length', 'id', 'name', 'price'); see `mistral-chat models list --help`"),
    ]:  # fmt: skip
        code, out, err = run_cli(*args, input="")
        assert (code, out) == (2, ""), args
        assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err


def test_unknown_model_says_where_the_models_are(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "-m", "no-such-model", "Hi", input="")
    assert (code, out) == (4, "") and len(err.splitlines()) == 1
    assert err.startswith("error: the API rejected the request (400): ")
    assert "`mistral-chat models list` shows the models" in err


def test_prompt_longer_than_the_context_says_what_to_do(run_cli: RunCLI) -> None:
    words = "w " * 33_000  # the emulator counts ~1 token per word; voxtral-small has 32k
    code, out, err = run_cli("ask", "-m", "voxtral-small-latest", "--max-tokens", "50", input=words)
    line = _one_error_line(err)
    assert code == 4 and out == ""
    assert line.startswith("error: the prompt is too long for this model (400): Prompt contains ")
    assert "and 50 draft tokens" in line and line.endswith("--sort context_length`)")


def test_a_stream_that_ends_cleanly_but_failed_keeps_the_text_and_exits_5(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    prompt = "emulator:markdown 60"
    for kind, said in [
        ("stream_error", "the server reported an error: Internal server error while generating"),
        ("finish_error", "the model stopped with finish_reason 'error'"),
    ]:
        emulator.inject(kind, after_chunks=5, path="/v1/chat/completions")
        code, out, err = run_cli("ask", prompt, input="")
        line = _one_error_line(err)
        assert code == 5 and said in line and "the partial answer was kept" in line, (kind, err)
        assert out.startswith("# Emulator markdown"), kind  # what streamed stays on stdout
        code, shown, _ = run_cli("history", "show", "--json")
        answer = json.loads(shown)["messages"][-1]
        assert answer["status"] == "interrupted" and answer["content"], kind


def test_an_answer_cut_by_max_tokens_says_so(run_cli: RunCLI) -> None:
    code, out, err = run_cli("ask", "--max-tokens", "3", "tell me a long story", input="")
    assert code == 0 and out.strip()
    assert err == (
        "warning: the answer was cut at the max_tokens limit; raise it with --max-tokens\n"
    )
    code, _, err = run_cli("ask", "short", input="")
    assert code == 0 and "warning" not in err


def test_a_website_at_the_base_url_is_named_not_a_crash(run_cli: RunCLI) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Website(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = b"<html><body>Welcome</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), Website) as site:
        threading.Thread(target=site.serve_forever, daemon=True).start()
        host = f"127.0.0.1:{site.server_address[1]}"
        try:
            code, out, err = run_cli("--base-url", f"http://{host}", "files", "list")
        finally:
            site.shutdown()
    assert (code, out) == (5, "")
    assert _one_error_line(err) == (
        f"error: {host} does not answer like the Mistral API: GET /v1/files answered 200 with an "
        "HTML page, not the API's JSON; check --base-url (the server's root, e.g. "
        "https://api.mistral.ai) and any proxy in between"
    )


def test_a_stream_cut_before_any_text_does_not_claim_to_keep_it(
    run_cli: RunCLI, emulator: Emulator
) -> None:
    emulator.inject("cut", after_chunks=1, path="/v1/chat/completions")  # the role chunk only
    code, out, err = run_cli("ask", "hello", input="")
    line = _one_error_line(err)
    assert (code, out) == (5, "") and "nothing of the answer had arrived; try again" in line
    assert "kept" not in line


def test_a_global_option_after_the_command_says_where_it_goes(run_cli: RunCLI) -> None:
    for args, flag in [
        (["files", "list", "--emulator"], "--emulator"),
        (["models", "list", "--timeout", "3"], "--timeout"),
        (["models", "list", "--debug=1"], "--debug"),
    ]:
        code, out, err = run_cli(*args, input="")
        assert (code, out) == (2, "")
        assert _one_error_line(err).startswith(
            f"error: {flag} is a global option: put it before the command (`mistral-chat {flag} ...`)"
        ), err
