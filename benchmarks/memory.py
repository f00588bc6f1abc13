"""Memory, measured in a fresh process per contender and method.

    python -m benchmarks.memory --contender ours|official|raw \
        --method traced|rss|stream|stream-rss --base-url URL --limit 100 --jobs 10000

prints one JSON object. The contender fetches one page first (so lazy imports, the connection
and first-call caches exist before the baseline), then walks the whole listing.

Keeping (traced, rss): every job is kept in a list. "traced" is the growth of tracemalloc's
current total (Python allocations only, exact, the figure the target uses); "rss" is the growth
of VmRSS, run without tracemalloc (whose own bookkeeping would inflate it): what the process
really took from the OS, allocator slack and fragmentation included.

Streaming (stream, stream-rss): each job's id is read and checked against the expected one, and
the job is dropped. "stream" is tracemalloc's peak during the walk over its total before it:
what a walk holds at its worst (pages in flight, de-duplication state), which a client that
streams keeps flat however long the listing. "stream-rss", run without tracemalloc, is the peak
RSS (VmHWM, reset just before the walk through /proc/self/clear_refs) over VmRSS before it.
Both also say how many threads were fetching pages ahead at most (sampled every 1,000 jobs):
0 while the walk stayed sequential.
"""

from __future__ import annotations

import argparse
import gc
import json
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

from .contenders import API_KEY, official_sdk, raw_pages
from .data import LIST_PATH, expected_ids, job_id

Walk = Callable[[], Iterator[Any]]


def proc_status_kb(field: str) -> int:
    """A kB figure of /proc/self/status (VmRSS, VmHWM, ...)."""
    with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123 - procfs, no Path needed
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise LookupError(f"{field} is not in /proc/self/status")


def _ours(stack: ExitStack, base_url: str, limit: int) -> tuple[Walk, Callable[[Any], str]]:
    from llama_cloud_batch import LlamaCloud

    client = stack.enter_context(LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0))
    client.beta.batch.list(limit=limit)
    return lambda: iter(client.beta.batch.list(limit=limit)), lambda job: str(job.id)


def _official(stack: ExitStack, base_url: str, limit: int) -> tuple[Walk, Callable[[Any], str]]:
    sdk = official_sdk()
    if sdk is None:
        raise SystemExit("the official SDK (llama-cloud) is not installed")
    client = sdk.LlamaCloud(api_key=API_KEY, base_url=base_url, max_retries=0)
    stack.callback(client.close)
    client.beta.batch.list(limit=limit)
    return lambda: iter(client.beta.batch.list(limit=limit)), lambda job: str(job.id)


def _raw(stack: ExitStack, base_url: str, limit: int) -> tuple[Walk, Callable[[Any], str]]:
    import httpx

    http = stack.enter_context(
        httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {API_KEY}"})
    )
    http.get(LIST_PATH, params={"limit": limit}).json()
    return (
        lambda: (job for items in raw_pages(http, limit) for job in items),
        lambda job: str(job["id"]),
    )


_CONTENDERS = {"ours": _ours, "official": _official, "raw": _raw}


def _reset_peak_rss() -> None:
    # Linux: "5" resets VmHWM to the current RSS.
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:  # noqa: PTH123 - procfs
        clear_refs.write("5")


# The name of the threads a sync walk fetches pages ahead on (_pagination._SyncFetcher).
_PREFETCH_THREAD = "llama-cloud-batch-page"


def _prefetch_threads() -> int:
    """How many threads are fetching pages ahead: 0 while the walk is sequential."""
    return sum(thread.name.startswith(_PREFETCH_THREAD) for thread in threading.enumerate())


def _stream(walk: Walk, id_of: Callable[[Any], str], jobs: int, traced: bool) -> dict[str, Any]:
    gc.collect()
    if traced:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
    else:
        before = proc_status_kb("VmRSS") * 1024
        _reset_peak_rss()
    count, in_order, threads = 0, True, 0
    for job in walk():
        # The expected id is made on the fly: a list of 100,000 ids would be in the figure.
        in_order = in_order and id_of(job) == job_id(count)
        count += 1
        if count % 1000 == 0:
            threads = max(threads, _prefetch_threads())
    if traced:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        peak = proc_status_kb("VmHWM") * 1024
    return {
        "jobs": count,
        "all_jobs_seen": in_order and count == jobs,
        "peak_growth": peak - before,
        "prefetch_threads": threads,
    }


def measure(contender: str, method: str, base_url: str, limit: int, jobs: int) -> dict[str, Any]:
    """Bytes held per job by `contender`'s objects for a whole listing, by `method`; for
    "stream", the peak growth of a walk that keeps nothing."""
    with ExitStack() as stack:
        walk, id_of = _CONTENDERS[contender](stack, base_url, limit)
        if method in ("stream", "stream-rss"):
            figures = _stream(walk, id_of, jobs, traced=method == "stream")
            return {"contender": contender, "method": method, **figures}
        gc.collect()
        if method == "traced":
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
        else:
            before = proc_status_kb("VmRSS") * 1024
        kept = list(walk())
        gc.collect()
        if method == "traced":
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
        else:
            after = proc_status_kb("VmRSS") * 1024
        seen = [id_of(job) for job in kept]
    return {
        "contender": contender,
        "method": method,
        "jobs": len(kept),
        "all_jobs_seen": seen == expected_ids(jobs),
        "bytes_per_job": (after - before) / max(len(kept), 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contender", choices=sorted(_CONTENDERS), required=True)
    parser.add_argument(
        "--method", choices=("traced", "rss", "stream", "stream-rss"), required=True
    )
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--jobs", type=int, required=True)
    args = parser.parse_args(argv)
    result = measure(args.contender, args.method, args.base_url, args.limit, args.jobs)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
