"""The `llama-cloud-batch` command (also `python -m llama_cloud_batch`).

Needs the ``cli`` extra (``pip install 'llama-cloud-batch[cli]'``), which adds rich for tables
and progress; the standard library's argparse reads the command line. The library never
imports this package.

`main` is the console script (it exits the process); `run` is the same command line inside the
calling process, printing to whatever `sys.stdout` and `sys.stderr` are when it is called and
returning the exit status (tests, and programs that embed the command).
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

__all__ = ["main", "run"]

_INTERRUPTED_STATUS = 130  # ExitCode.INTERRUPTED


def run(argv: Sequence[str] | None = None) -> int:
    """Runs the command line in this process and returns its exit status; never exits, and
    never lets a traceback out. `argv` is the arguments after the program name (default:
    sys.argv[1:]); the environment and sys.stdin are read as the console script reads them."""
    # Loads neither httpx nor rich: --help answers without them (each command loads its own).
    from ._app import run as run_command

    return run_command(argv)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """The console script: runs the command line and exits with its documented status."""
    # Ctrl-C must reach the command however it was started: a shell without job control (a
    # script, cron, CI) starts a background command with SIGINT ignored, and a process keeps
    # that through exec, so without this it could not be interrupted at all.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    status = run(argv)
    if status == _INTERRUPTED_STATUS:
        # Ctrl-C stops at once: fetches still waiting on the network in worker threads would
        # otherwise hold the exit (the interpreter joins them). Everything the command wrote is
        # whole by now (files are renamed into place), so only the streams need flushing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
