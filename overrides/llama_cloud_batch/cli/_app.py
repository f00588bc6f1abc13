"""The command tree (click) and the one place failures become an exit status and one line."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.logging import RichHandler

from .._exceptions import LlamaCloudError
from .._version import __version__
from . import _download, _render, _wait
from ._errors import EXIT_CODES_HELP, PROG, CommandError, ExitCode, describe, exit_code_of, redact

if TYPE_CHECKING:
    from .._client import LlamaCloud
    from .._generated.models import BatchJob

# The API's own page size is used unless --limit asks for fewer jobs than this.
_PAGE_SIZE = 100


@dataclass
class State:
    """What the global options set up, shared by every command of one run."""

    api_key: str | None = None
    base_url: str | None = None
    out: Console = field(default_factory=Console)
    err: Console = field(default_factory=lambda: Console(stderr=True))
    _client: LlamaCloud | None = None

    def client(self) -> LlamaCloud:
        if self._client is None:
            from .._client import LlamaCloud

            self._client = LlamaCloud(api_key=self.api_key, base_url=self.base_url)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def secrets(self) -> list[str]:
        import os

        return [s for s in (self.api_key, os.environ.get("LLAMA_CLOUD_API_KEY")) if s]


pass_state = click.make_pass_decorator(State)


def _verbose_logging(level: int, console: Console) -> None:
    """--verbose: the client's log (requests, retries; never headers) above any progress bar."""
    logger = logging.getLogger("llama_cloud_batch")
    handler = RichHandler(console=console, show_path=False, markup=False)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if level > 1 else logging.INFO)


@click.group(
    name=PROG,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=EXIT_CODES_HELP,
)
@click.option(
    "--api-key",
    envvar="LLAMA_CLOUD_API_KEY",
    show_envvar=True,
    metavar="KEY",
    help="The API key (never printed).",
)
@click.option(
    "--base-url",
    envvar="LLAMA_CLOUD_BASE_URL",
    show_envvar=True,
    metavar="URL",
    help="The API's address [default: https://api.cloud.llamaindex.ai].",
)
@click.option(
    "-v", "--verbose", count=True, help="Log requests and retries to stderr (-vv: every request)."
)
@click.version_option(__version__, "--version", prog_name=PROG, message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context, api_key: str | None, base_url: str | None, verbose: int) -> None:
    """Batch jobs of LlamaCloud from the terminal: start, follow, list, fetch results."""
    state = ctx.ensure_object(State)
    state.api_key, state.base_url = api_key, base_url
    if verbose:
        _verbose_logging(verbose, state.err)
    ctx.call_on_close(state.close)


# ----- jobs ---------------------------------------------------------------------------------


@cli.group()
def jobs() -> None:
    """List, inspect, start, cancel and wait for batch jobs."""


@jobs.command("list")
@click.option("--status", help="Only jobs in this status (pending, running, completed, ...).")
@click.option("--job-type", help="Only jobs of this type (parse, extract, classify).")
@click.option("--directory-id", help="Only jobs over this directory.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="At most this many jobs, newest first [default: all].",
)
@_render.output_options
@pass_state
def jobs_list(
    state: State,
    status: str | None,
    job_type: str | None,
    directory_id: str | None,
    limit: int | None,
    output: _render.Format,
) -> None:
    """Every batch job (walking every page), newest first."""
    params: dict[str, Any] = {"status": status, "job_type": job_type, "directory_id": directory_id}
    params["limit"] = min(limit, _PAGE_SIZE) if limit is not None else None
    page = state.client().beta.batch.list(**{k: v for k, v in params.items() if v is not None})
    found: Iterator[BatchJob] = iter(page) if limit is None else islice(page, limit)
    _render.emit(found, output, lambda job: job.to_dict(), _render.jobs_table, state.out)


@jobs.command("get")
@click.argument("job_id", metavar="JOB")
@_render.output_options
@pass_state
def jobs_get(state: State, job_id: str, output: _render.Format) -> None:
    """One job: its status, counts and progress."""
    progress = state.client().beta.batch.get_status(job_id)
    if output == "table":
        state.out.print(_render.progress_table(progress))
    else:
        _render.echo_json(progress.to_dict())


@jobs.command("cancel")
@click.argument("job_id", metavar="JOB")
@click.option("--reason", help="Why, recorded with the job.")
@_render.output_options
@pass_state
def jobs_cancel(state: State, job_id: str, reason: str | None, output: _render.Format) -> None:
    """Stops a pending or running job (its pending items are cancelled)."""
    result = state.client().beta.batch.cancel(job_id, reason=reason)
    if output == "table":
        state.out.print(f"{result.job_id}: {result.status} ({result.message})", markup=False)
    else:
        _render.echo_json(result.to_dict())


def _read_item_ids(items_file: IO[str] | None, inline: tuple[str, ...]) -> list[str]:
    ids = list(inline)
    if items_file is not None:
        ids += [line.strip() for line in items_file if line.strip()]
    return ids


def _read_config(config: IO[str]) -> dict[str, Any]:
    try:
        value = json.load(config)
    except json.JSONDecodeError as error:
        raise CommandError(f"the job config is not JSON: {error}", ExitCode.USAGE) from None
    if not isinstance(value, dict):
        raise CommandError("the job config must be a JSON object", ExitCode.USAGE)
    return value


_wait_options = [
    click.option(
        "--timeout",
        type=click.FloatRange(min=0),
        help="Give up after this many seconds (exit status 5) [default: wait until done].",
    ),
    click.option(
        "--poll-interval",
        type=click.FloatRange(min=0.01),
        default=2.0,
        show_default=True,
        help="Seconds between the first polls (they grow to 10 s).",
    ),
]


def wait_options(command: Any) -> Any:
    for option in reversed(_wait_options):
        command = option(command)
    return command


@jobs.command("create")
@click.option(
    "--config",
    "config",
    type=click.File("r"),
    required=True,
    help="The job config as JSON (a file, or - for stdin).",
)
@click.option("--directory-id", help="Process every file of this directory.")
@click.option(
    "--item", "items", multiple=True, metavar="ITEM_ID", help="A file to process (repeat)."
)
@click.option(
    "--items-file", type=click.File("r"), help="Files to process: one item ID a line (- for stdin)."
)
@click.option("--wait", "wait", is_flag=True, help="Then follow the job as `jobs wait` does.")
@wait_options
@_render.output_options
@pass_state
def jobs_create(
    state: State,
    config: IO[str],
    directory_id: str | None,
    items: tuple[str, ...],
    items_file: IO[str] | None,
    wait: bool,
    timeout: float | None,
    poll_interval: float,
    output: _render.Format,
) -> int:
    """Starts a batch job over a directory or a list of files."""
    job_config = _read_config(config)
    item_ids = _read_item_ids(items_file, items)
    if directory_id is not None and item_ids:
        raise CommandError("give --directory-id or item IDs, not both", ExitCode.USAGE)
    if directory_id is None and not item_ids:
        raise CommandError(
            "give --directory-id, or item IDs with --item or --items-file", ExitCode.USAGE
        )
    created = state.client().beta.batch.create(
        job_config=job_config,
        directory_id=directory_id,
        item_ids=item_ids or None,
    )
    if wait:
        state.err.print(f"created {created.id} ({created.total_items} items)", markup=False)
        return _follow(state, [created.id], timeout, poll_interval, output)
    if output == "table":
        state.out.print(_render.jobs_table([created]))
    else:
        _render.echo_json(created.to_dict())
    return ExitCode.OK


@jobs.command("wait")
@click.argument("job_ids", metavar="JOB...", nargs=-1, required=True)
@wait_options
@_render.output_options
@pass_state
def jobs_wait(
    state: State,
    job_ids: tuple[str, ...],
    timeout: float | None,
    poll_interval: float,
    output: _render.Format,
) -> int:
    """Follows jobs until each is final: a live bar per job on a terminal, plain lines elsewhere.

    Exit status 0 when every job completed, 3 if one failed, 4 if one was cancelled, 5 if the
    timeout passed first, 1 if a job could not be followed (it vanished, say).
    """
    unique = list(dict.fromkeys(job_ids))
    return _follow(state, unique, timeout, poll_interval, output)


def _follow(
    state: State,
    job_ids: list[str],
    timeout: float | None,
    poll_interval: float,
    output: _render.Format,
) -> int:
    display = _wait.WaitDisplay(state.err, job_ids, live=state.err.is_terminal)
    try:
        results = _wait.follow(
            state.client(), job_ids, display, timeout=timeout, poll_interval=poll_interval
        )
    except KeyboardInterrupt:
        left = display.open_jobs()
        state.err.print(
            "interrupted: the jobs go on on the server."
            + (f" Follow them again with: {_wait.resume_hint(left)}" if left else ""),
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return ExitCode.INTERRUPTED
    if output == "table":
        state.out.print(_wait.summary_table(results))
    else:
        _render.emit(results, output, _wait.result_json, _wait.summary_table, state.out)
    return _wait.exit_code(results)


# ----- items and results --------------------------------------------------------------------


@cli.group()
def items() -> None:
    """The files of a batch job."""


@items.command("list")
@click.argument("job_id", metavar="JOB")
@click.option("--status", help="Only items in this status (completed, failed, skipped, ...).")
@_render.output_options
@pass_state
def items_list(state: State, job_id: str, status: str | None, output: _render.Format) -> None:
    """Every item of a job (walking every page), in the API's order."""
    params = {"status": status} if status is not None else {}
    page = state.client().beta.batch.job_items.list(job_id, **params)  # type: ignore[arg-type]
    _render.emit(page, output, lambda item: item.to_dict(), _render.items_table, state.out)


@cli.group()
def results() -> None:
    """Processing results of a job's items."""


@results.command("download")
@click.argument("job_id", metavar="JOB")
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for the files (made if missing): ITEM_ID.json per item.",
)
@click.option(
    "--status",
    help="Fetch the items in this status [default: every completed item; others have no results].",
)
@click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=64),
    default=8,
    show_default=True,
    help="Results fetched at once.",
)
@_render.output_options
@pass_state
def results_download(
    state: State,
    job_id: str,
    out: Path,
    status: str | None,
    concurrency: int,
    output: _render.Format,
) -> int:
    """Saves each item's processing results to its own file; run again to resume.

    A file appears only when complete; items already saved in the directory are not fetched
    again, so a run after an interruption (or after the job gained items) fetches the rest.
    """
    _download.prepare_directory(out)
    summary = _download.DownloadSummary(job_id, out)
    try:
        _download.download(
            state.client(),
            job_id,
            out,
            status=status,
            concurrency=concurrency,
            console=state.err,
            live=state.err.is_terminal,
            summary=summary,
        )
    except KeyboardInterrupt:
        state.err.print(
            f"interrupted: {summary.line()}. Run the same command again to fetch the rest.",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        return ExitCode.INTERRUPTED
    except (LlamaCloudError, OSError) as error:
        raise CommandError(f"{describe(error)} ({summary.line()}; run again to resume)") from error
    if output == "table":
        state.out.print(summary.line(), markup=False, highlight=False, soft_wrap=True)
    else:
        _render.echo_json(summary.to_json())
    return ExitCode.OK


# ----- running ------------------------------------------------------------------------------


def run(argv: Sequence[str] | None = None, state: State | None = None) -> int:
    """Runs the command line; returns the exit status. Never lets a traceback out."""
    state = state or State()
    try:
        result = cli.main(
            args=list(argv) if argv is not None else None,
            prog_name=PROG,
            standalone_mode=False,
            obj=state,
        )
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except (click.Abort, KeyboardInterrupt):
        state.err.print(f"{PROG}: interrupted", markup=False, highlight=False)
        return ExitCode.INTERRUPTED
    except Exception as error:
        message = redact(describe(error), state.secrets())
        state.err.print(f"{PROG}: error: {message}", markup=False, highlight=False, soft_wrap=True)
        return exit_code_of(error)
    return int(result) if isinstance(result, int) else ExitCode.OK
