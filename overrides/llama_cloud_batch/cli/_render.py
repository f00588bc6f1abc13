"""What the commands print: for people, a table on a terminal and tab-separated lines elsewhere;
JSON or JSON Lines for scripts.

Off a terminal (a pipe, a file) a listing is one line per record, its fields separated by tabs
and never cut, with no title and no header: `jobs list | grep -c completed` counts jobs, and
`cut -f1` gives their IDs. A field's own tabs and line breaks are escaped as \\x09 and \\x0a, as
every control character is (see shown()), so a record is always one line.

On a terminal, a table as wide as the terminal allows. The columns a record is known by (an
ID, a status) are never cut or wrapped; when the table is too wide the other columns give way,
the least useful first (each listing says the order), and free text (a note) wraps. When even
the columns kept do not fit, the records are printed as they are off a terminal, one line each,
for the terminal to wrap.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from rich import box
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from _llama_cloud_batch_generated.models import (
        Batch,
        BatchJob,
        BatchJobItem,
        BatchJobProgress,
        BatchResult,
    )
    from rich.console import Console

Format = Literal["table", "json", "jsonl"]
T = TypeVar("T")
Cell = str | Text
# A wrapping column is given no less than this, else it gives way as a whole.
_WRAP_MIN = 12


@dataclass(frozen=True)
class Column:
    """A column of a listing. `keep` columns are never dropped, cut or wrapped; the others give
    way on a narrow terminal in the order of `gives_way` (lowest first). `wrap` columns (free
    text) wrap within the room left, down to _WRAP_MIN."""

    header: str
    keep: bool = False
    gives_way: int = 0
    wrap: bool = False


@dataclass
class Listing:
    """Records as rows of cells, one cell per column."""

    title: str | None
    columns: Sequence[Column]
    rows: list[list[Cell]]


def echo_json(value: Any) -> None:
    print(json.dumps(value, indent=2), flush=True)


def tsv_line(cells: Iterable[Cell]) -> str:
    """One record as one line: its fields as shown (control characters escaped, so no field
    holds a tab or a line break), tab-separated."""
    return "\t".join(shown(cell).plain if isinstance(cell, str) else cell.plain for cell in cells)


def _width(cell: Cell) -> int:
    return cell_len(cell if isinstance(cell, str) else cell.plain)


def _table(listing: Listing, columns: list[int]) -> Table:
    table = Table(title=listing.title, title_justify="left", box=box.SIMPLE_HEAD)
    for index in columns:
        column = listing.columns[index]
        table.add_column(
            column.header,
            no_wrap=not column.wrap,
            overflow="fold" if column.wrap else "ellipsis",
            min_width=None if not column.wrap else _WRAP_MIN,
        )
    for row in listing.rows:
        table.add_row(*(row[index] for index in columns))
    return table


def _needed(listing: Listing, columns: list[int]) -> int:
    """The width of the table with these columns, none cut: each column as wide as its widest
    cell (a wrapping one at its least), plus rich's padding and rules (3 a column, and 1)."""
    total = 3 * len(columns) + 1
    for index in columns:
        widest = max(
            [_width(listing.columns[index].header), *(_width(row[index]) for row in listing.rows)]
        )
        total += min(widest, _WRAP_MIN) if listing.columns[index].wrap else widest
    return total


def fitted(listing: Listing, width: int) -> Table | None:
    """The table at this width, the columns that give way dropped until it fits; None when
    even the columns kept do not fit."""
    columns = list(range(len(listing.columns)))
    giving_way = sorted(
        (index for index in columns if not listing.columns[index].keep),
        key=lambda index: listing.columns[index].gives_way,
    )
    while _needed(listing, columns) > width:
        if not giving_way:
            return None
        columns.remove(giving_way.pop(0))
    return _table(listing, columns)


def print_listing(listing: Listing, console: Console) -> None:
    """A table on a terminal (fitted to its width), tab-separated lines elsewhere."""
    if console.is_terminal:
        table = fitted(listing, console.width)
        if table is not None:
            console.print(table)
            return
    for row in listing.rows:
        console.file.write(tsv_line(row) + "\n")
    console.file.flush()


def emit(
    records: Iterable[T],
    output: Format,
    to_json: Callable[[T], Any],
    listing: Callable[[list[T]], Listing],
    console: Console,
) -> int:
    """Prints the records in the chosen format; returns how many there were. JSON Lines, and
    lines off a terminal, are written as the records come (a listing walking many pages starts
    printing at once)."""
    if output == "jsonl":
        count = 0
        for record in records:
            print(json.dumps(to_json(record)), flush=True)
            count += 1
        return count
    if output == "table" and not console.is_terminal:
        count = 0
        for record in records:
            for row in listing([record]).rows:
                console.file.write(tsv_line(row) + "\n")
            console.file.flush()
            count += 1
        return count
    collected = list(records)
    if output == "json":
        echo_json([to_json(record) for record in collected])
    else:
        print_listing(listing(collected), console)
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


def when(value: object) -> str:
    """A timestamp to the minute, in UTC (JSON output keeps the API's full value)."""
    if not isinstance(value, datetime.datetime):
        return ""
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def done_count(job: BatchJob) -> int:
    """Items the job is through with: processed (completed or failed) and skipped."""
    return (job.processed_items or 0) + (job.skipped_items or 0)


# ----- the listings -------------------------------------------------------------------------

JOB_COLUMNS = (
    Column("ID", keep=True),
    Column("TYPE", gives_way=2),
    Column("STATUS", keep=True),
    Column("DONE", gives_way=4),
    Column("FAILED", gives_way=3),
    Column("CREATED", gives_way=1),
)


def jobs_listing(jobs: list[BatchJob]) -> Listing:
    rows: list[list[Cell]] = [
        [
            shown(job.id),
            shown(job.job_type),
            shown(job.status),
            f"{done_count(job)}/{job.total_items}",
            str(job.failed_items or 0),
            when(job.created_at),
        ]
        for job in jobs
    ]
    return Listing(f"{len(jobs)} batch jobs", JOB_COLUMNS, rows)


def progress_listing(progress: BatchJobProgress) -> Listing:
    """One job, a field a line (`name<TAB>value` off a terminal)."""
    job = progress.job
    fields: dict[str, Cell] = {
        "id": shown(job.id),
        "type": shown(job.job_type),
        "status": shown(job.status),
        "progress": f"{progress.progress_percentage:.0f}%",
        "items": f"{job.total_items} in all: {job.processed_items or 0} processed "
        f"({job.failed_items or 0} failed), {job.skipped_items or 0} skipped",
        "directory": _text(job.directory_id),
        "created": when(job.created_at),
        "started": when(job.started_at),
        "completed": when(job.completed_at),
        "error": _text(job.error_message),
    }
    return fields_listing(fields)


def fields_listing(fields: dict[str, Cell]) -> Listing:
    rows: list[list[Cell]] = [[name, value] for name, value in fields.items() if value]
    return Listing(None, (Column("FIELD", keep=True), Column("VALUE", wrap=True)), rows)


def print_fields(listing: Listing, console: Console) -> None:
    """A record's fields: a borderless two-column table on a terminal, `name<TAB>value` lines
    elsewhere."""
    if not console.is_terminal:
        print_listing(listing, console)
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for row in listing.rows:
        table.add_row(*row)
    console.print(table)


ITEM_COLUMNS = (
    Column("ITEM ID", keep=True),
    Column("NAME", gives_way=2),
    Column("STATUS", keep=True),
    Column("NOTE", gives_way=1, wrap=True),
)


def items_listing(items: list[BatchJobItem]) -> Listing:
    rows: list[list[Cell]] = [
        [
            shown(item.item_id),
            shown(item.item_name),
            shown(item.status),
            _text(item.error_message) or _text(item.skip_reason),
        ]
        for item in items
    ]
    return Listing(f"{len(items)} items", ITEM_COLUMNS, rows)


# ----- v2 batches ---------------------------------------------------------------------------

BATCH_COLUMNS = (
    Column("ID", keep=True),
    Column("STATUS", keep=True),
    Column("JOB", gives_way=3),
    Column("DIRECTORY", gives_way=2),
    Column("CREATED", gives_way=1),
)


def batches_listing(batches: list[Batch]) -> Listing:
    rows: list[list[Cell]] = [
        [
            shown(batch.id),
            shown(batch.status),
            shown(batch.config.job.type),
            shown(batch.source_directory_id),
            when(batch.created_at),
        ]
        for batch in batches
    ]
    return Listing(f"{len(batches)} batches", BATCH_COLUMNS, rows)


def batch_fields(batch: Batch) -> Listing:
    fields: dict[str, Cell] = {
        "id": shown(batch.id),
        "status": shown(batch.status),
        "job": shown(
            f"{batch.config.job.type} (configuration {batch.config.job.configuration_id})"
        ),
        "directory": shown(batch.source_directory_id),
        "project": shown(batch.project_id),
        "created": when(batch.created_at),
        "updated": when(batch.updated_at),
    }
    if batch.results is not None:
        mapped = sum(1 for result in batch.results if result.job_reference is not None)
        fields["results"] = f"{len(batch.results)} files, {mapped} with a job"
    return fields_listing(fields)


RESULT_COLUMNS = (
    Column("FILE", keep=True),
    Column("JOB", keep=True),
    Column("TYPE", gives_way=2),
    Column("ERROR", gives_way=1, wrap=True),
)


def results_listing(results: list[BatchResult]) -> Listing:
    rows: list[list[Cell]] = []
    for result in results:
        reference = result.job_reference
        rows.append(
            [
                shown(result.source_directory_file_id),
                shown(reference.id) if reference is not None else "",
                shown(reference.type) if reference is not None else "",
                _text(result.error_message),
            ]
        )
    return Listing(f"{len(results)} files", RESULT_COLUMNS, rows)
