"""What the commands print: rich tables on stdout for people, JSON or JSON Lines for scripts."""

from __future__ import annotations

import argparse
import datetime
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import BatchJob, BatchJobItem, BatchJobProgress
    from rich.console import Console

Format = Literal["table", "json", "jsonl"]
T = TypeVar("T")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    """--json / --jsonl (a table otherwise), stored together as `output`."""
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


def echo_json(value: Any) -> None:
    print(json.dumps(value, indent=2), flush=True)


def emit(
    records: Iterable[T],
    output: Format,
    to_json: Callable[[T], Any],
    table: Callable[[list[T]], Table],
    console: Console,
) -> int:
    """Prints the records in the chosen format; returns how many there were. JSON Lines are
    written as the records come (a listing walking many pages starts printing at once)."""
    if output == "jsonl":
        count = 0
        for record in records:
            print(json.dumps(to_json(record)), flush=True)
            count += 1
        return count
    collected = list(records)
    if output == "json":
        echo_json([to_json(record) for record in collected])
    else:
        console.print(table(collected))
    return len(collected)


# What a terminal would act on rather than show: C0 (line feed and tab too: a server's string is
# one field of one line, and a line break in it could fake a line of output), DEL, and C1
# (U+009B is an 8-bit CSI to some terminals). Each is shown as \xNN.
_CONTROL_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))}


def shown(value: object) -> Text:
    """A string from the server (or text holding one) as it may reach the terminal: control
    characters escaped, and a rich Text, which rich never reads as markup (so `notes[/].txt`
    prints as written). Every command prints server strings through this."""
    return Text(str(value).translate(_CONTROL_ESCAPES))


def _text(value: str | None) -> Text:
    return shown(value or "")


def _when(value: object) -> str:
    """A timestamp to the minute, in UTC (JSON output keeps the API's full value)."""
    if not isinstance(value, datetime.datetime):
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def done_count(job: BatchJob) -> int:
    """Items the job is through with: processed (completed or failed) and skipped."""
    return (job.processed_items or 0) + (job.skipped_items or 0)


def jobs_table(jobs: list[BatchJob]) -> Table:
    table = Table(title=f"{len(jobs)} batch jobs", title_justify="left")
    for column in ("ID", "TYPE", "STATUS", "DONE", "FAILED", "CREATED"):
        table.add_column(column, no_wrap=column == "ID")
    for job in jobs:
        table.add_row(
            shown(job.id),
            shown(job.job_type),
            shown(job.status),
            f"{done_count(job)}/{job.total_items}",
            str(job.failed_items or 0),
            _when(job.created_at),
        )
    return table


def progress_table(progress: BatchJobProgress) -> Table:
    job = progress.job
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column()
    rows: dict[str, str | Text] = {
        "id": shown(job.id),
        "type": shown(job.job_type),
        "status": shown(job.status),
        "progress": f"{progress.progress_percentage:.0f}%",
        "items": f"{job.total_items} in all: {job.processed_items or 0} processed "
        f"({job.failed_items or 0} failed), {job.skipped_items or 0} skipped",
        "directory": _text(job.directory_id),
        "created": _when(job.created_at),
        "started": _when(job.started_at),
        "completed": _when(job.completed_at),
        "error": _text(job.error_message),
    }
    for name, value in rows.items():
        if value:
            table.add_row(name, value)
    return table


def items_table(items: list[BatchJobItem]) -> Table:
    table = Table(title=f"{len(items)} items", title_justify="left")
    for column in ("ITEM ID", "NAME", "STATUS", "NOTE"):
        table.add_column(column, no_wrap=column == "ITEM ID")
    for item in items:
        note = _text(item.error_message) or _text(item.skip_reason)
        table.add_row(shown(item.item_id), shown(item.item_name), shown(item.status), note)
    return table
