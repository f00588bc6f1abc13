"""A local, stateful LlamaCloud batch API for testing code that uses llama_cloud_batch.

Needs the ``testing`` extra (``pip install 'llama-cloud-batch[testing]'``); the client never
imports this package.

    from llama_cloud_batch import LlamaCloud
    from llama_cloud_batch.testing import BatchServer, Fault

    with BatchServer(api_key="test-key") as server:
        batch_id = server.add_batch(files=4)           # v2: a batch over a directory of 4 files
        client = LlamaCloud(api_key="test-key", base_url=server.url)
        server.tick(4)                                  # THROTTLED, RUNNING, 2 files, COMPLETED
        client.batches.get(batch_id, expand=["results"])   # a job for each file
        server.inject(Fault.rate_limit("1"), times=2)   # the next two requests answer 429
        assert len(server.requests_for("get_batch")) == 1

What it serves: every operation of the spec the client was generated from. Batches (v2) run
``PENDING -> THROTTLED -> RUNNING -> COMPLETED`` one step per tick (``server.tick()``, or
``auto_tick`` seconds of real time), giving ``items_per_tick`` files a job per tick; their
per-file results show with ``expand=results`` once the batch has ended (null before); cancel
answers at once and the batch is ``CANCELLED`` at the next tick; the listing pages by cursor
(opaque tokens, ``page_size`` up to 1000, null token on the last page). Beta jobs run
``pending -> running -> completed`` the same way and page by ``limit`` and ``offset``. Helpers
set up state: ``add_batch``, ``seed_batches``, ``add_job``, ``seed``, ``add_directory``.

Every request and answer is checked against that spec: a bad request gets the API's 422, and an
answer that would break the spec is refused (sent as 500 and listed in ``server.violations``).
Routes, the key, validation, faults and the request record come from the spec alone, so an
operation added to the spec later gets them with no server code; its answer needs a handler in
``_app.py``, and until it has one the server answers 501 with a ``detail`` naming the
operation (so does a request sending a parameter or body property the handler does not honour),
never a made-up answer.

Failing files, for walkthroughs: ``BatchServer(fail_every=N)`` (``--fail-every N`` on the
command line) makes every Nth file of each job or batch created through the API fail: a beta
item ends ``failed`` with an ``error_message``, a batch's file gets ``error_message`` and no
``job_reference``. ``add_job(failed_items=...)`` and ``add_batch(failed_files=...)`` do the same
for one job or batch.

Naming operations: ``server.inject(..., operation=...)`` and ``server.requests_for(...)`` take
an operation's operationId as the spec spells it (``getItemProcessingResults``) or as the
client's errors and logs print it (``get_item_processing_results``); case and underscores do
not count. The client's attribute paths (``batches.get``) are not names the server knows: the
server reads the spec, not the client. A name that is neither raises ValueError listing every
valid one.

Faults (``Fault.error``, ``rate_limit``, ``hang``, ``drop``, ``not_json``, ``unknown_enum``,
``extra_properties``) apply to any operation, v2 and beta alike; ``Fault.repeat_page_token()``
and ``Fault.ignore_page_token()`` make a cursor listing loop or stall, for requests carrying a
page token. ``python -m llama_cloud_batch.testing --port 8000`` serves it from the command
line.
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
