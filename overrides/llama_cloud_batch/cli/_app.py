"""The command line (argparse) and the one place a failure becomes an exit status and a line.

argparse rather than click or typer: httpx imports its own command line (click, rich, pygments)
whenever click is installed, so an extra that brought click would make `import httpx`, and so
`import llama_cloud_batch`, load all three for every user of the extra.

This module imports neither httpx nor rich: `--help`, `--version`, a usage error and
`completion` answer without them. Each command's code (`_commands`, which loads rich and the
client) is imported once the arguments are read, by the name the parser recorded.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .._version import __version__
from ._errors import EXIT_CODES_HELP, PROG, CommandError, ExitCode

if TYPE_CHECKING:
    from ._commands import State

Handler = Callable[["State", argparse.Namespace], int]

# An example for `jobs create --config` (shown in its --help and in docs/guide/cli.md; a test
# checks that the client's request check accepts it).
JOB_CONFIG_EXAMPLE = """\
{
  "job_name": "parse_raw_file_job",
  "parameters": {"type": "parse", "lang": "en"}
}"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as every other failure, instead of argparse's usage block; it names the
        # help of the command that was being read (`jobs list --help`, not the top level's).
        raise CommandError(f"{message} (see {self.prog} --help)", ExitCode.USAGE)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: None = None
    ) -> argparse.Namespace:
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            # argparse reports a flag no command knows from the top level; the help that lists
            # the flags is the command's own.
            prog = getattr(parsed, "prog", self.prog)
            raise CommandError(
                f"unrecognized arguments: {' '.join(extras)} (see {prog} --help)", ExitCode.USAGE
            )
        return parsed


# ----- option values ------------------------------------------------------------------------


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


class EnumChoice:
    """An option whose values are one of the spec's enums, read from the generated enum (so a
    value the spec gains is accepted by regeneration): checked here, before any request, with a
    "did you mean" for a near miss; case is forgiven, and the spec's spelling is sent."""

    def __init__(self, enum_name: str) -> None:
        self.enum_name = enum_name
        self.__name__ = enum_name  # argparse names the type in some messages

    def enum(self) -> type[Enum]:
        # The generated enums import no httpx and no rich; they load when the parser is built.
        from .. import types

        found: type[Enum] = getattr(types, self.enum_name)
        return found

    def values(self) -> list[str]:
        return [str(member.value) for member in self.enum()]

    def __call__(self, text: str) -> str:
        values = self.values()
        if text in values:
            return text
        folded = {value.casefold(): value for value in values}
        if text.casefold() in folded:
            return folded[text.casefold()]
        close = difflib.get_close_matches(text.casefold(), list(folded), n=1, cutoff=0.6)
        hint = f" (did you mean {folded[close[0]]!r}?)" if close else ""
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}{hint}; valid values: {', '.join(values)}"
        )


def _enum_option(
    parser: argparse.ArgumentParser, flag: str, enum_name: str, what: str, **options: Any
) -> None:
    choice = EnumChoice(enum_name)
    values = choice.values()
    parser.add_argument(
        flag,
        type=choice,
        metavar=flag.lstrip("-").upper().replace("-", "_"),
        help=f"{what}: {', '.join(values)}",
        # For shell completion; every value the type lets through is one of them.
        choices=values,
        **options,
    )


# ----- the parser ---------------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """--api-key, --api-key-file, --base-url, --allow-insecure-http, --verbose: before the
    command or after it."""
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
        "--allow-insecure-http",
        action="store_true",
        default=default,
        help="send the key over plain http:// to a host other than this machine (a test server "
        "on another machine; never the real API)",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="log retries to stderr (-vv: every request; never a header or a body)",
    )


class Commands:
    """Adds the commands of one group (`jobs`, `batches`, ...) to the parser."""

    def __init__(
        self, groups: argparse._SubParsersAction[_Parser], name: str, summary: str, common: _Parser
    ) -> None:
        group = groups.add_parser(name, help=summary, description=summary)
        self.name = name
        self.commands = group.add_subparsers(metavar="COMMAND", required=True)
        self.common = common

    def add(self, name: str, handler: str, summary: str, epilog: str = "") -> _Parser:
        """A command run by `_commands.<handler>`."""
        layout: dict[str, Any] = {"epilog": EXIT_CODES_HELP}
        if epilog:
            # An example's lines as written (the exit statuses are wrapped by hand for it).
            layout = {
                "epilog": f"{epilog}\n\n{textwrap.fill(EXIT_CODES_HELP, 80)}",
                "formatter_class": argparse.RawDescriptionHelpFormatter,
            }
        parser = self.commands.add_parser(
            name, help=summary, description=summary, parents=[self.common], **layout
        )
        parser.set_defaults(handler=handler, prog=parser.prog)
        return parser


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--json / --jsonl (a table, or tab-separated lines off a terminal, otherwise), stored
    together as `output`."""
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument(
        "--json",
        dest="output",
        action="store_const",
        const="json",
        help="print one JSON document, for scripts",
    )
    choice.add_argument(
        "--jsonl",
        dest="output",
        action="store_const",
        const="jsonl",
        help="print one JSON object per line, for scripts",
    )
    parser.set_defaults(output="table")


def _wait_options(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        metavar="SECONDS",
        help=f"give up after this long, with exit status 5 (default: wait until {what} done)",
    )
    parser.add_argument(
        "--poll-interval",
        type=_positive_seconds,
        default=2.0,
        metavar="SECONDS",
        help="pause between the first polls; it grows to 10 s (default: 2)",
    )
    parser.add_argument(
        "--give-up-after",
        type=_seconds,
        default=300.0,
        metavar="SECONDS",
        help="when the API cannot be reached (or answers only with errors worth retrying) for "
        "this long, stop with exit status 6 (default: 300)",
    )


def _timestamp(text: str) -> str:
    """An ISO 8601 date and time (2025-01-31T12:00:00Z), or a date (its midnight, UTC)."""
    import datetime

    try:
        value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an ISO 8601 date or time: {text!r} (e.g. 2025-01-31 or 2025-01-31T12:00:00Z)"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.isoformat()


def _batches(groups: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    batches = Commands(
        groups,
        "batches",
        "batches (the v2 API): list, inspect, start, cancel, wait, per-file results",
        common,
    )
    listing = batches.add("list", "batches_list", "every batch, newest first")
    _enum_option(listing, "--status", "BatchStatus", "only batches in this status")
    listing.add_argument("--source-directory-id", help="only batches over this directory")
    listing.add_argument(
        "--created-after",
        type=_timestamp,
        metavar="TIME",
        help="only batches created at this time or later (ISO 8601; a date is its midnight UTC)",
    )
    listing.add_argument(
        "--created-before",
        type=_timestamp,
        metavar="TIME",
        help="only batches created at this time or earlier",
    )
    listing.add_argument("--limit", type=_count, help="at most this many batches (default: all)")
    add_output_options(listing)

    get = batches.add("get", "batches_get", "one batch")
    get.add_argument("batch", metavar="BATCH")
    get.add_argument(
        "--expand",
        action="append",
        choices=["results"],
        help="results: with each file's result (its job, or why it has none)",
    )
    add_output_options(get)

    create = batches.add(
        "create",
        "batches_create",
        "start a batch: one job per file of a directory, all with one saved configuration",
    )
    create.add_argument(
        "--source-directory-id", required=True, help="process every file of this directory"
    )
    _enum_option(
        create, "--job-type", "ProductJobType", "the kind of job run on each file", required=True
    )
    create.add_argument(
        "--configuration-id", required=True, help="the saved configuration the jobs run with"
    )
    create.add_argument(
        "--webhook-configuration-id",
        action="append",
        metavar="ID",
        help="a saved webhook configuration to notify (repeat it)",
    )
    create.add_argument("--wait", action="store_true", help="then follow it as `batches wait` does")
    _wait_options(create, "it is")
    add_output_options(create)

    cancel = batches.add("cancel", "batches_cancel", "stop a batch that is not final")
    cancel.add_argument("batch", metavar="BATCH")
    add_output_options(cancel)

    wait = batches.add(
        "wait",
        "batches_wait",
        "follow batches until each is final (live bars on a terminal, plain lines elsewhere)",
    )
    wait.add_argument("batches", metavar="BATCH", nargs="+")
    _wait_options(wait, "each is")
    add_output_options(wait)

    results = batches.add(
        "results",
        "batches_results",
        "each file's result (its job, or why it has none), once the batch is final: waits "
        "for it first",
    )
    results.add_argument("batch", metavar="BATCH")
    _wait_options(results, "it is")
    add_output_options(results)


def _jobs(groups: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    jobs = Commands(
        groups,
        "jobs",
        "the beta batch jobs (deprecated by the API: use `batches`): list, inspect, start, "
        "cancel, wait",
        common,
    )
    listing = jobs.add("list", "jobs_list", "every job, newest first")
    _enum_option(listing, "--status", "BatchJobStatus", "only jobs in this status")
    _enum_option(listing, "--job-type", "JobType", "only jobs of this type")
    listing.add_argument("--directory-id", help="only jobs over this directory")
    listing.add_argument("--limit", type=_count, help="at most this many jobs (default: all)")
    add_output_options(listing)

    get = jobs.add("get", "jobs_get", "one job and its progress")
    get.add_argument("job", metavar="JOB")
    add_output_options(get)

    cancel = jobs.add("cancel", "jobs_cancel", "stop a pending or running job")
    cancel.add_argument("job", metavar="JOB")
    cancel.add_argument("--reason", help="why, recorded with the job")
    add_output_options(cancel)

    create = jobs.add(
        "create",
        "jobs_create",
        "start a job over files",
        epilog=f"An example job config (job.json), a parse job in English:\n\n"
        f"{JOB_CONFIG_EXAMPLE}\n\n"
        "  llama-cloud-batch jobs create --config job.json --directory-id DIR --wait",
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
    _wait_options(create, "it is")
    add_output_options(create)

    wait = jobs.add(
        "wait",
        "jobs_wait",
        "follow jobs until each is final (live bars on a terminal, plain lines elsewhere)",
    )
    wait.add_argument("jobs", metavar="JOB", nargs="+")
    _wait_options(wait, "each is")
    add_output_options(wait)


def _items(groups: argparse._SubParsersAction[_Parser], common: _Parser) -> None:
    items = Commands(groups, "items", "the files of a beta batch job", common)
    listing = items.add("list", "items_list", "every item of a job")
    listing.add_argument("job", metavar="JOB")
    _enum_option(listing, "--status", "BatchItemStatus", "only items in this status")
    add_output_options(listing)

    results = Commands(groups, "results", "processing results of a beta job's items", common)
    download = results.add(
        "download",
        "results_download",
        "save each item's results to DIR/ITEM_ID.json; run again to resume",
    )
    download.add_argument("job", metavar="JOB")
    download.add_argument(
        "--out",
        required=True,
        type=Path,
        metavar="DIR",
        help="where the files go (made if missing)",
    )
    _enum_option(
        download,
        "--status",
        "BatchItemStatus",
        "fetch the items in this status (default: the completed ones; others have none)",
    )
    download.add_argument(
        "--concurrency", type=_count, default=8, help="results fetched at once (default: 8)"
    )
    download.add_argument(
        "--fsync",
        action="store_true",
        help="flush each file to the disk before it takes its name (slower; by default the "
        "files are synced once, at the end)",
    )
    add_output_options(download)


def _completion(groups: argparse._SubParsersAction[_Parser]) -> None:
    completion = groups.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Prints a script that completes the commands, flags and values of "
        f"{PROG} in your shell. Load it, or save it where your shell looks:",
        epilog=f"  bash: {PROG} completion bash > ~/.local/share/bash-completion/completions/"
        f"{PROG}\n"
        f"  zsh:  {PROG} completion zsh > ~/.zfunc/_{PROG}   (with fpath+=~/.zfunc before "
        "compinit)\n"
        f"  fish: {PROG} completion fish > ~/.config/fish/completions/{PROG}.fish",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=["bash", "zsh", "fish"])
    completion.set_defaults(handler="completion", prog=completion.prog)


def build_parser() -> _Parser:
    common = _Parser(add_help=False)
    # In a command's own options, a global option left out must not hide one given before it.
    _global_options(common, argparse.SUPPRESS)
    parser = _Parser(
        prog=PROG,
        description="LlamaCloud batches from the terminal: start, follow, list, fetch results.",
        epilog=EXIT_CODES_HELP,
    )
    _global_options(parser, None)
    parser.set_defaults(verbose=0, allow_insecure_http=False)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    groups = parser.add_subparsers(metavar="COMMAND", required=True)
    _batches(groups, common)
    _jobs(groups, common)
    _items(groups, common)
    _completion(groups)
    return parser


MISSING_EXTRA = (
    f"{PROG}: error: the command line needs the 'cli' extra: pip install 'llama-cloud-batch[cli]'"
)


class _MissingExtra(Exception):
    """rich is not installed: the commands cannot run (--help and completion still can)."""


def _commands_module() -> Any:
    try:
        return import_module("._commands", __package__)
    except ImportError as missing:
        if (missing.name or "").split(".")[0] != "rich":
            raise
        raise _MissingExtra from None


def run(argv: Sequence[str] | None = None, state: State | None = None) -> int:
    """Runs the command line; returns the exit status. Never lets a traceback out."""
    made: list[State] = [state] if state is not None else []

    def current() -> State:
        if not made:
            made.append(_commands_module().State())
        return made[0]

    try:
        try:
            parser = build_parser()
            if argv is None:
                # The shell asking for completions (only the console script is asked).
                from ._completion import complete_if_asked

                complete_if_asked(parser)
            args = parser.parse_args(argv)
            handler_name: str = args.handler
            if handler_name == "completion":
                from ._completion import script

                sys.stdout.write(script(args.shell))
                return ExitCode.OK
            commands = _commands_module()
            state = current()
            state.api_key, state.base_url = commands.api_key(args), args.base_url
            state.allow_insecure_http = args.allow_insecure_http
            if args.verbose:
                state.verbose_logging(args.verbose)
            handler: Handler = getattr(commands, handler_name)
            return handler(state, args)
        except SystemExit as done:  # --help and --version
            return done.code if isinstance(done.code, int) else ExitCode.OK
        except KeyboardInterrupt:
            current().note(f"{PROG}: interrupted")
            return ExitCode.INTERRUPTED
        except BrokenPipeError:
            # The reader went away (`| head`): nothing more can be said on stdout, so nothing
            # is, not even when the interpreter flushes it on the way out.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return ExitCode.ERROR
        except _MissingExtra:
            raise
        except Exception as error:
            from ._errors import describe, exit_code_of

            state = current()
            state.note(f"{PROG}: error: {state.redact(describe(error, state))}")
            return exit_code_of(error)
        finally:
            if made:
                made[0].close()
    except _MissingExtra:
        print(MISSING_EXTRA, file=sys.stderr)
        return ExitCode.USAGE
