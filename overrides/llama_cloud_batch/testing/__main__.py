"""``python -m llama_cloud_batch.testing``: the local batch API (v2 and beta) on 127.0.0.1."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from ._server import DEFAULT_API_KEY, BatchServer


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m llama_cloud_batch.testing",
        description="Serve a local, stateful LlamaCloud batch API on 127.0.0.1 until Ctrl-C.",
    )
    parser.add_argument("--port", type=int, default=8000, help="port (0 picks a free one)")
    parser.add_argument("--batches", type=int, default=10, help="sample batches to start with")
    parser.add_argument("--jobs", type=int, default=10, help="sample beta jobs to start with")
    parser.add_argument(
        "--fail-every",
        type=int,
        default=None,
        metavar="N",
        help="every Nth file of each job or batch created through the API fails (default: none)",
    )
    parser.add_argument(
        "--api-key",
        default=DEFAULT_API_KEY,
        help=f"the bearer key requests must carry (default: {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--auto-tick",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="move jobs one step every SECONDS of real time (0: never; default 1)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop by itself after SECONDS (default: run until Ctrl-C)",
    )
    args = parser.parse_args(argv)
    # Ctrl-C must stop it however it was started: a shell without job control (a script, CI)
    # starts a background command with SIGINT ignored, and a process keeps that through exec.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    if args.fail_every is not None and args.fail_every < 1:
        parser.error("--fail-every takes a number of at least 1")
    server = BatchServer(
        api_key=args.api_key,
        port=args.port,
        auto_tick=args.auto_tick or None,
        fail_every=args.fail_every,
    ).start()
    server.seed_batches(args.batches)
    server.seed(args.jobs)
    # The key is the caller's own; say where it came from, never echo it.
    # The first line's start is what scripts read the URL from: keep it.
    print(
        f"Local batch-processing API on {server.url} ({args.batches} sample batches, "
        f"{args.jobs} sample jobs)",
        flush=True,
    )
    print(f"  export LLAMA_CLOUD_BASE_URL={server.url}", flush=True)
    print("  export LLAMA_CLOUD_API_KEY=<the --api-key value>", flush=True)
    print("Ctrl-C stops it.", flush=True)
    try:
        server.serve_until_stopped(args.duration)
    except KeyboardInterrupt:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
