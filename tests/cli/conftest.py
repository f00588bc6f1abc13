"""The command line run in this process (llama_cloud_batch.cli.run) against the local server,
its output captured; test_cli_process.py starts the installed script for what only a real
process shows (the console script, Ctrl-C, a terminal, a closed pipe)."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from llama_cloud_batch.cli import run
from llama_cloud_batch.testing import BatchServer

KEY = "sk-cli-test-8c1e59d2-do-not-print"
SCRIPT = Path(sys.executable).with_name("llama-cloud-batch")
RUN_TIMEOUT = 60
# Ctrl-C stops the command at once; a command that ignored it fails its test in this time.
INTERRUPTED_TIMEOUT = 10
# What would change how rich draws, from the environment the tests happen to run in.
_DRAWING = ("COLUMNS", "LINES", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR")


# The environment of a run whose output rich takes for a terminal (its width is COLUMNS).
TERMINAL = {"FORCE_COLOR": "1"}


def cli_env(server: BatchServer) -> dict[str, str | None]:
    """The command's environment as a user would set it, over the tests' own: the key and the
    local server's address, a wide plain terminal, and no other configuration (None: unset)."""
    env: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith(("LLAMA_CLOUD_", "LLAMA_PARSE_"))
    }
    env.update(dict.fromkeys(_DRAWING))
    env.update(
        {
            "LLAMA_CLOUD_API_KEY": KEY,
            "LLAMA_CLOUD_BASE_URL": server.url,
            "COLUMNS": "160",
            "NO_COLOR": "1",
        }
    )
    return env


def process_env(server: BatchServer, **extra: str | None) -> dict[str, str]:
    """cli_env (and `extra`) as a child process's whole environment."""
    merged = {**os.environ, **cli_env(server), **extra}
    return {name: value for name, value in merged.items() if value is not None}


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class Cli:
    """Runs the command line in this process, as the console script would with this
    environment and stdin; returns its exit status and what it printed."""

    def __init__(self, server: BatchServer) -> None:
        self.server = server

    def __call__(
        self, *args: str, input: str = "", env: Mapping[str, str | None] | None = None
    ) -> Run:
        out, err = io.StringIO(), io.StringIO()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in {**cli_env(self.server), **(env or {})}.items():
                if value is None:
                    patch.delenv(name, raising=False)
                else:
                    patch.setenv(name, value)
            patch.setattr(sys, "stdin", io.StringIO(input))
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = run(args)
        # Whatever happened, the key never reaches the output and no traceback does either.
        for stream in (out.getvalue(), err.getvalue()):
            assert KEY not in stream
            assert "Traceback" not in stream
        return Run(code, out.getvalue(), err.getvalue())


@pytest.fixture
def server() -> Iterator[BatchServer]:
    with BatchServer(api_key=KEY) as started:
        yield started
    started.assert_no_violations()


@pytest.fixture
def moving_server() -> Iterator[BatchServer]:
    """Jobs advance by themselves, a step every 50 ms."""
    with BatchServer(api_key=KEY, auto_tick=0.05) as started:
        yield started
    started.assert_no_violations()


@pytest.fixture
def cli(server: BatchServer) -> Cli:
    return Cli(server)


@pytest.fixture
def moving(moving_server: BatchServer) -> Cli:
    return Cli(moving_server)


@pytest.fixture
def start(
    server: BatchServer, spawn: Callable[..., subprocess.Popen[str]]
) -> Callable[..., subprocess.Popen[str]]:
    """`start(*args)` starts the installed script against `server`, as a script or CI would
    start it in the background (tests/conftest.py's spawn), its output on pipes."""
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the package with its cli extra (-e '.[cli]')")

    def start_script(*args: str) -> subprocess.Popen[str]:
        return spawn(
            [str(SCRIPT), *args],
            env=process_env(server),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    return start_script


def one_line_error(run: Run) -> str:
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("llama-cloud-batch: error: ") or "Error:" in lines[0]
    return lines[0]


def finished_job(server: BatchServer, **options: object) -> str:
    job_id = server.add_job(**options)  # type: ignore[arg-type]
    server.run_until_idle()
    return job_id


def ids(records: Sequence[dict[str, object]], key: str = "id") -> list[object]:
    return [record[key] for record in records]


@contextlib.contextmanager
def tick_on_each_poll(server: BatchServer, operation: str = "getBatchJobStatus") -> Iterator[None]:
    """Moves every job (and batch) one step after each status poll (`operation`), so each poll
    sees it move, whatever the machine's speed."""
    stop = threading.Event()

    def ticker() -> None:
        seen = 0
        while not stop.wait(0.01):
            polls = len(server.requests_for(operation))
            if polls > seen:
                seen = polls
                server.tick()

    thread = threading.Thread(target=ticker, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)
