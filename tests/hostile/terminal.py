"""Running the command line as a user does, on a pipe or under a pseudo-terminal, and checking
that what it printed holds no control character a server could have slipped in.

Every run is bounded (RUN_TIMEOUT) and its process killed if it outlives that.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import pty
import re
import resource
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from llama_cloud_batch.cli import run
from servers import KEY

RUN_TIMEOUT = 60
COMMAND = [sys.executable, "-m", "llama_cloud_batch"]

# Every control character: C0 (line feed and tab included), DEL, C1 (U+009B is an 8-bit CSI).
CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0)]

# What rich itself writes on a terminal: colours and styles (SGR), and for a live display the
# cursor hidden and shown, lines erased and the cursor moved up. Nothing else is expected.
_RICH_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m|\x1b\[\?25[lh]|\x1b\[[0-9]*[AK]|\r")


@dataclass
class Run:
    code: int
    output: str  # stdout and stderr as one text (a terminal mixes them anyway)
    elapsed: float
    cpu: float  # the process's user and system CPU seconds


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cli_env(base_url: str, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("LLAMA_CLOUD_", "LLAMA_PARSE_")) and name not in {"NO_COLOR"}
    }
    env.update(
        {
            "LLAMA_CLOUD_API_KEY": KEY,
            "LLAMA_CLOUD_BASE_URL": base_url,
            "COLUMNS": "200",
            "LINES": "40",
            "TERM": "xterm-256color",
        }
    )
    env.update(extra)
    return env


def run_cli(
    args: Sequence[str],
    env: dict[str, str],
    *,
    terminal: bool,
    stdin: str | None = None,
    timeout: float = RUN_TIMEOUT,
) -> Run:
    """Runs `llama-cloud-batch ARGS`; output from a pipe, or from a pseudo-terminal when
    `terminal` (stdout and stderr both on it, so rich draws as for a person)."""
    started, cpu_before = time.monotonic(), _children_cpu()
    if not terminal:
        done = subprocess.run(
            [*COMMAND, *args],
            env=env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(
            done.returncode,
            done.stdout + done.stderr,
            time.monotonic() - started,
            _children_cpu() - cpu_before,
        )
    primary, secondary = pty.openpty()
    rows, columns = int(env.get("LINES", "40")), int(env.get("COLUMNS", "200"))
    fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    process = subprocess.Popen(
        [*COMMAND, *args], stdin=secondary, stdout=secondary, stderr=secondary, env=env
    )
    os.close(secondary)
    try:
        raw = _read_until_exit(primary, process)
        code = process.wait(timeout=RUN_TIMEOUT)
    finally:
        os.close(primary)
        if process.poll() is None:
            process.kill()
            process.wait()
    return Run(
        code,
        raw.decode("utf-8", errors="replace"),
        time.monotonic() - started,
        _children_cpu() - cpu_before,
    )


def run_here(args: Sequence[str], env: dict[str, str]) -> Run:
    """Runs the command line in this process, with `env` as its whole environment and its
    output captured as run_cli's pipe would: for what needs no process of its own (starting one
    costs more CPU than most commands). `cpu` is this process's, the server's threads included."""
    output = io.StringIO()
    started, cpu_before = time.monotonic(), time.process_time()
    with pytest.MonkeyPatch.context() as patch:
        for name in set(os.environ) - set(env):
            patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            code = run(list(args))
    return Run(
        code, output.getvalue(), time.monotonic() - started, time.process_time() - cpu_before
    )


def _read_until_exit(fd: int, process: subprocess.Popen[bytes]) -> bytes:
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


def stray_controls(output: str) -> list[str]:
    """The control characters in `output` other than line feed, tab and what rich writes."""
    text = _RICH_SEQUENCE.sub("", output)
    return sorted(
        {f"U+{ord(c):04X}" for c in text if ord(c) in CONTROLS and c not in "\n\t"},
    )


def assert_shown_as_text(run: Run) -> None:
    assert KEY not in run.output
    assert "Traceback" not in run.output, run.output[-3000:]
    assert stray_controls(run.output) == [], run.output[-3000:]
