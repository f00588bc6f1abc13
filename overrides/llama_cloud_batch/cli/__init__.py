"""The `llama-cloud-batch` command (also `python -m llama_cloud_batch`).

Needs the ``cli`` extra (``pip install 'llama-cloud-batch[cli]'``), which adds rich for tables
and progress; the standard library's argparse reads the command line. The library never
imports this package.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

__all__ = ["main"]

_MISSING_EXTRA_STATUS = 2  # ExitCode.USAGE: the installation is the configuration at fault
_INTERRUPTED_STATUS = 130  # ExitCode.INTERRUPTED


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: runs the command line and exits with its documented status."""
    try:
        from ._app import run
    except ImportError as missing:
        if (missing.name or "").split(".")[0] != "rich":
            raise
        print(
            "llama-cloud-batch: error: the command line needs the 'cli' extra: "
            "pip install 'llama-cloud-batch[cli]'",
            file=sys.stderr,
        )
        sys.exit(_MISSING_EXTRA_STATUS)
    status = run(argv)
    if status == _INTERRUPTED_STATUS:
        # Ctrl-C stops at once: fetches still waiting on the network in worker threads would
        # otherwise hold the exit (the interpreter joins them). Everything the command wrote is
        # whole by now (files are renamed into place), so only the streams need flushing.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
