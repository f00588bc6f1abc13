"""Child processes of the benchmark: the server, and fresh interpreters for cold measurements."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Long enough for a full run, short enough that a server orphaned by a crash goes away soon.
SERVER_LIFETIME_S = 900.0


@dataclass(frozen=True)
class Server:
    """Where the benchmark server listens: `fast` answers at once, `slow` after the latency."""

    fast_url: str
    slow_url: str
    jobs: int
    pid: int


@contextmanager
def running_server(jobs: int, latency_ms: float) -> Iterator[Server]:
    """Starts `python -m benchmarks.server` and stops it on exit (by closing its stdin)."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.server",
        f"--jobs={jobs}",
        f"--latency-ms={latency_ms}",
        f"--lifetime={SERVER_LIFETIME_S}",
    ]
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"the benchmark server exited early with {process.wait()}")
        ports = json.loads(line)
        yield Server(
            fast_url=f"http://127.0.0.1:{ports['fast']}",
            slow_url=f"http://127.0.0.1:{ports['slow']}",
            jobs=int(ports["jobs"]),
            pid=process.pid,
        )
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()


def run_python(args: list[str], timeout: float = 300.0, env: dict[str, str] | None = None) -> str:
    """Runs a fresh interpreter (this one; this environment unless `env`) in the repo root;
    its stdout."""
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"python {' '.join(args)[:200]} failed with {completed.returncode}:\n"
            f"{completed.stderr[-2000:]}"
        )
    return completed.stdout
