"""The command line in shell terms: one line per record in a pipe, tables that fit a narrow
terminal without cutting an ID or a status, errors that name flags and variables, enum options
checked against the spec's values, help that loads neither httpx nor rich, shell completion,
and the job.json example."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time

import pytest
from llama_cloud_batch import types
from llama_cloud_batch.cli._app import JOB_CONFIG_EXAMPLE

from .conftest import RUN_TIMEOUT, SCRIPT, TERMINAL, finished_job, ids, one_line_error

STYLE = re.compile(r"\x1b\[[0-9;]*m")  # bold headers, with colour off


def _values(enum: type) -> list[str]:
    return [member.value for member in enum]


# ----- output in a pipe and on a narrow terminal -------------------------------------------


def test_jobs_list_in_a_pipe_is_one_whole_line_per_job(cli, server):
    server.seed(14)
    run = cli("jobs", "list")  # stdout is not a terminal here
    assert run.code == 0
    lines = run.stdout.splitlines()
    jobs = server.jobs()
    assert len(lines) == len(jobs)  # no title, no header, no wrapped cell
    for line, job in zip(lines, jobs, strict=True):
        fields = line.split("\t")
        assert fields[0] == job["id"]  # the whole ID
        assert fields[2] == job["status"]  # the whole status
    completed = [job for job in jobs if job["status"] == "completed"]
    assert completed
    assert sum("\tcompleted\t" in line for line in lines) == len(completed)  # grep -c


def test_a_record_in_a_pipe_stays_one_line_whatever_its_strings_hold(cli, server):
    long_name = "line one\nline two\tand a tab " + "x" * 300
    job_id = finished_job(server, items=["a.pdf", long_name, "c.pdf"], failed_items=1)
    run = cli("items", "list", job_id)
    lines = run.stdout.splitlines()
    assert len(lines) == 3
    fields = lines[1].split("\t")
    assert len(fields) == 4
    assert fields[1] == "line one\\x0aline two\\x09and a tab " + "x" * 300  # never cut
    assert lines[2].split("\t")[3]  # the failed item's note


def test_jobs_get_in_a_pipe_is_a_field_a_line(cli, server):
    job_id = finished_job(server, items=2)
    run = cli("jobs", "get", job_id)
    fields = dict(line.split("\t", 1) for line in run.stdout.splitlines())
    assert fields["id"] == job_id
    assert fields["status"] == "completed"


@pytest.mark.parametrize("columns", [80, 60])
def test_on_a_narrow_terminal_columns_give_way_before_ids_and_statuses(cli, server, columns):
    server.seed(12)
    run = cli("jobs", "list", env={**TERMINAL, "COLUMNS": str(columns)})
    assert run.code == 0
    lines = [STYLE.sub("", line) for line in run.stdout.splitlines()]
    assert max(len(line) for line in lines) <= columns
    assert "…" not in run.stdout  # nothing cut
    for job in server.jobs():
        row = next(line for line in lines if job["id"] in line)  # the whole ID, on one line
        assert re.search(rf"\s{job['status']}\s", row)  # the whole status
    assert "CREATED" not in run.stdout  # the first column to give way
    wide = cli("jobs", "list", env={**TERMINAL, "COLUMNS": "200"})
    assert "CREATED" in wide.stdout
    assert "TYPE" in wide.stdout


def test_a_terminal_too_narrow_for_any_table_gets_whole_lines(cli, server):
    server.seed(3)
    run = cli("jobs", "list", env={**TERMINAL, "COLUMNS": "30"})
    assert run.code == 0
    assert [line.split("\t")[0] for line in run.stdout.splitlines()] == ids(server.jobs())


# ----- errors in shell terms ----------------------------------------------------------------


def test_no_key_names_the_flags_and_the_variable(cli, server):
    run = cli("jobs", "list", env={"LLAMA_CLOUD_API_KEY": None})
    assert run.code == 2
    line = one_line_error(run)
    assert "--api-key" in line
    assert "LLAMA_CLOUD_API_KEY" in line
    assert "api_key=" not in line


def test_plain_http_names_the_flag_that_allows_it(cli, server, monkeypatch):
    run = cli("--base-url", "http://api.example.invalid", "jobs", "list")
    assert run.code == 2
    line = one_line_error(run)
    assert "--allow-insecure-http" in line
    assert "--base-url" in line
    assert "allow_insecure_http" not in line
    # The flag does what the message says: the key is sent (here: to a host that is not there).
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    allowed = cli(
        "--base-url", "http://api.example.invalid", "jobs", "list", "--allow-insecure-http"
    )
    assert allowed.code == 1
    assert "cannot reach the API" in one_line_error(allowed)


def test_an_unreachable_api_names_the_flag_and_the_variable(cli, server, monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    run = cli("--base-url", "http://127.0.0.1:9", "jobs", "get", "bjb-1")
    assert run.code == 1
    line = one_line_error(run)
    assert "http://127.0.0.1:9" in line
    assert "--base-url" in line
    assert "LLAMA_CLOUD_BASE_URL" in line


@pytest.mark.parametrize(
    ("args", "enum"),
    [
        (("jobs", "list", "--status"), types.BatchJobStatus),
        (("jobs", "list", "--job-type"), types.JobType),
        (("items", "list", "bjb-1", "--status"), types.BatchItemStatus),
        (("results", "download", "bjb-1", "--out", "x", "--status"), types.BatchItemStatus),
    ],
)
def test_a_misspelt_enum_value_is_refused_here_with_the_valid_values(cli, server, args, enum):
    valid = _values(enum)
    misspelt = valid[0][:-1] + "x" + valid[0][-1]  # one letter too many
    run = cli(*args, misspelt)
    assert run.code == 2
    line = one_line_error(run)
    assert f"did you mean {valid[0]!r}" in line
    for value in valid:
        assert value in line
    assert server.requests == []  # never sent


def test_an_enum_value_in_another_case_is_sent_as_the_spec_spells_it(cli, server):
    server.seed(5)
    status = _values(types.BatchJobStatus)[0]
    run = cli("jobs", "list", "--status", status.upper(), "--json")
    assert run.code == 0
    (request,) = server.requests_for("listBatchJobs")
    assert request.query["status"] == [status]


def test_far_off_values_get_no_guess(cli, server):
    run = cli("jobs", "list", "--job-type", "zzzzzzzz")
    assert run.code == 2
    assert "did you mean" not in one_line_error(run)


@pytest.mark.parametrize(
    ("args", "help_of"),
    [
        (("jobs", "list", "--bogus"), "llama-cloud-batch jobs list --help"),
        (("--verbose", "items", "list", "J", "--nope", "1"), "llama-cloud-batch items list --help"),
        (("results", "download", "J", "--out", "d", "--x"), "results download --help"),
    ],
)
def test_an_unknown_flag_points_at_the_commands_own_help(cli, server, args, help_of):
    run = cli(*args)
    assert run.code == 2
    line = one_line_error(run)
    assert "unrecognized arguments" in line
    assert line.endswith(f"{help_of})")


# ----- what --help loads --------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["jobs", "list", "--help"], ["--version"]])
def test_help_loads_neither_httpx_nor_rich(args):
    # A fresh interpreter, as the console script runs.
    probe = (
        "import sys\n"
        "from llama_cloud_batch.cli import run\n"
        f"code = run({args!r})\n"
        "loaded = sorted({name.split('.')[0] for name in sys.modules} & {'httpx', 'rich'})\n"
        "print(loaded, code, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr.strip() == "[] 0"
    assert "usage" in done.stdout or "llama-cloud-batch" in done.stdout


# ----- shell completion ---------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script_the_shell_accepts(cli, server, shell, tmp_path):
    run = cli("completion", shell)
    assert run.code == 0
    assert "llama-cloud-batch" in run.stdout
    assert server.requests == []
    program = shutil.which(shell)
    if program is None:
        assert shell != "bash", "bash is needed to check the bash script"
        pytest.skip(f"{shell} is not installed: the script is printed, not checked")
    script = tmp_path / f"completion.{shell}"
    script.write_text(run.stdout)
    checked = subprocess.run(
        [program, "-n", str(script)],
        check=False,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )
    assert checked.returncode == 0, checked.stderr


def _complete(line: str, tmp_path) -> list[str]:
    """What the console script answers the shell for `line` (as the completion script asks)."""
    answer = tmp_path / "answer"
    env = {
        "PATH": "/usr/bin:/bin",
        "_ARGCOMPLETE": "1",
        "_ARGCOMPLETE_IFS": "\n",
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
    }
    done = subprocess.run(
        [str(SCRIPT)], env=env, capture_output=True, timeout=RUN_TIMEOUT, check=False
    )
    assert done.returncode == 0, done.stderr
    return answer.read_text().split("\n")


def test_completion_answers_commands_flags_and_enum_values(tmp_path):
    assert {"jobs", "items", "results", "completion"} <= set(
        _complete("llama-cloud-batch ", tmp_path)
    )
    assert "--job-type" in _complete("llama-cloud-batch jobs list --", tmp_path)
    assert _complete("llama-cloud-batch jobs list --status ", tmp_path) == _values(
        types.BatchJobStatus
    )


# ----- the job.json example -----------------------------------------------------------------


def test_the_job_config_example_is_in_the_help_and_is_valid_input(cli, server, tmp_path):
    shown = cli("jobs", "create", "--help")
    assert shown.code == 0
    assert JOB_CONFIG_EXAMPLE in shown.stdout
    example = json.loads(JOB_CONFIG_EXAMPLE)
    # The client's own checks of the request: the model reads it strictly, the operation builds it.
    types.ParseJobConfigParam.from_dict(example)
    from _llama_cloud_batch_generated.api.batch import create_batch_job

    create_batch_job.build_request({"job_config": example, "directory_id": "dir-1"})
    # And the local server, which checks every request against the spec, takes it.
    server.add_directory("dir-example", ["a.pdf"])
    config = tmp_path / "job.json"
    config.write_text(JOB_CONFIG_EXAMPLE)
    created = cli("jobs", "create", "--config", str(config), "--directory-id", "dir-example")
    assert created.code == 0, created.stderr


def test_the_docs_show_the_same_example():
    from pathlib import Path

    page = Path(__file__).parents[2] / "docs" / "guide" / "cli.md"
    assert JOB_CONFIG_EXAMPLE in page.read_text()
