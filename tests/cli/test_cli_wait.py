"""jobs wait: exit statuses per outcome, faults survived, plain lines off a terminal, live bars
on one (a real pseudo-terminal), and Ctrl-C that says how to resume."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
import time

import pytest
from llama_cloud_batch.testing import Fault

from .conftest import INTERRUPTED_TIMEOUT, KEY, RUN_TIMEOUT, SCRIPT, process_env, tick_on_each_poll

FAST = ("--poll-interval", "0.05")


@pytest.mark.parametrize(
    ("job", "code"),
    [
        ({"items": 4}, 0),
        ({"items": 4, "failed_items": 2}, 0),  # failed items do not fail the job
        ({"items": 3, "outcome": "failed", "failure_message": "quota exceeded"}, 3),
    ],
)
def test_exit_status_follows_the_outcome(moving, moving_server, job, code):
    job_id = moving_server.add_job(**job)
    run = moving("jobs", "wait", job_id, *FAST, "--json")
    assert run.code == code
    (result,) = json.loads(run.stdout)
    assert result["job_id"] == job_id
    assert result["final"] is True
    assert result["status"] == ("failed" if code == 3 else "completed")
    assert result["job"]["failed_items"] == job.get("failed_items", 0)


def test_cancelled_job_exits_4(cli, server):
    job_id = server.add_job(items=3, status="running")
    server.store.set_status(job_id, "cancelled")
    run = cli("jobs", "wait", job_id, *FAST)
    assert run.code == 4
    assert "cancelled" in run.stdout


def test_timeout_exits_5_with_the_job_still_open(cli, server):
    job_id = server.add_job(items=3)  # nothing moves it
    run = cli("jobs", "wait", job_id, "--timeout", "0.3", *FAST, "--jsonl")
    assert run.code == 5
    result = json.loads(run.stdout)
    assert result["timed_out"] is True
    assert result["status"] == "pending"


def test_a_missing_job_is_reported_and_the_others_followed(moving, moving_server):
    good = moving_server.add_job(items=2)
    bad = moving_server.add_job(items=2, outcome="failed")
    run = moving("jobs", "wait", good, "bjb-missing", bad, *FAST, "--json")
    assert run.code == 1  # an error outranks a failed job
    results = {r["job_id"]: r for r in json.loads(run.stdout)}
    assert results[good]["status"] == "completed"
    assert results[bad]["status"] == "failed"
    assert "404" in results["bjb-missing"]["error"]


def test_most_serious_outcome_wins(moving, moving_server):
    done = moving_server.add_job(items=2)
    failed = moving_server.add_job(items=2, outcome="failed")
    cancelled = moving_server.add_job(items=2, status="running")
    moving_server.store.set_status(cancelled, "cancelled")
    assert moving("jobs", "wait", done, cancelled, *FAST).code == 4
    assert moving("jobs", "wait", cancelled, failed, done, *FAST).code == 3


def test_rate_limits_and_server_errors_are_ridden_out(moving, moving_server):
    job_id = moving_server.add_job(items=6)
    moving_server.inject(Fault.rate_limit("0"), times=3, operation="getBatchJobStatus")
    moving_server.inject(Fault.error(503, retry_after="0"), times=4, operation="getBatchJobStatus")
    run = moving("jobs", "wait", job_id, *FAST, "--json")
    assert run.code == 0
    assert json.loads(run.stdout)[0]["status"] == "completed"
    faulted = [r for r in moving_server.requests_for("getBatchJobStatus") if r.fault]
    assert len(faulted) == 7


def test_plain_lines_when_not_a_terminal(moving, moving_server):
    job_id = moving_server.add_job(items=4, failed_items=1)
    run = moving("jobs", "wait", job_id, *FAST)
    assert run.code == 0
    assert "\x1b" not in run.stderr + run.stdout  # no cursor movement, no colour
    lines = run.stderr.splitlines()
    assert lines
    assert all(line.startswith(job_id) for line in lines)
    assert lines[-1].startswith(f"{job_id}  completed  4/4 processed, 1 failed, 0 skipped")
    assert len(lines) == len(set(lines))  # a line only when something changed


def _read_pty(fd: int, process: subprocess.Popen[bytes]) -> bytes:
    output = b""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # the other side closed: the process is gone
                break
            if not chunk:
                break
            output += chunk
        elif process.poll() is not None:
            break
    return output


def _on_terminal(server, spawn, args: list[str], columns: int) -> tuple[int, str]:
    """Runs the installed script with `args` on a pseudo-terminal `columns` wide, as a person
    would see it, the server ticking on each poll; its exit status and what it drew."""
    primary, secondary = pty.openpty()
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = spawn(
        [str(SCRIPT), *args, *FAST],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=process_env(server, TERM="xterm-256color", COLUMNS=str(columns), NO_COLOR=None),
    )
    os.close(secondary)
    try:
        with tick_on_each_poll(server):
            raw = _read_pty(primary, process)
            code = process.wait(timeout=RUN_TIMEOUT)
    finally:
        os.close(primary)
    return code, raw.decode(errors="replace")


def test_live_progress_bars_on_a_terminal(server, spawn):
    # A real process on a pseudo-terminal: rich sees a terminal as it would for a person.
    slow = server.add_job(items=12, failed_items=1, skipped_items=1)
    quick = server.add_job(items=2)
    code, text = _on_terminal(server, spawn, ["jobs", "wait", slow, quick], columns=150)
    assert code == 0
    assert KEY not in text
    assert "\x1b[" in text  # a live display redraws in place
    assert "━" in text  # rich's bars
    assert "items/s" in text
    assert "12/12 processed" not in text  # a skipped item is not processed
    assert "11/12 processed, 1 failed, 1 skipped" in text
    assert "2/2 processed, 0 failed, 0 skipped" in text
    assert "ETA" in text


def test_ctrl_c_says_how_to_resume(server, start):
    done = server.add_job(items=1)
    server.run_until_idle()
    waiting = server.add_job(items=3)  # nothing moves these: the wait goes on until interrupted
    waiting_again = server.add_job(items=2)
    process = start("jobs", "wait", waiting, done, waiting_again, "--poll-interval", "0.05")
    deadline = time.monotonic() + RUN_TIMEOUT
    while len(server.requests_for("getBatchJobStatus")) < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=INTERRUPTED_TIMEOUT)
    assert process.returncode == 130
    assert "Traceback" not in stderr
    assert KEY not in stdout + stderr
    assert f"llama-cloud-batch jobs wait {waiting} {waiting_again}" in stderr


def test_ctrl_c_does_not_offer_to_resume_a_job_that_does_not_exist(server, start):
    waiting = server.add_job(items=3)  # nothing moves it: the wait goes on until interrupted
    process = start("jobs", "wait", "bjb-gone", waiting, "--poll-interval", "0.05")
    deadline = time.monotonic() + RUN_TIMEOUT
    while len(server.requests_for("getBatchJobStatus")) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=INTERRUPTED_TIMEOUT)
    assert process.returncode == 130
    assert stderr.rstrip().endswith(f"llama-cloud-batch jobs wait {waiting}")


@pytest.mark.parametrize("output", [(), ("--jsonl",)])
def test_a_failure_message_quoting_the_key_is_redacted(moving, moving_server, output):
    # The key comes from LLAMA_PARSE_API_KEY, with a newline; the server's message quotes it.
    env = {"LLAMA_CLOUD_API_KEY": None, "LLAMA_PARSE_API_KEY": f"{KEY}\n"}
    job_id = moving_server.add_job(items=2, outcome="failed", failure_message=f"bad key {KEY}")
    run = moving("jobs", "wait", job_id, *FAST, *output, env=env)  # Cli asserts KEY is absent
    assert run.code == 3
    assert "bad key [redacted]" in run.stdout


@pytest.mark.parametrize("command", ["wait", "create"])
def test_at_80_columns_the_bars_keep_their_room_and_statuses_show_whole(
    server, spawn, tmp_path, command
):
    # A real process on an 80-column pseudo-terminal: the ID and the whole status, a bar, and
    # the columns that did not fit left out rather than cut.
    job_ids = [server.add_job(items=12, failed_items=1), server.add_job(items=3)]
    if command == "wait":
        args = ["jobs", "wait", *job_ids]
    else:
        directory = server.add_directory("dir-80", ["a.pdf", "b.pdf"])
        assert directory
        config = tmp_path / "job.json"
        config.write_text(json.dumps({"job_name": "parse_raw_file_job", "parameters": {}}))
        args = ["jobs", "create", "--config", str(config), "--directory-id", "dir-80", "--wait"]
    code, text = _on_terminal(server, spawn, args, columns=80)
    assert code == 0, text[-2000:]
    assert "━" in text  # the bars are drawn
    assert "…" not in text  # nothing cut: not `runnin…`, not an ID
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    for line in plain.replace("\r", "\n").splitlines():
        assert len(line) <= 80, line
    followed = job_ids if command == "wait" else [server.jobs()[0]["id"]]
    for job_id in followed:
        assert re.search(rf"{job_id} +(running|completed) +━", plain), plain[-2000:]
    bars = re.findall(r"(?:completed|running) +([━╸╺]+)", plain)
    assert bars
    assert min(len(bar) for bar in bars) >= 10  # a usable width


def test_a_wait_that_cannot_reach_the_api_says_why_then_gives_up(cli, server, monkeypatch):
    # The client's backoff between its retries is cut short; the give-up time is measured.
    real_sleep = time.sleep
    monkeypatch.setattr(time, "sleep", lambda seconds: real_sleep(min(seconds, 0.01)))
    started = time.monotonic()
    run = cli(
        "--base-url", "http://127.0.0.1:9", "jobs", "wait", "bjb-1", "bjb-2",
        "--give-up-after", "0.5", *FAST,
    )  # fmt: skip
    assert run.code == 6
    assert time.monotonic() - started < 30
    notes = [line for line in run.stderr.splitlines() if line.startswith("llama-cloud-batch: ")]
    why, gave_up = notes
    assert "cannot reach the API at http://127.0.0.1:9" in why
    assert "--base-url or LLAMA_CLOUD_BASE_URL" in why
    assert "giving up after 0.5 s without an answer" in why
    assert gave_up.startswith("llama-cloud-batch: error: gave up after 0.5 s")
    assert gave_up.endswith("Follow them again with: llama-cloud-batch jobs wait bjb-1 bjb-2")
    assert "6 a wait gave up" in cli("jobs", "wait", "--help").stdout


def test_a_wait_rides_out_a_short_outage_and_says_so(moving, moving_server):
    job_id = moving_server.add_job(items=3)
    moving_server.inject(Fault.error(503, retry_after="0"), times=6, operation="getBatchJobStatus")
    run = moving("jobs", "wait", job_id, "--give-up-after", "60", *FAST, "--json")
    assert run.code == 0
    assert "retrying; giving up after 60 s without an answer" in run.stderr
    assert "the API answers again" in run.stderr
    assert json.loads(run.stdout)[0]["status"] == "completed"
