"""`python -m benchmarks`: runs every measurement against one server process and prints the table.

    python -m benchmarks --markdown docs/benchmarks.md --plot docs/benchmarks.png  # nox -s bench
    python -m benchmarks --quick --json out.json         # seconds; proves the harness works

Exits 1 when a contender did not see every job in server order (timings never fail it).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import time
from pathlib import Path

from . import sections
from .data import HEADLINE, SHAPES
from .processes import running_server
from .report import Results, render
from .sections import Row

# The full run: about ten minutes on two cores at load 4. The official SDK, there for scale, runs
# in one round out of official_every (it would otherwise take most of the time). listing_rounds
# is for the headline shape (with 41 its median moved by 0.01 between two runs at load 4),
# shape_rounds for each other shape. Streaming is measured in fresh processes, each 100,000-job
# walk under tracemalloc taking about a minute on a busy machine, hence its few rounds.
FULL = {
    "jobs": 10_000,
    "limit": 100,
    "latency_ms": 20.0,
    "import_rounds": 61,
    "call_rounds": 41,
    "calls_per_round": 100,
    "listing_rounds": 41,
    "shape_rounds": 25,
    "official_every": 3,
    "async_rounds": 31,
    "batches_rounds": 21,
    "slow_rounds": 5,
    "stream_small": 20_000,
    "stream_large": 100_000,
    "stream_rounds": 2,
    "burners": 1,
    "cli_items": 2000,
    "cli_rounds": 5,
    "generate_runs": 3,
}
# Small enough for the smoke test: several pages, every code path, no regeneration.
QUICK = {
    "jobs": 200,
    "limit": 20,
    "latency_ms": 5.0,
    "import_rounds": 2,
    "call_rounds": 2,
    "calls_per_round": 3,
    "listing_rounds": 2,
    "shape_rounds": 2,
    "official_every": 1,
    "async_rounds": 2,
    "batches_rounds": 2,
    "slow_rounds": 2,
    "stream_small": 100,
    "stream_large": 300,
    "stream_rounds": 1,
    "burners": 1,
    "cli_items": 40,
    "cli_rounds": 1,
    "generate_runs": 0,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the small settings (smoke test)")
    for name, value in FULL.items():
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, type=type(value), default=None, help=f"full run: {value}")
    parser.add_argument("--no-official", action="store_true", help="leave the official SDK out")
    parser.add_argument("--markdown", type=Path, help="write the table here too")
    parser.add_argument("--plot", type=Path, help="draw the figures here (needs matplotlib)")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument("--command", help="how this run was started, for the report")
    parser.add_argument(
        "--render",
        type=Path,
        help="measure nothing: write --markdown/--plot from the figures of an earlier --json",
    )
    return parser


def run(settings: dict[str, float | int], official: bool) -> Results:
    jobs, limit = int(settings["jobs"]), int(settings["limit"])
    every = int(settings["official_every"])
    # The 1-minute load average as each stage starts: how busy the machine was (the benchmark's
    # own processes included: the client, the server, and the burners while streaming); and
    # how long each stage took, to see where a run's minutes go.
    loads: dict[str, float] = {}
    starts: dict[str, float] = {}

    def stage(name: str) -> None:
        loads[name] = round(os.getloadavg()[0], 2)
        starts[name] = time.perf_counter()
        print(f"{name} ...", file=sys.stderr)

    stage("imports")
    imports, bytecode = sections.cold_imports(int(settings["import_rounds"]), official, every)
    with running_server(jobs, float(settings["latency_ms"])) as server:
        headline = server.url(HEADLINE)
        first_call_extra = sections.first_call_extra(headline)
        stage("one call")
        rounds, repeat = int(settings["call_rounds"]), int(settings["calls_per_round"])
        one_call = sections.one_call(headline, limit, rounds, repeat, official, every)
        stage("listing by shape")
        # The headline gets the most rounds: its verdict is the one that must not flip.
        by_shape = {
            shape: int(settings["listing_rounds" if shape == HEADLINE else "shape_rounds"])
            for shape in SHAPES
        }
        listing = sections.listing_by_shape(server, by_shape, jobs, limit, official, every)
        stage("async listing")
        rounds = int(settings["async_rounds"])
        async_listing = sections.async_listing(headline, jobs, limit, rounds, official, every)
        stage("v2 batch listing by shape")
        rounds = int(settings["batches_rounds"])
        batches = sections.batches_by_shape(server, SHAPES, jobs, limit, rounds, official, every)
        stage("listing with latency")
        slow_url = server.url(HEADLINE, slow=True)
        slow = sections.slow_listing(slow_url, jobs, limit, int(settings["slow_rounds"]))
        stage("kept memory")
        memory = sections.memory_per_job(headline, jobs, limit, official)
    burners = int(settings["burners"])
    stage(f"streaming memory, {burners} CPU burner(s) running")
    sizes = [int(settings["stream_small"]), int(settings["stream_large"])]
    streaming = sections.streaming_memory(sizes, limit, int(settings["stream_rounds"]), burners)
    stage("command-line download")
    cli = sections.cli_download(int(settings["cli_items"]), int(settings["cli_rounds"]))
    generate_runs = int(settings["generate_runs"])
    regenerate = []
    if generate_runs > 0:
        stage("regenerating")
        regenerate = sections.regenerate(generate_runs)
    figures: dict[str, object] = dict(settings)
    figures["import_bytecode_written"] = bytecode
    figures["first_call_extra_modules"] = ", ".join(first_call_extra) or "none"
    figures["load_1min_by_stage"] = loads
    ends = [*list(starts.values())[1:], time.perf_counter()]
    figures["seconds_by_stage"] = {
        name: round(end - start) for (name, start), end in zip(starts.items(), ends, strict=True)
    }
    return Results(
        figures,
        imports,
        one_call,
        listing,
        async_listing,
        batches,
        slow,
        memory,
        streaming,
        regenerate,
        cli,
    )


def _load(path: Path) -> Results:
    payload = json.loads(path.read_text(encoding="utf-8"))
    rows = {name: [Row(**row) for row in figures] for name, figures in payload["figures"].items()}
    return Results(payload["settings"], **rows)


def _write(results: Results, args: argparse.Namespace) -> None:
    markdown = render(results)
    print(markdown)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown, encoding="utf-8")
    if args.plot:
        from .plot import draw

        args.plot.parent.mkdir(parents=True, exist_ok=True)
        draw(results, args.plot)
    if args.json:
        figures = {
            name: [row.as_json() for row in rows] for name, rows in results.sections().items()
        }
        payload = {"settings": results.settings, "figures": figures}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.render:
        _write(_load(args.render), args)
        return 0
    settings: dict[str, float | int] = dict(QUICK if args.quick else FULL)
    for name in FULL:
        given = getattr(args, name)
        if given is not None:
            settings[name] = given
    official = sections.has_official_sdk() and not args.no_official
    if not official:
        print("the official SDK (llama-cloud) is left out of this run", file=sys.stderr)
    command = args.command or shlex.join(["python", "-m", "benchmarks", *(argv or sys.argv[1:])])
    started = time.perf_counter()
    load_at_start = os.getloadavg()[0]
    results = run(settings, official)
    results.settings["load_1min_at_start"] = round(load_at_start, 2)
    results.settings["official_sdk"] = official
    results.settings["run_time_s"] = round(time.perf_counter() - started, 1)
    results.settings["load_average_at_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    results.settings["finished"] = datetime.datetime.now(datetime.UTC).strftime(
        "%Y-%m-%d %H:%M UTC"
    )
    results.settings["command"] = command
    _write(results, args)
    if not results.every_contender_correct():
        print("a contender did not see every job in server order: see the table", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
