"""The pure parts: templates, inputs, result lines (in any order), the join, the ledger."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest
from _batch_helpers import read_jsonl, write_csv

from mistral_chat.services.batch.collect import normalize
from mistral_chat.services.batch.inputs import InputError, open_input
from mistral_chat.services.batch.output import Joiner, OutputSpec
from mistral_chat.services.batch.results import Answer, AnswerShape, read_result_line
from mistral_chat.services.batch.template import Template, TemplateError
from mistral_chat.storage.batch_ledger import BatchLedger, BatchLedgerError, Run, Shard

# templates


def test_template_placeholders_and_braces() -> None:
    t = Template("{a} and {b} {{literal}} 100% {a}")
    assert t.columns == ("a", "b", "a")
    assert t.bind(["b", "a"])(["B", "A"]) == "A and B {literal} 100% A"
    assert t.render({"a": 1, "b": [2]}) == "1 and [2] {literal} 100% 1"
    assert Template("no columns").bind([])(["x"]) == "no columns"
    assert Template("{first name}").bind(["first name"])(["Ada"]) == "Ada"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{open", "'{' with no '}' at character 1"),
        ("x}", "'}' with no '{' at character 2"),
        ("{}", "empty {} at character 1"),
        ("{a{b}", "'{' with no '}'"),
    ],
)
def test_template_errors_say_where(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        Template(text)


def test_missing_columns_are_named_with_the_ones_there_are() -> None:
    with pytest.raises(TemplateError) as caught:
        Template("{title} {body}").bind(["id", "title"])
    assert (
        "names the column 'body', which the input does not have (its columns: 'id', "
        "'title')" in caught.value.message
    )


# inputs


def test_csv_rows_stream_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text('id,text\n1,"two\nlines"\n\n2,b\n', encoding="utf-8")
    table = open_input(str(path), tmp_path)
    assert (table.kind, table.columns) == ("csv", ["id", "text"])
    assert list(table.rows()) == [(0, 3, ["1", "two\nlines"]), (1, 5, ["2", "b"])]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.csv", b"id,id\n1,2\n", "names the column 'id' twice"),
        ("a.csv", b"", "is empty"),
        ("a.csv", b"\n\n", "is empty"),
        ("a.csv", b"a,b\n1,2\n\xff\xfe,3\n", "is not UTF-8 text"),
        ("a.jsonl", b'{"a": 1}\n[1]\n', "line 2 is not a JSON object"),
        ("a.jsonl", b'{"a": 1}\n{oops\n', "line 2 is not JSON"),
    ],
)
def test_unreadable_inputs(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        list(open_input(str(path), tmp_path).rows())


def test_folders_globs_and_stdin(tmp_path: Path) -> None:
    import io

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("b.txt", "a.txt", ".hidden"):
        (folder / name).write_text("x")
    table = open_input(str(folder), tmp_path)
    assert [p.name for p in table.files] == ["a.txt", "b.txt"] and table.kind == "files"
    assert [p.name for p in open_input(str(folder / "*.txt"), tmp_path).files] == ["a.txt", "b.txt"]
    with pytest.raises(InputError, match="no files match"):
        open_input(str(folder / "*.pdf"), tmp_path)
    spooled = open_input("-", tmp_path / "spool", io.BytesIO(b'{"q": "hi"}\n'))
    again = open_input("-", tmp_path / "spool", io.BytesIO(b'{"q": "hi"}\n'))
    assert spooled.kind == "jsonl" and spooled.path == again.path  # the same data, one file
    with pytest.raises(InputError, match="no such file"):
        open_input(str(tmp_path / "missing.csv"), tmp_path)


# results


def result_line(cid: str, status: int = 200, text: str = "ok") -> bytes:
    body: dict[str, Any] = {
        "choices": [{"message": {"content": text}}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 4},
    }
    if status != 200:
        body = {"object": "error", "message": "bad", "type": "invalid_request_error"}
    line = {"custom_id": cid, "response": {"status_code": status, "body": body}, "error": None}
    return json.dumps(line).encode() + b"\n"


def test_results_in_any_order_become_one_answer_per_row(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(result_line(f"{r}-aa", text=f"t{r}") for r in (12, 10, 14, 11)))
    err = tmp_path / "err.jsonl"
    err.write_bytes(result_line("13-aa", 400))
    dest = tmp_path / "answers.jsonl"
    answered, failed = normalize(
        [out, err], AnswerShape("chat"), range(10, 16), dest, {15: "cannot read x"}, "no answer"
    )
    answers = [msgspec.json.decode(line, type=Answer) for line in dest.read_bytes().splitlines()]
    assert [a.row for a in answers] == [10, 11, 12, 13, 14, 15]
    assert [a.fields for a in answers[:3]] == [
        {"answer": "t10"},
        {"answer": "t11"},
        {"answer": "t12"},
    ]
    assert (answers[0].prompt_tokens, answers[0].completion_tokens) == (3, 4)
    assert (answers[3].error, answers[5].error) == ("400: bad", "cannot read x")
    assert answered == 4 and [f[0] for f in failed] == [13, 15]


def test_answer_shapes() -> None:
    schema = AnswerShape("chat", ("name", "year"))
    answer = read_result_line(result_line("0-a", text='{"name": "Dune", "year": 1965}'), schema)
    assert answer.fields == {"name": "Dune", "year": 1965}
    bad = read_result_line(result_line("0-a", text="not json"), schema)
    assert bad.error is not None and "not valid JSON" in bad.error
    line = {
        "custom_id": "x",
        "response": {
            "status_code": 200,
            "body": {"data": [{"embedding": [0.5, 1.0]}], "usage": {"prompt_tokens": 2}},
        },
    }
    emb = read_result_line(json.dumps(line).encode(), AnswerShape("embeddings"))
    assert (emb.row, emb.fields, emb.prompt_tokens) == (-1, {"embedding": [0.5, 1.0]}, 2)
    line = {
        "custom_id": "3-b",
        "response": {
            "status_code": 200,
            "body": {"results": [{"categories": {"violence": True, "pii": False}}]},
        },
    }
    mod = read_result_line(json.dumps(line).encode(), AnswerShape("moderations"))
    assert (mod.row, mod.fields) == (3, {"flagged": True, "categories": ["violence"]})
    line = {"custom_id": "1-c", "response": None, "error": {"message": "boom", "code": 500}}
    failed = read_result_line(json.dumps(line).encode(), AnswerShape("ocr"))
    assert failed.error == "boom"


# the join


def test_join_writes_csv_and_jsonl_in_input_order(tmp_path: Path) -> None:
    table = open_input(str(write_csv(tmp_path / "in.csv", 3)), tmp_path)
    answers = [
        Answer(0, "0-a", {"answer": 'x, "quoted"\nline'}, 1, 2),
        Answer(1, "1-a", error="400: bad"),
        Answer(2, "2-a", {"answer": "z"}),
    ]
    for name in ("out.csv", "out.jsonl"):
        joiner = Joiner(table, AnswerShape("chat"), OutputSpec(tmp_path / name))
        joiner.add(iter(answers[:1]))
        joiner.add(iter(answers[1:]))
        summary = joiner.finish()
        assert (summary.rows, summary.answered, summary.failed) == (3, 2, 1)
        assert summary.failures == ["row 2: 400: bad"] and summary.prompt_tokens == 1
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert rows[0] == {
        "id": "0",
        "title": "title 0",
        "answer": 'x, "quoted"\nline',
        "prompt_tokens": 1,
        "completion_tokens": 2,
        "error": None,
    }
    import csv

    with (tmp_path / "out.csv").open(newline="") as fh:
        assert [r["answer"] for r in csv.DictReader(fh)] == ['x, "quoted"\nline', "", "z"]


# the ledger


def test_ledger_keeps_runs_shards_uploads_failures_and_live(tmp_path: Path) -> None:
    path = tmp_path / "batch.db"
    with BatchLedger(path) as ledger:
        run = ledger.save_run(Run("abc123", "in.csv", "/x/in.csv", "chat", "m", {"k": 1}))
        shard = ledger.save_shard(Shard("abc123", 0, 0, 10, "d1"))
        ledger.update_shard(shard, state="submitted", job_id="job-1")
        ledger.save_run(run)  # saving the run again keeps its shards
        assert [(s.state, s.job_id) for s in ledger.shards("abc123")] == [("submitted", "job-1")]
        assert ledger.find("abc") == ledger.find("job-1") == ledger.run("abc123")
        assert ledger.find("zzz") is None
        ledger.save_upload("sha", "ocr", "file-1", "a.pdf", 3)
        assert (
            ledger.upload_for("sha", "ocr") == "file-1"
            and ledger.upload_for("sha", "batch") is None
        )
        ledger.record_failures("abc123", 0, [(3, "3-a", "bad"), (5, "5-a", "worse")])
        ledger.mark_retry("abc123", 1_000_000, [5])
        assert ledger.failures("abc123", retry=1_000_000) == [(5, "5-a", "worse")]
        ledger.clear_failures("abc123", [3])
        assert ledger.failures("abc123") == [(5, "5-a", "worse")]
        ledger.save_live("abc123", [(r, f"{r}-a", r % 2 == 0, b"line") for r in range(2500)])
        assert [r for r, _cid in ledger.live_answered("abc123")] == list(range(0, 2500, 2))
        assert sum(1 for _ in ledger.live_lines("abc123")) == 2500
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(BatchLedgerError, match="newer mistral-chat"):
        BatchLedger(path)
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    with pytest.raises(BatchLedgerError, match="move it aside"):
        BatchLedger(tmp_path / "junk.db")
