"""`mistral-chat batch` as a real process against the emulator: outputs joined in input order,
bad input refused before anything is sent, dry runs, and the other verbs."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from _batch_helpers import read_jsonl, write_csv

from mistral_chat.emulator import Emulator


def sent(emu: Emulator) -> list[str]:
    """The API requests the emulator received (its own control routes aside)."""
    return [f"{r.method} {r.path}" for r in emu.requests if r.path.startswith("/v1/")]


def test_thousand_rows_joined_in_order(batch_cli: Any, emu: Emulator, tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", 1000, ("id", "title", "note"))
    code, _out, err = batch_cli(
        "batch",
        "run",
        str(source),
        "--prompt",
        "{title} / {note}",
        "-o",
        "out.csv",
        "--rows-per-job",
        "300",
        "--temperature",
        "0.3",
    )
    assert code == 0, err
    with (tmp_path / "out.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1000
    assert list(rows[0]) == [
        "id",
        "title",
        "note",
        "answer",
        "prompt_tokens",
        "completion_tokens",
        "error",
    ]
    for i, row in enumerate(rows):
        assert row["id"] == str(i) and row["title"] == f"title {i}" and row["error"] == ""
        assert row["answer"].startswith(f"You said: title {i} / note {i}\n")
        assert int(row["prompt_tokens"]) > 0
    assert [r.path for r in emu.requests].count("/v1/batch/jobs") == 4  # 4 jobs created
    assert sorted(int(c.split("-")[0]) for _j, c in emu.app.batch.received()) == list(range(1000))
    assert "run " in err and "1,000 rows, 1,000 answered" in err
    bodies = [r.json for r in emu.requests if r.method == "POST" and r.path == "/v1/batch/jobs"]
    assert {b["metadata"]["mistral_chat_run"] for b in bodies} == {err.split("run ")[-1][:12]}
    assert all(b["requests"][0]["body"]["temperature"] == 0.3 for b in bodies)


def test_jsonl_in_jsonl_out_with_a_schema(batch_cli: Any, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "Dune"}\n{"id": 2, "text": "Emma"}\n')
    schema = tmp_path / "book.json"
    schema.write_text(
        json.dumps(
            {
                "type": "object",
                "properties": {"summary": {"type": "string"}, "rating": {"type": "integer"}},
                "required": ["summary", "rating"],
            }
        )
    )
    code, _out, err = batch_cli(
        "batch", "run", str(source), "--schema", str(schema), "-o", "out.jsonl"
    )
    assert code == 0, err
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["summary"] == "You said: Dune" and rows[0]["rating"] == 1
    assert set(rows[0]) == {
        "id",
        "text",
        "summary",
        "rating",
        "prompt_tokens",
        "completion_tokens",
        "error",
    }


def test_stdin_input(batch_cli: Any, tmp_path: Path) -> None:
    code, _out, err = batch_cli(
        "batch", "run", "-", "-o", "out.jsonl", input=b"q\nWhy is the sky blue?\nAnd red?\n"
    )
    assert code == 0, err
    assert [r["q"] for r in read_jsonl(tmp_path / "out.jsonl")] == [
        "Why is the sky blue?",
        "And red?",
    ]


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("id,title\n1,a\n", ["--prompt", "{name}"], "names the column 'name', which the input"),
        ("id,title\n", ["--prompt", "{title}"], "has no rows"),
        ("", ["--prompt", "{title}"], "is empty"),
        ("id,title\n1,a\n2,b,c\n3,d\n", ["--prompt", "{title}"], "line 3 has 3 fields"),
        ("id,title\n1,a\n", ["--prompt", "{title"], "'{' with no '}'"),
        ("id,answer\n1,a\n", ["--prompt", "{id}"], "already has a column named 'answer'"),
        ("id,title\n1,a\n", ["--prompt", "{title}", "--temperature", "9"], "--temperature must"),
        (
            "id,title\n1,a\n",
            ["--endpoint", "embeddings", "--prompt", "{title}", "--seed", "1"],
            "--seed does not apply to --endpoint embeddings",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_anything_is_sent(
    batch_cli: Any, emu: Emulator, tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    (tmp_path / "in.csv").write_text(content)
    code, out, err = batch_cli("batch", "run", "in.csv", "-o", "out.csv", *args)
    assert code == 2, err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err, err
    assert out == "" and sent(emu) == [] and not (tmp_path / "out.csv").exists()


def test_an_existing_output_needs_force(batch_cli: Any, emu: Emulator, tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", 2)
    (tmp_path / "out.csv").write_text("keep me")
    code, _out, err = batch_cli("batch", "run", "in.csv", "--prompt", "{title}", "-o", "out.csv")
    assert code == 2 and "out.csv already exists; pass --force" in err and err.count("\n") == 1
    assert sent(emu) == [] and (tmp_path / "out.csv").read_text() == "keep me"
    code, _out, err = batch_cli(
        "batch", "run", "in.csv", "--prompt", "{title}", "-o", "out.csv", "--force"
    )
    assert code == 0, err
    assert (tmp_path / "out.csv").read_text().startswith("id,title,answer")


def test_dry_run_counts_and_prices_and_sends_nothing(
    batch_cli: Any, emu: Emulator, tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 250)
    args = ["batch", "run", "in.csv", "--prompt", "Tell me about {title}", "-o", "out.csv"]
    code, out, err = batch_cli(*args, "--rows-per-job", "100", "--dry-run")
    assert code == 0, err
    assert "rows          250" in out and "jobs          3 (3 inline, 0 from files)" in out
    assert "requests      250 (" in out and "input tokens  ~" in out
    assert "50% batch discount" in out
    first = json.loads(out.split("first request ", 1)[1])
    assert first["custom_id"].startswith("0-")
    assert first["body"]["messages"] == [{"role": "user", "content": "Tell me about title 0"}]
    assert "nothing was sent" in err and sent(emu) == [] and not (tmp_path / "out.csv").exists()
    code, out, _err = batch_cli(*args, "--dry-run", "--json")
    summary = json.loads(out)
    chars = sum(len(f"Tell me about title {i}") for i in range(250))
    assert summary["estimated_input_tokens"] == -(-chars // 4)
    assert summary["estimated_cost_usd"] == pytest.approx(
        summary["estimated_input_tokens"] * 0.15 / 1e6 * 0.5
    )  # mistral-small-latest: $0.15 per million input tokens, halved
    assert (summary["rows"], summary["jobs"], summary["requests"]) == (250, 1, 250)
    assert summary["request_bytes"] > 250 * 80 and sent(emu) == []


def test_no_wait_then_status_wait_and_list(batch_cli: Any, emu: Emulator, tmp_path: Path) -> None:
    write_csv(tmp_path / "in.csv", 20)
    code, out, err = batch_cli(
        "batch",
        "run",
        "in.csv",
        "--prompt",
        "{title}",
        "-o",
        "out.jsonl",
        "--rows-per-job",
        "10",
        "--no-wait",
    )
    assert code == 0, err
    job_ids = out.split()
    assert len(job_ids) == 2 and not (tmp_path / "out.jsonl").exists()
    run_id = err.split("run ")[1][:12]
    code, out, err = batch_cli("batch", "status", run_id[:6], "--json")
    assert code == 0, err
    status = json.loads(out)
    assert status["id"] == run_id and [j["job"] for j in status["jobs"]] == job_ids
    code, _out, err = batch_cli("batch", "wait", job_ids[1])  # a job's id names its run too
    assert code == 0, err
    assert [r["id"] for r in read_jsonl(tmp_path / "out.jsonl")] == [str(i) for i in range(20)]
    code, out, err = batch_cli("batch", "list", "--json")
    listed = json.loads(out)
    assert [r["id"] for r in listed["runs"]] == [run_id] and listed["runs"][0]["state"] == "done"
    assert {j["id"] for j in listed["jobs"]} == set(job_ids)
    code, out, err = batch_cli("batch", "results", run_id, "-o", "again.csv")
    assert code == 0, err
    assert (tmp_path / "again.csv").read_text().count("\n") > 20


def test_results_of_a_job_started_elsewhere(batch_cli: Any, emu: Emulator, tmp_path: Path) -> None:
    import httpx2

    requests = [
        {"custom_id": "a", "body": {"messages": [{"role": "user", "content": "one"}]}},
        {"custom_id": "b", "body": {"messages": "broken"}},
    ]
    with httpx2.Client(base_url=emu.base_url, headers={"Authorization": "Bearer k"}) as http:
        job = http.post(
            "/v1/batch/jobs",
            json={
                "requests": requests,
                "endpoint": "/v1/chat/completions",
                "model": "mistral-small-latest",
            },
        ).json()
    code, _out, err = batch_cli("batch", "wait", job["id"])
    assert code == 0 and "SUCCESS" in err + _out, err
    code, _out, err = batch_cli("batch", "results", job["id"], "-o", "res.jsonl")
    assert code == 0, err
    rows = read_jsonl(tmp_path / "res.jsonl")
    assert [r["custom_id"] for r in rows] == ["a", "b"]
    assert rows[0]["answer"].startswith("You said: one") and rows[0]["error"] is None
    assert rows[1]["answer"] is None and rows[1]["error"].startswith(
        "422: Input should be a valid list"
    )
    assert "warning: b: 422" in err


def test_failed_rows_are_reported_kept_and_retried(
    batch_cli: Any, emu: Emulator, tmp_path: Path
) -> None:
    write_csv(tmp_path / "in.csv", 10)
    emu.app.batch.inject("timeout")  # the job stops half-way: rows 5..9 get no answer
    code, _out, err = batch_cli("batch", "run", "in.csv", "--prompt", "{title}", "-o", "out.jsonl")
    assert code == 0, err
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["error"] is None for r in rows] == [True] * 5 + [False] * 5
    assert "ended TIMEOUT_EXCEEDED" in rows[7]["error"] and rows[7]["answer"] is None
    assert "warning: row 6: no answer: job" in err and "5 failed" in err
    run_id = err.split("run ")[-1][:12]
    before = len(emu.app.batch.received())
    code, _out, err = batch_cli("batch", "retry", run_id)
    assert code == 0, err
    resent = [c for _j, c in emu.app.batch.received()[before:]]
    assert sorted(int(c.split("-")[0]) for c in resent) == [5, 6, 7, 8, 9]  # only those
    rows = read_jsonl(tmp_path / "out.jsonl")  # the run's output, rewritten
    assert all(r["error"] is None for r in rows) and len(rows) == 10
    assert rows[7]["answer"].startswith("You said: title 7")
    code, _out, err = batch_cli("batch", "retry", run_id)
    assert code == 2 and "no failed rows" in err


def test_cancel_a_run(batch_cli: Any, emu: Emulator, tmp_path: Path) -> None:
    emu.app.batch.timing.queued = 60.0
    write_csv(tmp_path / "in.csv", 4)
    code, out, err = batch_cli(
        "batch",
        "run",
        "in.csv",
        "--prompt",
        "{title}",
        "-o",
        "o.csv",
        "--rows-per-job",
        "2",
        "--no-wait",
    )
    run_id = err.split("run ")[1][:12]
    code, out, err = batch_cli("batch", "cancel", run_id)
    assert code == 0, err
    assert out.split() == [out.split()[0], "CANCELLED", out.split()[2], "CANCELLED"]
    code, _out, err = batch_cli("batch", "wait", run_id)
    assert code == 0, err
    with (tmp_path / "o.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert all("ended CANCELLED" in r["error"] for r in rows)


def test_unknown_job_and_missing_subcommand(batch_cli: Any) -> None:
    code, _out, err = batch_cli("batch", "status", "nope")
    assert code == 2 and "no batch run or job 'nope'" in err
    code, _out, err = batch_cli("batch")
    assert code == 2 and "needs a subcommand" in err


@pytest.mark.parametrize(
    ("endpoint", "extra", "column", "check"),
    [
        ("embeddings", [], "embedding", lambda v: isinstance(v, list) and len(v) > 100),
        ("moderations", [], "flagged", lambda v: v is False),
        ("fim", ["--suffix", "return {id}"], "answer", lambda v: "prefix: " in v),
    ],
)
def test_other_endpoints_end_to_end(
    batch_cli: Any, tmp_path: Path, endpoint: str, extra: list[str], column: str, check: Any
) -> None:
    write_csv(tmp_path / "in.csv", 3)
    code, _out, err = batch_cli(
        "batch",
        "run",
        "in.csv",
        "--endpoint",
        endpoint,
        "--prompt",
        "{title}",
        *extra,
        "-o",
        "out.jsonl",
    )
    assert code == 0, err
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["error"] for r in rows] == [None, None, None]
    assert all(check(r[column]) for r in rows), rows[0]
