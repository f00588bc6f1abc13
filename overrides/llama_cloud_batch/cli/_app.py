"""The command line (argparse) and the one place a failure becomes an exit status and a line.

argparse rather than click or typer: httpx imports its own command line (click, rich, pygments)
whenever click is installed, so an extra that brought click would make `import httpx`, and so
`import llama_cloud_batch`, load all three for every user of the extra.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from .._version import __version__
from . import _commands, _render
from ._commands import State
from ._errors import EXIT_CODES_HELP, PROG, CommandError, ExitCode, describe, exit_code_of

Handler = Callable[[State, argparse.Namespace], int]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as every other failure, instead of argparse's usage block.
        raise CommandError(f"{message} (see {self.prog} --help)", ExitCode.USAGE)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _seconds(text: str) -> float:
    """A finite number of seconds, 0 or more (--timeout 0: look at each job once)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a finite number 0 or more, got {text}")
    return value


def _positive_seconds(text: str) -> float:
    """A finite number of seconds above 0 (a pause of 0 would poll flat out)."""
    value = _seconds(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """--api-key, --api-key-file, --base-url, --verbose: before the command or after it."""
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        default=default,
        help="the API key (default: $LLAMA_CLOUD_API_KEY); never printed, but other users of "
        "this machine can see it in the process list: prefer the variable or --api-key-file",
    )
    parser.add_argument(
        "--api-key-file",
        metavar="FILE",
        default=default,
        help="read the API key from this file (- for stdin), out of the process list",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        default=default,
        help="the API's address (default: $LLAMA_CLOUD_BASE_URL, else the LlamaCloud API)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log retries to stderr (-vv: every request; never a header or a body)",
    )


def _command(
    group: argparse._SubParsersAction[_Parser],
    name: str,
    handler: Handler,
    summary: str,
    common: _Parser,
) -> _Parser:
    parser = group.add_parser(
        name, help=summary, description=summary, epilog=EXIT_CODES_HELP, parents=[common]
    )
    parser.set_defaults(handler=handler)
    return parser


def _wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help="give up after this long, with exit status 5 (default: wait until done)",
    )
    parser.add_argument(
        "--poll-interval",
        type=_positive_seconds,
        default=2.0,
        metavar="SECONDS",
        help="pause between the first polls; it grows to 10 s (default: 2)",
    )


def build_parser() -> _Parser:
    common = _Parser(add_help=False)
    # In a command's own options, a global option left out must not hide one given before it.
    _global_options(common, argparse.SUPPRESS)
    parser = _Parser(
        prog=PROG,
        description="LlamaCloud batch jobs from the terminal: start, follow, list, fetch results.",
        epilog=EXIT_CODES_HELP,
    )
    _global_options(parser, None)
    parser.set_defaults(verbose=0)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    groups = parser.add_subparsers(metavar="COMMAND", required=True)

    jobs = groups.add_parser("jobs", help="list, inspect, start, cancel and wait for batch jobs")
    job_commands = jobs.add_subparsers(metavar="COMMAND", required=True)
    listing = _command(job_commands, "list", _commands.jobs_list, "every job, newest first", common)
    listing.add_argument("--status", help="only jobs in this status (running, completed, ...)")
    listing.add_argument("--job-type", help="only jobs of this type (parse, extract, classify)")
    listing.add_argument("--directory-id", help="only jobs over this directory")
    listing.add_argument("--limit", type=_count, help="at most this many jobs (default: all)")
    _render.add_output_options(listing)

    get = _command(job_commands, "get", _commands.jobs_get, "one job and its progress", common)
    get.add_argument("job", metavar="JOB")
    _render.add_output_options(get)

    cancel = _command(
        job_commands, "cancel", _commands.jobs_cancel, "stop a pending or running job", common
    )
    cancel.add_argument("job", metavar="JOB")
    cancel.add_argument("--reason", help="why, recorded with the job")
    _render.add_output_options(cancel)

    create = _command(
        job_commands, "create", _commands.jobs_create, "start a job over files", common
    )
    create.add_argument(
        "--config", required=True, metavar="FILE", help="the job config as JSON (- for stdin)"
    )
    create.add_argument("--directory-id", help="process every file of this directory")
    create.add_argument(
        "--item", action="append", metavar="ITEM_ID", help="a file to process (repeat it)"
    )
    create.add_argument(
        "--items-file", metavar="FILE", help="files to process, one item ID a line (- for stdin)"
    )
    create.add_argument("--wait", action="store_true", help="then follow it as `jobs wait` does")
    _wait_options(create)
    _render.add_output_options(create)

    wait = _command(
        job_commands,
        "wait",
        _commands.jobs_wait,
        "follow jobs until each is final (live bars on a terminal, plain lines elsewhere)",
        common,
    )
    wait.add_argument("jobs", metavar="JOB", nargs="+")
    _wait_options(wait)
    _render.add_output_options(wait)

    items = groups.add_parser("items", help="the files of a batch job")
    item_commands = items.add_subparsers(metavar="COMMAND", required=True)
    item_list = _command(item_commands, "list", _commands.items_list, "every item of a job", common)
    item_list.add_argument("job", metavar="JOB")
    item_list.add_argument("--status", help="only items in this status (failed, completed, ...)")
    _render.add_output_options(item_list)

    results = groups.add_parser("results", help="processing results of a job's items")
    result_commands = results.add_subparsers(metavar="COMMAND", required=True)
    download = _command(
        result_commands,
        "download",
        _commands.results_download,
        "save each item's results to DIR/ITEM_ID.json; run again to resume",
        common,
    )
    download.add_argument("job", metavar="JOB")
    download.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="where the files go (made if missing)",
    )
    download.add_argument(
        "--status",
        help="fetch the items in this status (default: the completed ones; others have none)",
    )
    download.add_argument(
        "--concurrency", type=_count, default=8, help="results fetched at once (default: 8)"
    )
    _render.add_output_options(download)
    return parser


def run(argv: Sequence[str] | None = None, state: State | None = None) -> int:
    """Runs the command line; returns the exit status. Never lets a traceback out."""
    state = state or State()
    try:
        args = build_parser().parse_args(argv)
        state.api_key, state.base_url = _commands.api_key(args), args.base_url
        if args.verbose:
            state.verbose_logging(args.verbose)
        handler: Handler = args.handler
        return handler(state, args)
    except SystemExit as done:  # --help and --version
        return done.code if isinstance(done.code, int) else ExitCode.OK
    except KeyboardInterrupt:
        state.note(f"{PROG}: interrupted")
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`): nothing more can be said on stdout, so nothing is,
        # not even when the interpreter flushes it on the way out.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return ExitCode.ERROR
    except Exception as error:
        state.note(f"{PROG}: error: {state.redact(describe(error))}")
        return exit_code_of(error)
    finally:
        state.close()
