"""Where a contender's time goes: cProfile over repeated runs against the benchmark server.

    python -m benchmarks.profile listing-sync        # our sync client, the realistic mix
    python -m benchmarks.profile listing-sync --shape omitted   # another data shape
    python -m benchmarks.profile listing-async --latency   # our async client, 20 ms per request
    python -m benchmarks.profile one-call --runs 200 --top 30

Prints the functions with the most cumulative and own time (cProfile's overhead inflates
call-heavy code; compare shares, not absolute figures with the benchmark's).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections.abc import Callable
from contextlib import ExitStack

from . import contenders as c
from .data import HEADLINE, SHAPES
from .processes import running_server

TARGETS = ("listing-sync", "listing-async", "listing-raw", "one-call")


def _contender(
    target: str,
    stack: ExitStack,
    loop: asyncio.AbstractEventLoop,
    base_url: str,
    limit: int,
    concurrency: int | None,
) -> Callable[[], object]:
    if target == "listing-sync":
        return c.ours_sync_listing(stack, base_url, limit)
    if target == "listing-async":
        return c.ours_async_listing(stack, loop, base_url, limit, concurrency)
    if target == "listing-raw":
        return c.raw_sync_listing(stack, base_url, limit)
    return c.ours_one_call(stack, base_url, limit)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--latency", action="store_true", help="use the 20 ms port")
    parser.add_argument("--page-concurrency", type=int, default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--shape", choices=SHAPES, default=HEADLINE, help="the data shape")
    args = parser.parse_args(argv)
    loop = asyncio.new_event_loop()
    with running_server(args.jobs, 20.0, [args.shape]) as server, ExitStack() as stack:
        base_url = server.url(args.shape, slow=args.latency)
        run = _contender(args.target, stack, loop, base_url, args.limit, args.page_concurrency)
        run()  # warm-up: imports, connection, the server's response cache
        started = time.perf_counter()
        for _ in range(args.runs):
            run()
        plain = (time.perf_counter() - started) / args.runs
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.runs):
            run()
        profiler.disable()
    loop.close()
    print(f"{args.target}: {plain * 1000:.1f} ms per run without the profiler")
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
