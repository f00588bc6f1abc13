# Copied by generator/generate.py from overrides/llama_cloud_batch/cli/__init__.py. Edit it there.
"""The `llama-cloud-batch` command (also `python -m llama_cloud_batch`).

Needs the ``cli`` extra (``pip install 'llama-cloud-batch[cli]'``), which adds rich for tables
and progress; the standard library's argparse reads the command line. The library never
imports this package.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

try:
    import rich as _rich  # noqa: F401 -- fail here, with the fix, not deep inside
except ImportError as missing:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the llama-cloud-batch command needs the 'cli' extra: pip install 'llama-cloud-batch[cli]'"
    ) from missing

from ._app import run
from ._errors import ExitCode

__all__ = ["ExitCode", "main", "run"]


def main(argv: Sequence[str] | None = None) -> None:
    """The console script: runs the command line and exits with its documented status."""
    sys.exit(run(argv))
