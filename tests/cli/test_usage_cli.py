"""`mistral-chat usage`: tokens and estimated cost from the history, as real processes."""

from __future__ import annotations

import json
from typing import Any

from cli_support import RunCLI


def _ask(run_cli: RunCLI, *args: str) -> dict[str, Any]:
    code, out, err = run_cli("ask", "--json", *args, input="")
    assert code == 0, err
    doc: dict[str, Any] = json.loads(out)
    return doc


def test_usage_sums_the_answers_by_model_day_and_conversation(run_cli: RunCLI) -> None:
    code, out, err = run_cli("usage")
    assert (code, out, err) == (0, "", "no answers in the history\n")
    small = [_ask(run_cli, "one"), _ask(run_cli, "two, longer question")]
    code_answer = _ask(run_cli, "-m", "codestral-latest", "write a loop")
    tuned = _ask(run_cli, "-m", "ft:mistral-small-latest:abc123:20250101:a1b2c3d4", "tuned")

    code, out, _ = run_cli("usage", "--json", env={"MISTRAL_API_KEY": None})  # no key needed
    report = json.loads(out)
    assert code == 0 and report["by"] == "model" and report["since"] is None
    groups = {g["key"]: g for g in report["groups"]}
    assert list(groups) == [
        "mistral-small-latest", "codestral-latest",
        "ft:mistral-small-latest:abc123:20250101:a1b2c3d4",
    ]  # the most tokens first  # fmt: skip
    assert groups["mistral-small-latest"]["answers"] == 2
    assert groups["mistral-small-latest"]["prompt_tokens"] == sum(
        a["usage"]["prompt_tokens"] for a in small
    )
    assert (
        groups["codestral-latest"]["completion_tokens"]
        == (code_answer["usage"]["completion_tokens"])
    )
    assert groups["ft:mistral-small-latest:abc123:20250101:a1b2c3d4"]["cost_usd"] is None
    every = [*small, code_answer, tuned]
    total = report["total"]
    assert total["answers"] == 4 and total["unpriced_answers"] == 1
    assert total["total_tokens"] == sum(a["usage"]["total_tokens"] for a in every)
    assert 0 < total["cost_usd"] < 0.001

    code, out, err = run_cli("usage")  # piped: the numbers, no bars
    lines = out.splitlines()
    assert lines[0] == "Usage by model (cost estimated at list prices)"
    assert lines[1].split() == ["model", "answers", "input", "output", "cost"]
    assert lines[-1].startswith("total: 4 answers, ") and "█" not in out
    assert err == "1 answer, of a model without a known list price, is not in the cost\n"

    code, out, _ = run_cli("usage", "--by", "conversation", "--since", "today", "--json")
    titles = {g["label"] for g in json.loads(out)["groups"]}
    assert code == 0 and titles == {"one", "two, longer question", "write a loop", "tuned"}
    code, out, _ = run_cli("usage", "--by", "day", "--since", "7d", "--json")
    (day,) = json.loads(out)["groups"]
    assert code == 0 and day["answers"] == 4 and len(day["key"]) == 10  # YYYY-MM-DD

    code, out, err = run_cli("usage", "--since", "2999-01-01")
    assert (code, out, err) == (0, "", "no answers in the history since 2999-01-01\n")
    code, _, err = run_cli("usage", "--since", "last week")
    assert code == 2 and err.startswith("error: --since 'last week': give a date like ")
