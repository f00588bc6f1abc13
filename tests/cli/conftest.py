"""The installed `llama-cloud-batch` script, run as a subprocess against the local server."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
from llama_cloud_batch.testing import BatchServer

KEY = "sk-cli-test-8c1e59d2-do-not-print"
SCRIPT = Path(sys.executable).with_name("llama-cloud-batch")
RUN_TIMEOUT = 60


def cli_env(server: BatchServer, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("LLAMA_CLOUD_") and name not in {"COLUMNS", "LINES"}
    }
    env.update(
        {
            "LLAMA_CLOUD_API_KEY": KEY,
            "LLAMA_CLOUD_BASE_URL": server.url,
            "COLUMNS": "160",
            "NO_COLOR": "1",
        }
    )
    env.update(extra)
    return env


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


class Cli:
    """Runs the console script the package installs, as a user's shell would."""

    def __init__(self, server: BatchServer) -> None:
        self.server = server

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Run:
        completed = subprocess.run(
            [str(SCRIPT), *args],
            input=input,
            env=env or cli_env(self.server),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
        # Whatever happened, the key never reaches the output and no traceback does either.
        for stream in (completed.stdout, completed.stderr):
            assert KEY not in stream
            assert "Traceback" not in stream
        return Run(completed.returncode, completed.stdout, completed.stderr)

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen[str]:
        return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
            [str(SCRIPT), *args],
            env=cli_env(self.server),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            **kwargs,
        )


@pytest.fixture(scope="session", autouse=True)
def _installed() -> None:
    if not SCRIPT.exists():
        pytest.fail(f"{SCRIPT} is missing: install the package with its cli extra (-e '.[cli]')")


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
def tick_on_each_poll(server: BatchServer) -> Iterator[None]:
    """Moves every job one step after each status poll, so each poll sees the job move,
    whatever the machine's speed."""
    stop = threading.Event()

    def ticker() -> None:
        seen = 0
        while not stop.wait(0.01):
            polls = len(server.requests_for("getBatchJobStatus"))
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
