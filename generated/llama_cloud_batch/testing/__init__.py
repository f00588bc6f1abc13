# Copied by generator/generate.py from overrides/llama_cloud_batch/testing/__init__.py. Edit it there.
"""A local, stateful batch-processing API for testing code that uses llama_cloud_batch.

Needs the ``testing`` extra (``pip install 'llama-cloud-batch[testing]'``); the client never
imports this package.

    from llama_cloud_batch import LlamaCloud
    from llama_cloud_batch.testing import BatchServer, Fault

    with BatchServer(api_key="test-key") as server:
        job_id = server.add_job(job_type="parse", items=4)
        client = LlamaCloud(api_key="test-key", base_url=server.url)
        server.tick(3)                                  # pending -> running -> items processed
        client.beta.batch.get_status(job_id)
        server.inject(Fault.rate_limit("1"), times=2)   # the next two requests answer 429
        assert len(server.requests_for("getBatchJobStatus")) == 1

Every request and answer is checked against the spec the client was generated from: a bad
request gets the API's 422, and an answer that would break the spec is refused (sent as 500
and listed in ``server.violations``). ``python -m llama_cloud_batch.testing --port 8000``
serves it from the command line.
"""

from __future__ import annotations

try:
    import jsonschema as _jsonschema  # noqa: F401 -- fail here, with the fix, not deep inside
except ImportError as missing:  # pragma: no cover - depends on the installation
    raise ImportError(
        "llama_cloud_batch.testing needs the 'testing' extra: "
        "pip install 'llama-cloud-batch[testing]'"
    ) from missing

from ._app import RecordedRequest, SpecViolation
from ._faults import Fault, ScheduledFault
from ._server import DEFAULT_API_KEY, BatchServer

__all__ = [
    "DEFAULT_API_KEY",
    "BatchServer",
    "Fault",
    "RecordedRequest",
    "ScheduledFault",
    "SpecViolation",
]
