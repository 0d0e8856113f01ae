"""The emulator's Batch API: jobs that move QUEUED -> RUNNING -> SUCCESS, counts that advance,
output and error files, faults, validation, and the log of every custom_id received."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx2
import pytest
from _batch_helpers import check, until

from mistral_chat.emulator import Emulator

CHAT = "/v1/chat/completions"


def lines(n: int, model: str | None = None) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        body: dict[str, Any] = {"messages": [{"role": "user", "content": f"question {i}"}]}
        if model:
            body["model"] = model
        out.append({"custom_id": f"r{i}", "body": body})
    return out


def create(http: httpx2.Client, **body: Any) -> dict[str, Any]:
    body.setdefault("endpoint", CHAT)
    body.setdefault("model", "mistral-small-latest")
    response = http.post("/v1/batch/jobs", json=body)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    check(job, "BatchJob")
    return job


def get(http: httpx2.Client, job_id: str, **params: Any) -> dict[str, Any]:
    response = http.get(f"/v1/batch/jobs/{job_id}", params=params)
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    check(job, "BatchJob")
    return job


def finished(http: httpx2.Client, job_id: str) -> dict[str, Any]:
    return until(lambda: (j := get(http, job_id))["status"] not in ("QUEUED", "RUNNING") and j)


def content(http: httpx2.Client, file_id: str) -> list[dict[str, Any]]:
    response = http.get(f"/v1/files/{file_id}/content")
    assert response.status_code == 200
    return [json.loads(line) for line in response.text.splitlines()]


def test_inline_job_runs_to_success_with_counts_that_advance(
    emu: Emulator, http: httpx2.Client
) -> None:
    emu.app.batch.timing.queued, emu.app.batch.timing.running = 0.1, 0.6
    job = create(http, requests=lines(40), metadata={"team": "a"})
    assert (job["status"], job["total_requests"], job["completed_requests"]) == ("QUEUED", 40, 0)
    assert job["metadata"] == {"team": "a"} and job["input_files"] == []
    seen = []
    while True:
        now = get(http, job["id"])
        seen.append((now["status"], now["completed_requests"]))
        if now["status"] == "SUCCESS":
            break
    counts = [c for s, c in seen if s == "RUNNING"]
    assert counts == sorted(counts)  # counts only grow
    assert now["completed_requests"] == now["succeeded_requests"] == 40
    assert now["started_at"] is not None and now["completed_at"] is not None
    out = content(http, now["output_file"])
    assert [o["custom_id"] for o in out] == [f"r{i}" for i in range(40)]
    first = out[0]
    assert first["error"] is None and first["response"]["status_code"] == 200
    assert first["response"]["body"]["object"] == "chat.completion"  # the real-time answer
    assert "You said: question 0" in first["response"]["body"]["choices"][0]["message"]["content"]
    assert now["error_file"] is None
    meta = http.get(f"/v1/files/{now['output_file']}").json()
    assert (meta["purpose"], meta["sample_type"], meta["num_lines"]) == (
        "batch",
        "batch_result",
        40,
    )


def test_a_line_that_fails_validation_goes_to_the_error_file(http: httpx2.Client) -> None:
    requests = lines(3)
    requests[1]["body"]["messages"] = "not a list"
    requests.append({"custom_id": "streamed", "body": {**lines(1)[0]["body"], "stream": True}})
    job = finished(http, create(http, requests=requests)["id"])
    assert (job["status"], job["succeeded_requests"], job["failed_requests"]) == ("SUCCESS", 2, 2)
    errors = content(http, job["error_file"])
    assert [e["custom_id"] for e in errors] == ["r1", "streamed"]
    assert errors[0]["response"]["status_code"] == 422
    assert errors[0]["response"]["body"]["detail"][0]["loc"] == ["body", "messages"]
    assert errors[0]["error"]["message"].startswith("Input should be a valid list")
    assert [o["custom_id"] for o in content(http, job["output_file"])] == ["r0", "r2"]


def test_input_files_job_and_the_model_of_the_job(emu: Emulator, http: httpx2.Client) -> None:
    data = "".join(json.dumps(line) + "\n" for line in lines(5))
    upload = http.post("/v1/files", files={"file": ("in.jsonl", data)}, data={"purpose": "batch"})
    file_id = upload.json()["id"]
    job = finished(http, create(http, input_files=[file_id], model="ministral-8b-latest")["id"])
    out = content(http, job["output_file"])
    assert {o["response"]["body"]["model"] for o in out} == {"ministral-8b-latest"}
    assert job["input_files"] == [file_id]
    assert [c for _job, c in emu.app.batch.received()] == [f"r{i}" for i in range(5)]


def test_received_log_lists_every_custom_id_of_every_job(
    emu: Emulator, http: httpx2.Client
) -> None:
    first = create(http, requests=lines(2))
    second = create(http, requests=lines(1))
    assert emu.app.batch.received() == [
        (first["id"], "r0"),
        (first["id"], "r1"),
        (second["id"], "r0"),
    ]
    over_http = http.get("/_emulator/batch").json()["received"]
    assert [entry["custom_id"] for entry in over_http] == ["r0", "r1", "r0"]


@pytest.mark.parametrize(
    ("fault", "status", "output"),
    [("fail", "FAILED", False), ("timeout", "TIMEOUT_EXCEEDED", True)],
)
def test_faults(http: httpx2.Client, fault: str, status: str, output: bool) -> None:
    assert http.post("/_emulator/batch", json={"fault": fault}).status_code == 200
    job = finished(http, create(http, requests=lines(10))["id"])
    assert job["status"] == status and job["errors"][0]["message"]
    if output:  # a timed-out job keeps what it did: half of it here
        assert job["completed_requests"] == 5
        assert len(content(http, job["output_file"])) == 5
    else:
        assert job["output_file"] is None and job["completed_requests"] == 0
    # the fault was used up: the next job succeeds
    assert finished(http, create(http, requests=lines(1))["id"])["status"] == "SUCCESS"


def test_cancel_list_and_delete(emu: Emulator, http: httpx2.Client) -> None:
    emu.app.batch.timing.queued = 60.0  # stays queued
    queued = create(http, requests=lines(2), metadata={"run": "x"})
    other = create(http, requests=lines(1), model="ministral-8b-latest")
    cancelled = http.post(f"/v1/batch/jobs/{queued['id']}/cancel").json()
    check(cancelled, "BatchJob")
    assert cancelled["status"] == "CANCELLED"
    listed = http.get("/v1/batch/jobs").json()
    check(listed, "ListBatchJobsResponse")
    assert [j["id"] for j in listed["data"]] == [other["id"], queued["id"]]  # newest first
    assert listed["total"] == 2
    by_status = http.get("/v1/batch/jobs", params={"status": "CANCELLED"}).json()
    assert [j["id"] for j in by_status["data"]] == [queued["id"]]
    by_model = http.get("/v1/batch/jobs", params={"model": "ministral-8b-latest"}).json()
    assert [j["id"] for j in by_model["data"]] == [other["id"]]
    by_meta = http.get("/v1/batch/jobs", params={"metadata": json.dumps({"run": "x"})}).json()
    assert [j["id"] for j in by_meta["data"]] == [queued["id"]]
    oldest = http.get("/v1/batch/jobs", params={"order_by": "created", "page_size": 1}).json()
    assert [j["id"] for j in oldest["data"]] == [queued["id"]] and oldest["total"] == 2
    deleted = http.delete(f"/v1/batch/jobs/{queued['id']}").json()
    check(deleted, "DeleteBatchJobResponse")
    assert http.get(f"/v1/batch/jobs/{queued['id']}").status_code == 404


def test_cancel_while_running_keeps_what_was_done(emu: Emulator, http: httpx2.Client) -> None:
    emu.app.batch.timing.running = 30.0
    job = create(http, requests=lines(100))
    until(lambda: get(http, job["id"])["completed_requests"] > 0)
    asked = http.post(f"/v1/batch/jobs/{job['id']}/cancel").json()
    assert asked["status"] == "CANCELLATION_REQUESTED"
    done = finished(http, job["id"])
    assert done["status"] == "CANCELLED" and 0 < done["completed_requests"] < 100
    assert len(content(http, done["output_file"])) == done["completed_requests"]


def test_inline_outputs(http: httpx2.Client) -> None:
    job = finished(http, create(http, requests=lines(2))["id"])
    outputs = get(http, job["id"], inline="true")["outputs"]
    assert [o["custom_id"] for o in outputs] == ["r0", "r1"]


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({"endpoint": "/v1/nope", "requests": []}, 422, ["body", "endpoint"]),
        ({"endpoint": CHAT, "requests": [], "timeout_hours": 0}, 422, ["body", "timeout_hours"]),
        (
            {"endpoint": CHAT, "requests": [{"custom_id": "a"}]},
            422,
            ["body", "requests", 0, "body"],
        ),
        ({"endpoint": CHAT, "input_files": ["nope"]}, 422, ["body", "input_files", 0]),
        ({"endpoint": CHAT, "requests": [{"body": {}}] * 10_001}, 422, ["body", "requests"]),
        ({"endpoint": CHAT}, 400, None),
        ({"endpoint": CHAT, "input_files": [str(uuid.uuid4())]}, 404, None),
    ],
)
def test_create_is_validated(
    http: httpx2.Client, body: dict[str, Any], status: int, where: list[Any] | None
) -> None:
    response = http.post("/v1/batch/jobs", json=body)
    assert response.status_code == status, response.text
    if where is not None:
        assert response.json()["detail"][0]["loc"] == where
    else:
        assert response.json()["object"] == "error"


def test_unknown_and_malformed_job_ids(http: httpx2.Client) -> None:
    assert http.get(f"/v1/batch/jobs/{uuid.uuid4()}").status_code == 404
    bad = http.get("/v1/batch/jobs/not-a-uuid")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["path", "job_id"]


def test_control_endpoint_refuses_nonsense(http: httpx2.Client) -> None:
    for body in ({"fault": "explode"}, {"queued": -1}, {"running": "soon"}, {"other": 1}):
        assert http.post("/_emulator/batch", json=body).status_code == 422, body


def test_jobs_are_shared_by_emulators_on_one_state_directory(tmp_path: Any) -> None:
    with Emulator(state_dir=tmp_path) as first:
        first.app.batch.timing.queued = first.app.batch.timing.running = 0.0
        with httpx2.Client(base_url=first.base_url, headers={"Authorization": "Bearer k"}) as c:
            job_id = create(c, requests=lines(3))["id"]
    with (
        Emulator(state_dir=tmp_path) as second,
        httpx2.Client(base_url=second.base_url, headers={"Authorization": "Bearer k"}) as c,
    ):
        job = finished(c, job_id)
        assert job["status"] == "SUCCESS" and len(content(c, job["output_file"])) == 3


def test_official_sdk_reads_the_batch_routes(emu: Emulator) -> None:
    from mistralai.client import Mistral

    with Mistral(api_key="k", server_url=emu.base_url) as sdk:
        job = sdk.batch.jobs.create(
            requests=lines(2), model="mistral-small-latest", endpoint=CHAT, metadata={"a": "b"}
        )
        assert job.status == "QUEUED" and job.total_requests == 2
        done = until(lambda: (j := sdk.batch.jobs.get(job_id=job.id)).status == "SUCCESS" and j)
        assert done.succeeded_requests == 2 and done.output_file
        listed = sdk.batch.jobs.list()
        assert [j.id for j in listed.data] == [job.id]
        other = sdk.batch.jobs.create(
            requests=lines(1), model="mistral-small-latest", endpoint=CHAT
        )
        assert sdk.batch.jobs.cancel(job_id=other.id).status in (
            "CANCELLED",
            "CANCELLATION_REQUESTED",
        )
