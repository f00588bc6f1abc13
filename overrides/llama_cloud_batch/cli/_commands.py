"""What each command does, given the parsed arguments; each returns its exit status."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from rich.console import Console
from rich.logging import RichHandler

from .._config import api_key_given, clean_api_key
from .._exceptions import LlamaCloudError, MissingAPIKeyError
from .._redact import Redactor
from . import _render
from ._errors import PROG, CommandError, ExitCode, describe

if TYPE_CHECKING:
    from collections.abc import Iterator

    from _llama_cloud_batch_generated.models import Batch, BatchJob

    from .._client import LlamaCloud
    from ..types import ParseJobConfigParam

# The API's own page size is used unless --limit asks for fewer jobs than this.
_PAGE_SIZE = 100


@dataclass
class State:
    """What the global options set up, shared by the command of one run."""

    api_key: str | None = None
    base_url: str | None = None
    allow_insecure_http: bool = False
    # Each run's own, on the streams of that moment (a caller running the command in its own
    # process may have replaced them).
    out: Console = field(default_factory=lambda: Console(file=sys.stdout))
    err: Console = field(default_factory=lambda: Console(file=sys.stderr))
    _client: LlamaCloud | None = None
    # --verbose's handler and the level the logger had before it, for close() to put back.
    _verbose: tuple[logging.Handler, int] | None = None

    def client(self) -> LlamaCloud:
        if self._client is None:
            from .._client import LlamaCloud

            try:
                self._client = LlamaCloud(
                    api_key=self.api_key,
                    base_url=self.base_url,
                    allow_insecure_http=self.allow_insecure_http,
                )
            except ValueError as error:
                # The options or the environment are wrong (a base URL with a query, a key
                # with a control character): bad configuration, not a failure of the API.
                raise CommandError(str(error), ExitCode.USAGE) from error
        return self._client

    def shown_base_url(self) -> str:
        """The API's address in use (the client's, else what the options and environment say)."""
        if self._client is not None:
            return str(self._client.base_url)
        return self.base_url or os.environ.get("LLAMA_CLOUD_BASE_URL") or "the LlamaCloud API"

    def verbose_logging(self, level: int) -> None:
        """--verbose: the client's log (requests, retries; never headers) above any progress
        bar, until close()."""
        logger = logging.getLogger("llama_cloud_batch")
        handler = RichHandler(console=self.err, show_path=False, markup=False)
        self._verbose = (handler, logger.level)
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level > 1 else logging.INFO)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
        if self._verbose is not None:
            # The logger outlives the run when the command runs inside another program.
            handler, level = self._verbose
            logger = logging.getLogger("llama_cloud_batch")
            logger.removeHandler(handler)
            logger.setLevel(level)
            self._verbose = None

    def _redactor(self) -> Redactor | None:
        """The client's own, so the key hidden is the one it sends (from --api-key,
        LLAMA_CLOUD_API_KEY or LLAMA_PARSE_API_KEY, without surrounding whitespace); before a
        client is built, the one it would be built with."""
        if self._client is not None:
            return self._client._redactor
        given = api_key_given(self.api_key)
        try:
            return Redactor(clean_api_key(given))
        except (MissingAPIKeyError, ValueError):
            # No key a client would take, so none was sent; what was given is hidden anyway.
            given = (given or "").strip()
            return Redactor(given) if given else None

    def redact(self, text: str) -> str:
        """The text with every spelling of the key taken out."""
        redactor = self._redactor()
        return text if redactor is None else redactor.text(text)

    def redact_value(self, value: Any) -> Any:
        """A JSON value with every spelling of the key taken out of its strings."""
        redactor = self._redactor()
        return value if redactor is None else redactor.value(value)

    def describe(self, error: BaseException) -> str:
        """An error in one line, naming the flags and variables that change it."""
        return describe(error, self)

    def note(self, text: str) -> None:
        """One line on stderr, shown as text (it may quote the server: an error's message)."""
        self.err.print(_render.shown(text), soft_wrap=True)


def _params(**given: Any) -> dict[str, Any]:
    """The API parameters that were given (an option left out is not sent)."""
    return {name: value for name, value in given.items() if value is not None}


# ----- jobs ---------------------------------------------------------------------------------


def jobs_list(state: State, args: argparse.Namespace) -> int:
    page_size = None if args.limit is None else min(args.limit, _PAGE_SIZE)
    params = _params(
        status=args.status, job_type=args.job_type, directory_id=args.directory_id, limit=page_size
    )
    page = state.client().beta.batch.list(**params)
    found: Iterator[BatchJob] = iter(page) if args.limit is None else islice(page, args.limit)
    _render.emit(found, args.output, lambda job: job.to_dict(), _render.jobs_listing, state.out)
    return ExitCode.OK


def jobs_get(state: State, args: argparse.Namespace) -> int:
    progress = state.client().beta.batch.get_status(args.job)
    if args.output == "table":
        _render.print_fields(_render.progress_listing(progress), state.out)
    else:
        _render.echo_json(progress.to_dict())
    return ExitCode.OK


def jobs_cancel(state: State, args: argparse.Namespace) -> int:
    result = state.client().beta.batch.cancel(args.job, **_params(reason=args.reason))
    if args.output == "table":
        state.out.print(_render.shown(f"{result.job_id}: {result.status} ({result.message})"))
    else:
        _render.echo_json(result.to_dict())
    return ExitCode.OK


def api_key(args: argparse.Namespace) -> str | None:
    """--api-key, or what --api-key-file holds (surrounding whitespace is the client's to strip);
    None leaves the key to the environment. Refuses first two options that would both read
    stdin, as a key file of "-" reads it here, before any command does."""
    stdin_readers = [
        option
        for option, name in (
            ("--api-key-file", "api_key_file"),
            ("--config", "config"),
            ("--items-file", "items_file"),
        )
        if getattr(args, name, None) == "-"
    ]
    if len(stdin_readers) > 1:
        raise CommandError(
            f"only one of {' and '.join(stdin_readers)} can read stdin", ExitCode.USAGE
        )
    given: str | None = args.api_key
    if args.api_key_file is None:
        return given
    if given is not None:
        raise CommandError("give --api-key or --api-key-file, not both", ExitCode.USAGE)
    return _read_text(args.api_key_file, "the API key file")


def _read_text(name: str, what: str) -> str:
    if name == "-":
        return sys.stdin.read()
    try:
        return Path(name).read_text()
    except OSError as error:
        raise CommandError(f"cannot read {what} {name}: {error.strerror}", ExitCode.USAGE) from None


def _read_config(name: str) -> dict[str, Any]:
    try:
        value = json.loads(_read_text(name, "the job config"))
    except json.JSONDecodeError as error:
        raise CommandError(f"the job config is not JSON: {error}", ExitCode.USAGE) from None
    if not isinstance(value, dict):
        raise CommandError("the job config must be a JSON object", ExitCode.USAGE)
    return value


def _item_ids(args: argparse.Namespace) -> list[str]:
    found = list(args.item or [])
    if args.items_file is not None:
        text = _read_text(args.items_file, "the item list")
        found += [line.strip() for line in text.splitlines() if line.strip()]
    return found


def jobs_create(state: State, args: argparse.Namespace) -> int:
    job_config = _read_config(args.config)
    item_ids = _item_ids(args)
    if args.directory_id is not None and item_ids:
        raise CommandError("give --directory-id or item IDs, not both", ExitCode.USAGE)
    if args.directory_id is None and not item_ids:
        raise CommandError(
            "give --directory-id, or item IDs with --item or --items-file", ExitCode.USAGE
        )
    # The file's JSON goes out as written: the server, not the client, judges a config it may
    # know better than this release's spec.
    created = state.client().beta.batch.create(
        job_config=cast("ParseJobConfigParam.Dict", job_config),
        **_params(directory_id=args.directory_id, item_ids=item_ids or None),
    )
    if args.wait:
        state.note(f"created {created.id} ({created.total_items} items)")
        return follow(state, [created.id], args, "jobs")
    if args.output == "table":
        _render.print_listing(_render.jobs_listing([created]), state.out)
    else:
        _render.echo_json(created.to_dict())
    return ExitCode.OK


def jobs_wait(state: State, args: argparse.Namespace) -> int:
    return follow(state, list(dict.fromkeys(args.jobs)), args, "jobs")


class _Interrupted(Exception):
    """Ctrl-C during a wait, after the note saying how to take it up again."""


def _wait_for(
    state: State, ids: list[str], args: argparse.Namespace, group: str, resume: str
) -> list[Any]:
    """Follows jobs or batches until each is final, showing their progress; their results.
    On Ctrl-C says the command that takes the wait up again (`resume` followed by the IDs
    still open) and raises _Interrupted; when the API gives no answer for --give-up-after,
    CommandError with ExitCode.UNREACHABLE."""
    # Here, not at the top: rich.progress is for the commands that show it, not `jobs list`.
    from . import _wait

    kind = _wait.jobs_kind() if group == "jobs" else _wait.batches_kind()
    display = _wait.WaitDisplay(
        state.err,
        ids,
        live=state.err.is_terminal,
        redact=state.redact,
        kind=kind,
        describe=state.describe,
        give_up_after=args.give_up_after,
    )
    client = state.client()
    waiter = client.beta.batch if group == "jobs" else client.batches
    again = "Follow them again with" if resume.endswith(" wait") else "Get them with"
    try:
        with display:
            results: list[Any] = waiter.wait_for_many(
                ids,
                max_wait=args.timeout,
                poll_interval=args.poll_interval,
                max_poll_interval=max(args.poll_interval, 10.0),
                on_update=display.update,
            )
    except KeyboardInterrupt:
        left = display.open_ids()
        state.note(
            f"interrupted: the {group} go on running on the server."
            + (f" {again}: {_wait.resume_hint(resume, left)}" if left else "")
        )
        raise _Interrupted from None
    except _wait.GaveUp as gave_up:
        left = display.open_ids()
        raise CommandError(
            f"gave up after {gave_up.seconds:g} s without an answer from the API: "
            f"{gave_up.reason}. {again}: {_wait.resume_hint(resume, left)}",
            ExitCode.UNREACHABLE,
        ) from None
    return results


def follow(state: State, ids: list[str], args: argparse.Namespace, group: str) -> int:
    """`jobs wait` and `batches wait`: follows until each is final; prints the outcomes."""
    from . import _wait

    try:
        results = _wait_for(state, ids, args, group, f"{group} wait")
    except _Interrupted:
        return ExitCode.INTERRUPTED
    to_json = _wait.result_json if group == "jobs" else _wait.batch_result_json
    listing = _wait.summary_listing if group == "jobs" else _wait.batch_summary_listing
    _render.emit(
        results,
        args.output,
        lambda result: state.redact_value(to_json(result, state.describe)),
        lambda rows: listing(rows, state.redact, state.describe),
        state.out,
    )
    return _wait.exit_code(results)


# ----- batches (v2) -------------------------------------------------------------------------


def batches_list(state: State, args: argparse.Namespace) -> int:
    page_size = None if args.limit is None else min(args.limit, _PAGE_SIZE)
    params = _params(
        status=args.status,
        source_directory_id=args.source_directory_id,
        created_at_on_or_after=args.created_after,
        created_at_on_or_before=args.created_before,
        page_size=page_size,
    )
    page = state.client().batches.list(**params)
    found: Iterator[Batch] = iter(page) if args.limit is None else islice(page, args.limit)
    _render.emit(
        found, args.output, lambda batch: batch.to_dict(), _render.batches_listing, state.out
    )
    return ExitCode.OK


def _show_batch(state: State, batch: Batch, output: str) -> None:
    if output != "table":
        _render.echo_json(batch.to_dict())
        return
    _render.print_fields(_render.batch_fields(batch), state.out)
    if batch.results is None:
        return
    listing = _render.results_listing(batch.results)
    if state.out.is_terminal:
        _render.print_listing(listing, state.out)
    else:  # a line per file after the fields: result<TAB>FILE<TAB>JOB<TAB>TYPE<TAB>ERROR
        for row in listing.rows:
            state.out.file.write(_render.tsv_line(["result", *row]) + "\n")


def batches_get(state: State, args: argparse.Namespace) -> int:
    batch = state.client().batches.get(args.batch, **_params(expand=args.expand))
    _show_batch(state, batch, args.output)
    return ExitCode.OK


def batches_create(state: State, args: argparse.Namespace) -> int:
    created = state.client().batches.create(
        config={"job": {"type": args.job_type, "configuration_id": args.configuration_id}},
        source_directory_id=args.source_directory_id,
        **_params(webhook_configuration_ids=args.webhook_configuration_id),
    )
    if args.wait:
        state.note(f"created {created.id} ({created.status})")
        return follow(state, [created.id], args, "batches")
    _show_batch(state, created, args.output)
    return ExitCode.OK


def batches_cancel(state: State, args: argparse.Namespace) -> int:
    cancelled = state.client().batches.cancel(args.batch)
    _show_batch(state, cancelled, args.output)
    return ExitCode.OK


def batches_wait(state: State, args: argparse.Namespace) -> int:
    return follow(state, list(dict.fromkeys(args.batches)), args, "batches")


def batches_results(state: State, args: argparse.Namespace) -> int:
    """Waits for the batch (with progress on a terminal), then prints each file's result; the
    exit status is the wait's (a failed batch: 3, and its results are printed)."""
    from . import _wait

    try:
        (waited,) = _wait_for(state, [args.batch], args, "batches", "batches results")
    except _Interrupted:
        return ExitCode.INTERRUPTED
    code = _wait.exit_code([waited])
    if not waited.is_final:
        state.note(
            f"{PROG}: batch {args.batch} is {_wait.state(waited)}: its results are listed once "
            "it is final"
        )
        return code
    batch = state.client().batches.get(args.batch, expand=["results"])
    if batch.results is None:
        # The API lists no per-file results for it (a batch that failed as a whole, say).
        state.note(f"{PROG}: batch {args.batch} ended {batch.status} with no per-file results")
        return code
    _render.emit(
        batch.results,
        args.output,
        lambda result: result.to_dict(),
        _render.results_listing,
        state.out,
    )
    return code


# ----- items and results --------------------------------------------------------------------


def items_list(state: State, args: argparse.Namespace) -> int:
    page = state.client().beta.batch.job_items.list(args.job, **_params(status=args.status))
    _render.emit(page, args.output, lambda item: item.to_dict(), _render.items_listing, state.out)
    return ExitCode.OK


def results_download(state: State, args: argparse.Namespace) -> int:
    from . import _download  # loads rich.progress (see follow)

    out: Path = args.out
    try:
        _download.prepare_directory(out)
    except OSError as error:
        raise CommandError(f"cannot use {out} for the results: {error.strerror}") from None
    summary = _download.DownloadSummary(args.job, out)
    try:
        _download.download(
            state.client(),
            args.job,
            out,
            status=args.status,
            concurrency=args.concurrency,
            console=state.err,
            live=state.err.is_terminal,
            summary=summary,
            fsync=args.fsync,
        )
    except KeyboardInterrupt:
        state.note(f"interrupted: {summary.line()}. Run the same command again to fetch the rest.")
        return ExitCode.INTERRUPTED
    except (LlamaCloudError, OSError) as error:
        raise CommandError(
            f"{state.describe(error)} ({summary.line()}; run again to resume)"
        ) from error
    if args.output == "table":
        state.out.print(_render.shown(summary.line()), soft_wrap=True)
    else:
        _render.echo_json(summary.to_json())
    return ExitCode.OK
