"""`mistral-chat models list|show` as real subprocesses against the emulator."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_support import RunCLI
from mistral_chat.emulator import Emulator


def _rows(out: str) -> list[list[str]]:
    lines = out.strip().splitlines()
    # columns are two or more spaces apart; a product name ("Mistral Small 4") has single ones
    return [re.split(r"\s{2,}", line.strip()) for line in lines[1:-1]]


def test_list_table_sorting_and_pages(run_cli: RunCLI) -> None:
    code, out, err = run_cli("models", "list", env={"NO_COLOR": "1"})
    assert code == 0 and err == "" and "\x1b" not in out
    header = out.splitlines()[0].split()
    assert header == [
        "#",
        "id",
        "name",
        "family",
        "context",
        "price",
        "created",
        "capabilities",
        "deprecation",
    ]
    assert out.rstrip().endswith("page 1 of 1, 16 models")
    created = [r[6] for r in _rows(out)]
    assert created == sorted(created, reverse=True)  # newest first by default

    code, out, _ = run_cli("models", "list", "--sort", "id", "--page", "2", "--page-size", "5")
    rows = _rows(out)
    assert code == 0 and [r[0] for r in rows] == ["6", "7", "8", "9", "10"]
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    assert out.rstrip().endswith("page 2 of 4, 16 models")

    code, out, _ = run_cli("models", "list", "--sort", "context_length", "--asc", "--all")
    contexts = [r[4] for r in _rows(out)]
    assert code == 0 and contexts[0] == "8k" and "page 1 of 1, 16 models" in out

    # cheapest first; models without a list price (a fine-tune) last
    code, out, _ = run_cli("models", "list", "--sort", "price", "--capability", "vision")
    prices = [r[5] for r in _rows(out)]
    inputs = [float(p.split("/")[0].lstrip("$")) for p in prices if p != "-"]
    assert code == 0 and inputs == sorted(inputs) and inputs[0] == 0.1
    assert prices[-1] == "-" and prices[0] == "$0.1/$0.1"
    code, out, _ = run_cli("models", "list", "--sort", "price", "--desc", "--capability", "chat")
    desc = [float(r[5].split("/")[0].lstrip("$")) for r in _rows(out) if r[5] != "-"]
    assert code == 0 and desc == sorted(desc, reverse=True) and desc[0] == 2.0


def test_list_filters_and_json(run_cli: RunCLI) -> None:
    code, out, _ = run_cli("models", "list", "--json")
    models = json.loads(out)
    assert code == 0 and len(models) == 16  # --json: every model unless a page is asked for
    large = next(m for m in models if m["id"].startswith("mistral-large"))
    assert large["family"] == "mistral-large" and "vision" in large["capabilities"]
    assert {"max_context_length", "created", "aliases", "deprecation"} <= set(large)
    # the API's name is kept as it is; the product name is added beside it
    assert large["name"] == large["id"] and large["display_name"] == "Mistral Large 3"

    code, out, _ = run_cli(
        "models",
        "list",
        "--json",
        "--family",
        "mistral",
        "--capability",
        "functions",
        "--sort",
        "name",
        "--desc",
        "--page-size",
        "2",
    )
    page = json.loads(out)
    assert code == 0 and len(page) == 2
    assert all(m["family"] in {"mistral-large", "mistral-medium", "mistral-small"} for m in page)
    assert all("function_calling" in m["capabilities"] for m in page)
    assert [m["name"] for m in page] == sorted((m["name"] for m in page), reverse=True)

    code, out, _ = run_cli("models", "list", "--json", "--capability", "fim")
    assert code == 0 and [m["family"] for m in json.loads(out)] == ["codestral"]

    code, out, err = run_cli("models", "list", "--family", "pixtral")
    assert code == 0 and out == "" and "no models in family 'pixtral'" in err


def test_list_usage_errors(run_cli: RunCLI) -> None:
    for args, message in [
        (["--capability", "telepathy"], "error: unknown capability 'telepathy'; use one of:"),
        (["--all", "--page", "2"], "error: --all cannot be combined with --page"),
        (["--page", "99"], "error: page 99 does not exist; there is only 1 page"),
        (["--sort", "size"], "error: --sort: unknown value 'size'"),
        (["--page", "0"], "error: argument --page: must be 1 or more"),
    ]:
        code, out, err = run_cli("models", "list", *args)
        assert code == 2 and out == "", args
        assert err.startswith(message) and len(err.splitlines()) == 1, err


def test_list_falls_back_to_cache_then_bundled(
    run_cli: RunCLI, emulator: Emulator, tmp_path: Path
) -> None:
    assert run_cli("models", "list")[0] == 0  # fills the cache
    emulator.inject("status", status=503, path="/v1/models")
    code, out, err = run_cli("--max-retries", "0", "models", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 16
    assert err.startswith("warning: showing the cached model list from 20")
    assert "the API could not be reached" in err and "Traceback" not in err

    code, out, err = run_cli(
        "--max-retries",
        "0",
        "--base-url",
        "http://127.0.0.1:9",
        "models",
        "list",
        "--all",
        env={"MISTRAL_CHAT_HOME": str(tmp_path / "new")},
    )
    # a new home has no cache: the bundled list, still exit 0
    assert code == 0 and "warning: showing the model list bundled with mistral-chat" in err
    assert re.search(r"bundled with mistral-chat \(facts as of \d{4}-\d{2}-\d{2}\)", err)  # date
    assert "mistral-large-2512" in out

    emulator.inject("status", status=401, path="/v1/models")
    code, out, err = run_cli("models", "list")
    assert code == 3 and out == ""
    assert err.startswith("error: the API rejected the key (401): ")
    # says where the rejected key came from, and what to do
    assert "it came from the MISTRAL_API_KEY environment variable" in err
    assert "run `mistral-chat auth login`" in err and len(err.splitlines()) == 1


def test_show(run_cli: RunCLI) -> None:
    code, out, err = run_cli("models", "show", "magistral-medium-latest")
    assert code == 0 and err == ""
    assert "family:" in out and "magistral" in out
    assert "deprecated:" in out and "use mistral-medium-latest instead" in out
    code, out, _ = run_cli("models", "show", "mistral-large-latest", "--json")
    card = json.loads(out)
    assert (
        code == 0 and card["family"] == "mistral-large" and isinstance(card["capabilities"], list)
    )
    code, out, err = run_cli("models", "show", "no-such-model")
    assert code == 4 and out == "" and err.startswith("error: not found (404): ")


def test_prices_show_in_the_unit_mistral_charges(run_cli: RunCLI) -> None:
    code, out, _ = run_cli("models", "list", "--all", env={"NO_COLOR": "1"})
    price = {r[1]: r[5] for r in _rows(out)}
    assert code == 0 and price["mistral-ocr-4-1"] == "$4/1000 pages"  # not "$4/1M tokens"
    assert price["mistral-small-2603"] == "$0.15/$0.6"  # per 1M input/output tokens
    code, out, _ = run_cli("models", "show", "mistral-ocr-latest")
    assert code == 0 and "input price:   $4 per 1000 pages; $5 per 1000 annotated pages" in out
    code, out, _ = run_cli("models", "show", "voxtral-small-latest", "--json")
    units = {(p["per"], p["usd"]) for p in json.loads(out)["prices"]}
    assert code == 0 and {("minute", 0.004), ("1M tokens", 0.1), ("1M tokens", 0.4)} == units


def test_an_unknown_family_lists_the_families(run_cli: RunCLI) -> None:
    code, out, err = run_cli("models", "list", "--family", "nope")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith("error: unknown family 'nope'; families: codestral, ")
    assert ", mistral-small, " in err and ", fine-tuned, " in err
    assert err.endswith(" (or mistral for all of Mistral's general models)\n")
