"""The v2 commands (`batches list/get/create/cancel/wait/results`) against the local server:
output as the `jobs` commands print it, their exit statuses, progress, Ctrl-C and resume."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import time

import pytest
from llama_cloud_batch import types

from .conftest import (
    INTERRUPTED_TIMEOUT,
    KEY,
    RUN_TIMEOUT,
    SCRIPT,
    TERMINAL,
    ids,
    one_line_error,
    process_env,
    tick_on_each_poll,
)
from .test_cli_wait import _read_pty

FAST = ("--poll-interval", "0.05")


def _finished_batch(server, **options):
    batch_id = server.add_batch(**options)
    server.run_until_idle()
    return batch_id


# ----- list, get --------------------------------------------------------------------------


def test_batches_list_json_walks_every_cursor_page_newest_first(cli, server):
    server.seed_batches(130)  # more than a page of the server's default size
    run = cli("batches", "list", "--json")
    assert run.code == 0
    assert ids(json.loads(run.stdout)) == ids(server.batches())
    assert len(server.requests_for("listBatches")) >= 2


def test_batches_list_filters_and_limit(cli, server):
    server.seed_batches(30)
    wanted = [b for b in server.batches() if b["source_directory_id"] == "dir-2"]
    status = wanted[0]["status"]
    run = cli(
        "batches", "list", "--source-directory-id", "dir-2", "--status", status.lower(),
        "--limit", "2", "--jsonl",
    )  # fmt: skip
    assert run.code == 0
    listed = [json.loads(line) for line in run.stdout.splitlines()]
    assert ids(listed) == ids([b for b in wanted if b["status"] == status][:2])
    assert server.requests_for("listBatches")[0].query["status"] == [
        status
    ]  # as the spec spells it


def test_batches_list_created_after(cli, server):
    server.seed_batches(5)
    newest = server.batches()[0]
    run = cli("batches", "list", "--created-after", newest["created_at"], "--json")
    assert run.code == 0
    assert ids(json.loads(run.stdout)) == [newest["id"]]


def test_batches_list_in_a_pipe_and_on_a_terminal(cli, server):
    server.seed_batches(6)
    lines = cli("batches", "list").stdout.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        [b["id"], b["status"]] for b in server.batches()
    ]
    table = cli("batches", "list", env={**TERMINAL, "COLUMNS": "70"})
    assert "6 batches" in table.stdout
    for batch in server.batches():
        assert batch["id"] in table.stdout


def test_a_misspelt_batch_status_gets_a_guess_from_the_spec(cli, server):
    valid = [member.value for member in types.BatchStatus]
    run = cli("batches", "list", "--status", "THROTLED")
    assert run.code == 2
    line = one_line_error(run)
    assert "did you mean 'THROTTLED'" in line
    assert all(value in line for value in valid)
    assert server.requests == []


def test_batches_get_with_its_results(cli, server):
    batch_id = _finished_batch(server, files=4, failed_files=1)
    run = cli("batches", "get", batch_id, "--expand", "results", "--json")
    assert run.code == 0
    batch = json.loads(run.stdout)
    assert batch["id"] == batch_id
    assert batch["status"] == "COMPLETED"
    assert len(batch["results"]) == 4
    assert sum(1 for r in batch["results"] if r.get("job_reference")) == 3
    piped = cli("batches", "get", batch_id, "--expand", "results").stdout.splitlines()
    assert f"id\t{batch_id}" in piped
    assert "status\tCOMPLETED" in piped
    assert len([line for line in piped if line.startswith("result\t")]) == 4
    plain = cli("batches", "get", batch_id).stdout
    assert "result\t" not in plain


def test_batches_get_unknown_is_one_line(cli, server):
    run = cli("batches", "get", "bat-missing")
    assert run.code == 1
    assert "404" in one_line_error(run)


# ----- create, cancel -----------------------------------------------------------------------


def test_batches_create(cli, server):
    server.add_directory("dir-new", ["a.pdf", "b.pdf"])
    run = cli(
        "batches", "create", "--source-directory-id", "dir-new", "--job-type", "PARSE_V2",
        "--configuration-id", "cfg-1", "--json",
    )  # fmt: skip
    assert run.code == 0
    created = json.loads(run.stdout)
    assert created["status"] == "PENDING"
    stored = server.batch(created["id"])
    assert stored["config"]["job"] == {"type": "parse_v2", "configuration_id": "cfg-1"}
    assert stored["source_directory_id"] == "dir-new"


def test_batches_create_and_wait_through_throttled(cli, server):
    server.add_directory("dir-w", ["a.pdf", "b.pdf"])
    with tick_on_each_poll(server, "getBatch"):
        run = cli(
        "batches", "create", "--source-directory-id", "dir-w", "--job-type", "extract_v2",
            "--configuration-id", "cfg-2", "--wait", *FAST,
        )  # fmt: skip
    assert run.code == 0
    assert "created bat-" in run.stderr
    states = [line.split()[1] for line in run.stderr.splitlines() if line.startswith("bat-")]
    assert states[-1] == "COMPLETED"
    assert "THROTTLED" in states  # each change is a line off a terminal


def test_batches_create_refuses_a_job_type_the_spec_lacks(cli, server):
    run = cli(
        "batches", "create", "--source-directory-id", "d", "--job-type", "parse",
        "--configuration-id", "c",
    )  # fmt: skip
    assert run.code == 2
    assert "did you mean 'parse_v2'" in one_line_error(run)


def test_batches_cancel_then_wait_exits_4(cli, server):
    batch_id = server.add_batch(files=3, status="RUNNING")
    run = cli("batches", "cancel", batch_id, "--json")
    assert run.code == 0
    assert json.loads(run.stdout)["id"] == batch_id
    server.tick()  # the server cancels at its next step
    waited = cli("batches", "wait", batch_id, *FAST, "--json")
    assert waited.code == 4
    assert json.loads(waited.stdout)[0]["status"] == "CANCELLED"


# ----- wait ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("outcome", "code"), [("COMPLETED", 0), ("FAILED", 3)])
def test_batches_wait_exit_status_follows_the_outcome(moving, moving_server, outcome, code):
    batch_id = moving_server.add_batch(files=3, outcome=outcome)
    run = moving("batches", "wait", batch_id, *FAST, "--json")
    assert run.code == code
    (result,) = json.loads(run.stdout)
    assert result["batch_id"] == batch_id
    assert result["status"] == outcome
    assert result["final"] is True
    assert result["batch"]["id"] == batch_id


def test_batches_wait_timeout_and_missing(cli, server):
    open_batch = server.add_batch(files=2)  # nothing moves it
    run = cli("batches", "wait", open_batch, "--timeout", "0.3", *FAST, "--jsonl")
    assert run.code == 5
    assert json.loads(run.stdout)["timed_out"] is True
    missing = cli("batches", "wait", "bat-missing", *FAST, "--json")
    assert missing.code == 1
    assert "404" in json.loads(missing.stdout)[0]["error"]


def test_batches_wait_live_on_an_80_column_terminal(server, spawn):
    batch_ids = [server.add_batch(files=3), server.add_batch(files=2, outcome="FAILED")]
    primary, secondary = pty.openpty()
    import fcntl
    import struct
    import termios

    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 80, 0, 0))
    process = spawn(
        [str(SCRIPT), "batches", "wait", *batch_ids, *FAST],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=process_env(server, TERM="xterm-256color", COLUMNS="80", NO_COLOR=None),
    )
    os.close(secondary)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(server.requests_for("getBatch")) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        server.run_until_idle()
        raw = _read_pty(primary, process)
        code = process.wait(timeout=RUN_TIMEOUT)
    finally:
        os.close(primary)
    text = raw.decode(errors="replace")
    assert code == 3, text[-2000:]  # one of them failed
    assert "━" in text
    assert "…" not in text
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert re.search(rf"{batch_ids[0]} +COMPLETED +━", plain)
    assert re.search(rf"{batch_ids[1]} +FAILED +━", plain)


# ----- results ------------------------------------------------------------------------------


def test_batches_results_waits_then_lists_each_file_with_its_job(moving, moving_server):
    batch_id = moving_server.add_batch(files=5, failed_files=2)
    run = moving("batches", "results", batch_id, *FAST, "--jsonl")
    assert run.code == 0
    results = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(results) == 5
    with_jobs = [r for r in results if r.get("job_reference")]
    assert len(with_jobs) == 3
    assert all(r["job_reference"]["id"] and r["job_reference"]["type"] for r in with_jobs)
    assert all(r["error_message"] for r in results if not r.get("job_reference"))
    piped = moving("batches", "results", batch_id)
    lines = piped.stdout.splitlines()
    assert len(lines) == 5
    assert {line.split("\t")[0] for line in lines} == {
        r["source_directory_file_id"] for r in results
    }


def test_batches_results_of_a_failed_batch_exits_3(cli, server):
    batch_id = _finished_batch(server, files=3, outcome="FAILED")
    run = cli("batches", "results", batch_id, "--json")
    assert run.code == 3
    assert run.stdout == ""
    assert f"batch {batch_id} ended FAILED with no per-file results" in run.stderr


def test_batches_results_timing_out_says_so(cli, server):
    batch_id = server.add_batch(files=2)  # nothing moves it
    run = cli("batches", "results", batch_id, "--timeout", "0.2", *FAST)
    assert run.code == 5
    assert run.stdout == ""
    assert "its results are listed once it is final" in run.stderr


# ----- Ctrl-C and resume --------------------------------------------------------------------


@pytest.mark.parametrize("command", ["wait", "results"])
def test_ctrl_c_says_how_to_resume_and_resuming_finishes(cli, server, start, command):
    done = _finished_batch(server, files=1)
    waiting = server.add_batch(files=3)  # nothing moves it until the test does
    followed = [waiting, done] if command == "wait" else [waiting]
    process = start("batches", command, *followed, "--poll-interval", "0.05")
    deadline = time.monotonic() + RUN_TIMEOUT
    while len(server.requests_for("getBatch")) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=INTERRUPTED_TIMEOUT)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert KEY not in stdout + stderr
    resume = f"llama-cloud-batch batches {command} {waiting}"
    assert stderr.rstrip().endswith(resume)  # only the batch still open
    server.run_until_idle()
    again = cli(*resume.split()[1:], *FAST, "--json")
    assert again.code == 0
    if command == "wait":
        assert json.loads(again.stdout)[0]["status"] == "COMPLETED"
    else:
        assert len(json.loads(again.stdout)) == 3
