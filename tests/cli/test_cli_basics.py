"""The command as a whole: version, help, configuration, errors, the key, what it imports."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import llama_cloud_batch
import pytest
from llama_cloud_batch.testing import Fault

from .conftest import KEY, RUN_TIMEOUT, SCRIPT, finished_job, one_line_error


def test_version(cli):
    run = cli("--version")
    assert run.code == 0
    assert run.stdout.strip() == f"llama-cloud-batch {llama_cloud_batch.__version__}"


def test_help_lists_the_commands_and_the_exit_statuses(cli):
    run = cli("--help")
    assert run.code == 0
    for command in ("jobs", "items", "results"):
        assert command in run.stdout
    assert "Exit status" in run.stdout
    assert "LLAMA_CLOUD_API_KEY" in run.stdout


@pytest.mark.parametrize(
    "command", [[str(SCRIPT)], [sys.executable, "-m", "llama_cloud_batch"]], ids=["script", "-m"]
)
def test_the_console_script_and_python_dash_m_run_the_command(command):
    # A real process, as installed: what the command prints, and its status as the exit status.
    completed = subprocess.run(
        [*command, "jobs", "explode"],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert completed.stderr.startswith("llama-cloud-batch: error: argument COMMAND: invalid choice")


def test_importing_the_library_loads_neither_the_cli_nor_its_dependencies():
    # click is blocked as in an environment with only the cli extra: this suite's own tools
    # bring click, which makes httpx import its command line (click and rich) on its own.
    probe = (
        "import sys\n"
        "sys.modules['click'] = None\n"
        "import llama_cloud_batch\n"
        "from llama_cloud_batch import LlamaCloud\n"
        "LlamaCloud(api_key='k').beta.batch\n"
        "loaded = [name for name, module in sys.modules.items() if module is not None and (\n"
        "  name.split('.')[0] in ('click', 'rich') or name.startswith('llama_cloud_batch.cli'))]\n"
        "print(loaded)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_a_command_that_shows_no_progress_does_not_load_the_progress_modules():
    # They load rich.progress (~40 ms), which `jobs list` has no use for. (httpx may load it
    # anyway when click is installed: see the next test.)
    probe = (
        "import sys\n"
        "from llama_cloud_batch.cli._app import build_parser\n"
        "build_parser().parse_args(['jobs', 'list'])\n"
        "print(sorted(m for m in sys.modules if m.endswith(('cli._wait', 'cli._download'))))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"


def test_the_cli_extra_does_not_bring_click():
    # httpx imports click, rich and pygments at `import httpx` whenever click is installed.
    import re
    from importlib.metadata import requires

    in_cli = re.compile(r"""extra\s*==\s*["']cli["']""")
    cli_requirements = [r for r in requires("llama-cloud-batch") or [] if in_cli.search(r)]
    assert cli_requirements
    assert not [r for r in cli_requirements if r.lower().startswith(("click", "typer"))]


def test_unknown_command_is_a_usage_error(cli):
    run = cli("jobs", "explode")
    assert run.code == 2
    assert "invalid choice: 'explode'" in one_line_error(run)


def test_no_api_key_is_a_configuration_error(cli, server):
    run = cli("jobs", "list", env={"LLAMA_CLOUD_API_KEY": None})
    assert run.code == 2
    assert "LLAMA_CLOUD_API_KEY" in one_line_error(run)


def test_plain_http_to_another_host_is_refused(cli, server):
    run = cli("--base-url", "http://api.example.com", "jobs", "list")
    assert run.code == 2
    assert "http" in one_line_error(run)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--base-url", "https://api.example.com/?a=1", "jobs", "list"), "query string"),
        (("--api-key", "sk-bad\x7fkey", "jobs", "list"), "control character"),
        (("jobs", "wait", "bjb-1", "--poll-interval", "0"), "more than 0"),
        (("jobs", "wait", "bjb-1", "--poll-interval", "inf"), "finite"),
        (("jobs", "wait", "bjb-1", "--poll-interval", "nan"), "finite"),
        (("jobs", "wait", "bjb-1", "--timeout", "inf"), "finite"),
        (("jobs", "create", "--config", "-", "--wait", "--poll-interval", "-1"), "finite"),
    ],
)
def test_a_configuration_mistake_is_a_usage_error(cli, server, args, says):
    run = cli(*args)
    assert run.code == 2
    line = one_line_error(run)
    assert says in line
    assert "unexpected" not in line
    assert server.requests == []


def test_a_wrong_key_is_one_line_without_either_key(cli, server):
    wrong = "sk-wrong-5e0f1d7a-also-secret"
    run = cli("--api-key", wrong, "jobs", "list")
    assert run.code == 1
    line = one_line_error(run)
    assert "401" in line
    assert wrong not in run.stdout + run.stderr


def test_an_unreachable_api_is_one_line(cli, server, monkeypatch):
    # The client's backoff between its retries (~1 s) is not what is tested here.
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    run = cli("--base-url", "http://127.0.0.1:9", "jobs", "get", "bjb-1")
    assert run.code == 1
    assert "cannot reach the API" in one_line_error(run)


def test_an_answer_that_breaks_the_spec_is_one_line(cli, server):
    job_id = finished_job(server, items=2)
    server.inject(Fault.not_json(), times=5)
    run = cli("jobs", "get", job_id)
    assert run.code == 1
    assert "does not match the API description" in one_line_error(run)


def test_verbose_logs_requests_and_retries_but_never_the_key(cli, server):
    job_id = finished_job(server, items=2)
    server.inject(Fault.rate_limit("0"), times=1)
    run = cli("-vv", "jobs", "get", job_id)
    assert run.code == 0
    assert "retrying GET" in run.stderr
    assert "getBatchJobStatus" in run.stderr or job_id in run.stderr
    assert KEY not in run.stderr


def test_global_options_also_work_after_the_command(cli, server):
    wrong = "sk-wrong-after-the-command"
    run = cli("jobs", "list", "--api-key", wrong)
    assert run.code == 1
    assert "401" in one_line_error(run)
    assert wrong not in run.stderr


def test_without_the_extra_it_says_how_to_get_it(cli, server, monkeypatch):
    # As if rich were not installed: the command's modules are loaded afresh and cannot import
    # it (monkeypatch puts the loaded ones back afterwards); the command says what to install.
    import llama_cloud_batch.cli

    for name in [name for name in sys.modules if name.split(".")[0] == "rich"]:
        monkeypatch.setitem(sys.modules, name, None)
    for name in [name for name in sys.modules if name.startswith("llama_cloud_batch.cli.")]:
        monkeypatch.delitem(sys.modules, name)
        monkeypatch.delattr(llama_cloud_batch.cli, name.rsplit(".", 1)[1])
    run = cli("jobs", "list")
    assert run.code == 2
    assert run.stderr.strip() == (
        "llama-cloud-batch: error: the command line needs the 'cli' extra: "
        "pip install 'llama-cloud-batch[cli]'"
    )
    assert server.requests == []


def test_error_lines_hide_every_spelling_of_the_key() -> None:
    # A server may echo the key percent-encoded or JSON-escaped; the one-line error hides both.
    from urllib.parse import quote

    from llama_cloud_batch.cli._commands import State

    key = 'sk-live/a+b"c'
    line = f"bad key {quote(key, safe='')} or {json.dumps(key)} or {key}"
    cleaned = State(api_key=key).redact(line)
    assert quote(key, safe="") not in cleaned
    assert json.dumps(key)[1:-1] not in cleaned
    assert key not in cleaned
    assert cleaned.startswith("bad key ")


@pytest.mark.parametrize("variable", ["LLAMA_CLOUD_API_KEY", "LLAMA_PARSE_API_KEY"])
def test_the_key_the_client_would_send_is_hidden_before_it_is_built(cli, server, variable):
    # A key pasted where the command goes is echoed by the usage error; the key comes from
    # either variable the client reads, with the newline a key file leaves.
    env = {"LLAMA_CLOUD_API_KEY": None, variable: f"  {KEY}\n"}
    run = cli(KEY, "jobs", "list", env=env)  # Cli asserts KEY is in neither stream
    assert run.code == 2
    assert "[redacted]" in one_line_error(run)


def test_wait_lines_hide_the_key_in_an_error(server) -> None:
    # The plain lines of `jobs wait` off a terminal: an error quoting the key is redacted with
    # the key the client sends (here stripped of its whitespace).
    import io

    from llama_cloud_batch import JobWaitResult, LlamaCloudError
    from llama_cloud_batch.cli._commands import State
    from llama_cloud_batch.cli._wait import WaitDisplay
    from rich.console import Console

    state = State(api_key=f"{KEY}\n", base_url=server.url)
    state.client()
    printed = io.StringIO()
    display = WaitDisplay(Console(file=printed), ["bjb-1"], live=False, redact=state.redact)
    display.update(JobWaitResult("bjb-1", error=LlamaCloudError(f"echoed {KEY}")))
    state.close()
    assert KEY not in printed.getvalue()
    assert "echoed [redacted]" in printed.getvalue()
