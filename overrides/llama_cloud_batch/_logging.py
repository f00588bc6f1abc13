"""The package's logger: requests at DEBUG, retries at INFO. LLAMA_CLOUD_LOG=debug|info turns it on.

Only method, path, status, timing and retry counts are logged: never headers or bodies, so the
API key cannot reach a log line.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("llama_cloud_batch")

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}


def configure_from_environment() -> None:
    """Sends the package's log to stderr at the level LLAMA_CLOUD_LOG names, once."""
    level = _LEVELS.get(os.environ.get("LLAMA_CLOUD_LOG", "").strip().lower())
    if level is None or any(getattr(h, "_llama_cloud", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s %(levelname)s] %(message)s"))
    handler._llama_cloud = True  # type: ignore[attr-defined]  # marks our own handler
    logger.addHandler(handler)
    logger.setLevel(level)
