# Copied by generator/generate.py from overrides/llama_cloud_batch/cli/__init__.py. Edit it there.
"""The `llama-cloud-batch` command (also `python -m llama_cloud_batch`).

Needs the ``cli`` extra (``pip install 'llama-cloud-batch[cli]'``), which adds rich for tables
and progress; the standard library's argparse reads the command line. The library never
imports this package.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

_MISSING_EXTRA_STATUS = 2  # ExitCode.USAGE: the installation is the configuration at fault


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
    sys.exit(run(argv))
