"""Child processes of the benchmark: the server, fresh interpreters for cold measurements, and
CPU burners that keep the machine busy while a measurement runs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .data import SHAPES

REPO_ROOT = Path(__file__).resolve().parent.parent
# Long enough for a full run, short enough that a server orphaned by a crash goes away soon.
SERVER_LIFETIME_S = 1800.0


@dataclass(frozen=True)
class Server:
    """Where the benchmark server listens: `fast` answers at once, `slow` after the latency."""

    fast: str
    slow: str
    jobs: int
    pid: int

    def url(self, shape: str, slow: bool = False) -> str:
        """The base URL of the server of one data shape (see benchmarks.server)."""
        return f"{self.slow if slow else self.fast}/{shape}"


@contextmanager
def running_server(
    jobs: int, latency_ms: float, shapes: Sequence[str] = SHAPES
) -> Iterator[Server]:
    """Starts `python -m benchmarks.server` and stops it on exit (by closing its stdin)."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.server",
        f"--jobs={jobs}",
        f"--latency-ms={latency_ms}",
        f"--lifetime={SERVER_LIFETIME_S}",
        f"--shapes={','.join(shapes)}",
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
            fast=f"http://127.0.0.1:{ports['fast']}",
            slow=f"http://127.0.0.1:{ports['slow']}",
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


# A pure-Python busy loop: one core's worth of CPU demand, with no I/O and no memory to speak of.
_BURN = "while True: pass"


@contextmanager
def cpu_burners(count: int) -> Iterator[list[int]]:
    """`count` processes that each keep a CPU busy until exit: the machine other work shares.

    Yields their pids; each is killed and reaped on exit, whatever happened inside."""
    burners = [
        subprocess.Popen([sys.executable, "-c", _BURN], stdin=subprocess.DEVNULL)
        for _ in range(count)
    ]
    try:
        yield [burner.pid for burner in burners]
    finally:
        for burner in burners:
            burner.kill()
        for burner in burners:
            burner.wait()
