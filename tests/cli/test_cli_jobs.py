"""jobs list/get/cancel/create and items list: tables for people, JSON that parses back."""

from __future__ import annotations

import json
import subprocess

from llama_cloud_batch.testing import Fault

from .conftest import SCRIPT, TERMINAL, finished_job, ids, one_line_error, process_env

CONFIG = json.dumps({"job_name": "parse_raw_file_job", "parameters": {"lang": "en"}})


def test_jobs_list_json_walks_every_page_newest_first(cli, server):
    server.seed(130)  # more than one page of the API's default size
    run = cli("jobs", "list", "--json")
    assert run.code == 0
    listed = json.loads(run.stdout)
    assert ids(listed) == ids(server.jobs())
    assert len(server.requests_for("listBatchJobs")) >= 2


def test_jobs_list_jsonl_with_filters(cli, server):
    server.seed(20)
    expected = [j for j in server.jobs() if j["status"] == "completed" and j["job_type"] == "parse"]
    run = cli("jobs", "list", "--status", "completed", "--job-type", "parse", "--jsonl")
    assert run.code == 0
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    assert ids(lines) == ids(expected)
    assert expected  # the filter selected something, so the comparison means something


def test_jobs_list_directory_and_limit(cli, server):
    server.seed(30)
    in_dir = [j for j in server.jobs() if j["directory_id"] == "dir-1"]
    run = cli("jobs", "list", "--directory-id", "dir-1", "--limit", "2", "--json")
    assert ids(json.loads(run.stdout)) == ids(in_dir[:2])
    assert len(in_dir) > 2


def test_jobs_list_table_on_a_terminal(cli, server):
    created = server.seed(3)
    run = cli("jobs", "list", env=TERMINAL)
    assert run.code == 0
    assert "3 batch jobs" in run.stdout
    for job_id in created:
        assert job_id in run.stdout


def test_jobs_list_survives_rate_limits_and_server_errors(cli, server):
    server.seed(5)
    server.inject(Fault.rate_limit("0"), times=1)
    server.inject(Fault.error(503, retry_after="0"), times=1)
    run = cli("jobs", "list", "--json")
    assert run.code == 0
    assert ids(json.loads(run.stdout)) == ids(server.jobs())


def test_jobs_list_gives_up_after_the_retries_with_one_line(cli, server):
    server.inject(Fault.error(502, retry_after="0"), times=10)
    run = cli("jobs", "list")
    assert run.code == 1
    assert "502" in one_line_error(run)
    assert run.stdout == ""


def test_jobs_get(cli, server):
    job_id = finished_job(server, items=4, failed_items=1)
    run = cli("jobs", "get", job_id, "--json")
    assert run.code == 0
    shown = json.loads(run.stdout)
    assert shown["job"]["id"] == job_id
    assert shown["job"]["status"] == "completed"
    assert shown["job"]["failed_items"] == 1
    assert shown["progress_percentage"] == 100.0
    table = cli("jobs", "get", job_id)
    assert job_id in table.stdout
    assert "completed" in table.stdout


def test_jobs_get_unknown_is_one_line(cli, server):
    run = cli("jobs", "get", "bjb-missing")
    assert run.code == 1
    assert "404" in one_line_error(run)


def test_jobs_cancel(cli, server):
    job_id = server.add_job(items=5, status="running")
    run = cli("jobs", "cancel", job_id, "--reason", "not needed", "--json")
    assert run.code == 0
    assert json.loads(run.stdout)["status"] == "cancelled"
    assert server.job(job_id)["status"] == "cancelled"


def test_jobs_create_from_stdin_over_a_directory(cli, server):
    server.add_directory("dir-new", ["a.pdf", "b.pdf", "c.pdf"])
    run = cli(
        "jobs", "create", "--config", "-", "--directory-id", "dir-new", "--json", input=CONFIG
    )
    assert run.code == 0
    created = json.loads(run.stdout)
    assert created["total_items"] == 3
    assert server.job(created["id"])["directory_id"] == "dir-new"


def test_jobs_create_from_files(cli, server, tmp_path):
    files = server.add_directory("dir-src", ["a.pdf", "b.pdf", "c.pdf"])
    (tmp_path / "config.json").write_text(CONFIG)
    (tmp_path / "items.txt").write_text(f"{files[0]}\n\n{files[2]}\n")
    run = cli(
        "jobs", "create", "--config", str(tmp_path / "config.json"),
        "--items-file", str(tmp_path / "items.txt"), "--item", files[1], "--json",
    )  # fmt: skip
    assert run.code == 0
    created = json.loads(run.stdout)
    assert created["total_items"] == 3
    assert {item["item_id"] for item in server.items(created["id"])} == set(files)


def test_jobs_create_and_wait(moving, moving_server):
    moving_server.add_directory("dir-w", ["a.pdf", "b.pdf"])
    run = moving(
        "jobs", "create", "--config", "-", "--directory-id", "dir-w",
        "--wait", "--poll-interval", "0.05", "--json", input=CONFIG,
    )  # fmt: skip
    assert run.code == 0
    (result,) = json.loads(run.stdout)
    assert result["status"] == "completed"
    assert f"created {result['job_id']}" in run.stderr


def test_jobs_create_refuses_bad_input_before_any_request(cli, server, tmp_path):
    cases = [
        (["--directory-id", "d", "--item", "x"], CONFIG, "not both"),
        ([], CONFIG, "--directory-id"),
        (["--directory-id", "d"], "{not json", "not JSON"),
        (["--directory-id", "d"], "[1, 2]", "JSON object"),
    ]
    for extra, config, message in cases:
        run = cli("jobs", "create", "--config", "-", *extra, input=config)
        assert run.code == 2, extra
        assert message in one_line_error(run)
    missing = cli("jobs", "create", "--config", str(tmp_path / "nope.json"), "--directory-id", "d")
    assert missing.code == 2
    assert "cannot read the job config" in one_line_error(missing)
    assert server.requests_for("createBatchJob") == []


def test_items_list_status_failed(cli, server):
    job_id = finished_job(server, items=6, failed_items=2)
    failed = [i for i in server.items(job_id) if i["status"] == "failed"]
    run = cli("items", "list", job_id, "--status", "failed", "--json")
    assert run.code == 0
    listed = json.loads(run.stdout)
    assert ids(listed, "item_id") == ids(failed, "item_id")
    assert all(item["error_message"] for item in listed)
    table = cli("items", "list", job_id, env=TERMINAL)
    assert "6 items" in table.stdout
    assert table.stdout.count("failed") >= 2
    lines = cli("items", "list", job_id).stdout.splitlines()  # off a terminal: a line per item
    assert len(lines) == 6
    assert sorted(line.split("\t")[0] for line in lines) == sorted(
        ids(server.items(job_id), "item_id")
    )


def test_a_reader_that_goes_away_ends_it_quietly(server, spawn):
    # A real process: the pipe's reader goes away, and the interpreter flushes on its way out.
    server.seed(150)
    process = spawn(
        [str(SCRIPT), "jobs", "list", "--jsonl"],
        env=process_env(server),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    process.stdout.close()  # as `| head -1` does
    stderr = process.communicate(timeout=60)[1].decode()
    assert json.loads(first)["id"] == server.jobs()[0]["id"]
    assert process.returncode == 1
    assert "Traceback" not in stderr
    assert "Exception ignored" not in stderr
