"""`jobs wait` and `batches wait`: follow jobs or batches with the library's wait_for_many and
show how they move.

On a terminal, a live bar per job (processed, failed and skipped of the total, rate, time
left; a batch, which has no counts, shows its status and a bar that fills when it is final);
elsewhere one plain line whenever a job's state changes, so logs stay readable.

At any width the ID and the whole status show, and the bar keeps at least _BAR_MIN columns: the
other columns give way first (rate, time left, then the counts, shorter and shorter).

When no answer comes from the API for --give-up-after seconds (it cannot be reached, or answers
only with errors worth retrying), the wait says why on one line as soon as the trouble starts,
and stops with ExitCode.UNREACHABLE once that time has passed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.measure import Measurement
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column as TableColumn
from rich.table import Table
from rich.text import Text

from .._retries import is_transient_error
from ..resources.wait_results import BatchWaitResult, JobWaitResult, WaitResult
from ._errors import PROG, ExitCode
from ._render import Cell, Column, Listing, done_count, shown

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


# The narrowest bar drawn: below this it says nothing. A layout that shows more than the short
# counts is drawn only when it leaves the bar _BAR_ROOMY columns.
_BAR_MIN = 10
_BAR_ROOMY = 20


class _RateColumn(ProgressColumn):
    """Items per second, once rich has seen the count move."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("" if speed is None else f"{speed:.1f} items/s", style="progress.data.speed")


def _text(field: str, *, style: str | None = None) -> TextColumn:
    # Text never wraps: a narrow terminal drops whole columns instead (see _Bars). The ID and
    # state are shown() already, and never read as markup.
    return TextColumn(
        f"{{task.fields[{field}]}}",
        style=style or "",
        markup=False,
        table_column=TableColumn(no_wrap=True),
    )


class _Bars(Progress):
    """Bars for as many jobs as the terminal has lines for, the open ones first, then a line
    counting the rest. A terminal shows no more than that anyway, and drawing every bar of
    2,000 jobs eight times a second took the time the polls needed (--timeout 6 overran by
    12-24 s): this way a redraw costs the same for any number of jobs.

    Of its layouts (widest first, each with the least room its bar needs) it draws the first
    that fits the terminal."""

    def __init__(
        self, layouts: list[tuple[int, tuple[ProgressColumn, ...]]], noun: str, **options: Any
    ) -> None:
        super().__init__(*layouts[0][1], **options)
        self.layouts = layouts
        self.noun = noun

    def make_tasks_table(self, tasks: Iterable[Task]) -> Table:
        tasks = list(tasks)
        if not tasks:  # rich asks once before self.console exists (see get_renderables)
            return super().make_tasks_table(tasks)
        options = self.console.options
        widths: dict[int, int] = {}  # by column: the layouts share their columns

        def width_of(column: ProgressColumn, bar: int) -> int:
            if isinstance(column, BarColumn):
                return bar
            if id(column) not in widths:
                widths[id(column)] = max(
                    Measurement.get(self.console, options, column(task)).maximum for task in tasks
                )
            return widths[id(column)]

        self.columns = next(
            (
                layout
                for bar, layout in self.layouts
                # A space between columns.
                if sum(width_of(column, bar) for column in layout) + len(layout) - 1
                <= self.console.width
            ),
            self.layouts[-1][1],
        )
        return super().make_tasks_table(tasks)

    def get_renderables(self) -> Iterable[RenderableType]:
        tasks = self.tasks
        # rich asks once while it builds the display, before self.console exists: no tasks yet.
        if not tasks or len(tasks) <= (room := max(self.console.height - 2, 1)):
            yield self.make_tasks_table(tasks)
            return
        tasks.sort(key=lambda task: not task.fields["open"])  # stable: in the order given
        drawn, others = tasks[:room], tasks[room:]
        still_open = sum(1 for task in others if task.fields["open"])
        yield self.make_tasks_table(drawn)
        yield Text(f"... and {len(others)} more {self.noun}, {still_open} of them still open")


def still_open(result: WaitResult[Any]) -> bool:
    """Worth following: not final, and not ended by an error that would come back (one that
    does not exist)."""
    return not result.is_final and (result.error is None or is_transient_error(result.error))


def state(result: WaitResult[Any]) -> str:
    """The status, or what stopped following it."""
    if result.timed_out:
        return f"timed out ({result.status or 'unknown'})"
    if result.error is not None and not result.is_final:
        return "retrying" if is_transient_error(result.error) else "error"
    return result.status or "waiting"


@dataclass(frozen=True)
class Kind:
    """What is followed: beta jobs (`jobs wait`) or v2 batches (`batches wait`)."""

    group: str  # the command group, for the resume line
    make: Callable[[str], WaitResult[Any]]  # an empty result, before the first answer
    # (done, total) for the bar, or None where the answer has no counts.
    done_of: Callable[[WaitResult[Any]], tuple[int, int] | None]
    counts: Callable[[WaitResult[Any]], str]  # the counts in full
    medium_counts: Callable[[WaitResult[Any]], str]  # the same, tighter
    short_counts: Callable[[WaitResult[Any]], str]  # the counts for a narrow terminal
    percent: Callable[[WaitResult[Any]], float | None]


def _job_done(result: WaitResult[Any]) -> tuple[int, int] | None:
    job = _as_job(result).job
    return None if job is None else (min(done_count(job), job.total_items), job.total_items)


def _as_job(result: WaitResult[Any]) -> JobWaitResult:
    return result  # type: ignore[return-value]


def job_counts(result: WaitResult[Any]) -> str:
    job = _as_job(result).job
    if job is None:
        return ""
    return (
        f"{job.processed_items or 0}/{job.total_items} processed, "
        f"{job.failed_items or 0} failed, {job.skipped_items or 0} skipped"
    )


def _job_medium_counts(result: WaitResult[Any]) -> str:
    job = _as_job(result).job
    if job is None:
        return ""
    return (
        f"{done_count(job)}/{job.total_items}, {job.failed_items or 0} failed, "
        f"{job.skipped_items or 0} skipped"
    )


def _job_short_counts(result: WaitResult[Any]) -> str:
    job = _as_job(result).job
    if job is None:
        return ""
    failed = f" ({job.failed_items} failed)" if job.failed_items else ""
    return f"{done_count(job)}/{job.total_items}{failed}"


def _job_percent(result: WaitResult[Any]) -> float | None:
    progress = _as_job(result).progress
    return None if progress is None else progress.progress_percentage


def _nothing(result: WaitResult[Any]) -> str:
    return ""


def jobs_kind() -> Kind:
    return Kind(
        "jobs",
        JobWaitResult,
        _job_done,
        job_counts,
        _job_medium_counts,
        _job_short_counts,
        _job_percent,
    )


def batches_kind() -> Kind:
    return Kind(
        "batches", BatchWaitResult, lambda _: None, _nothing, _nothing, _nothing, lambda _: None
    )


class GaveUp(Exception):
    """No answer from the API for --give-up-after seconds."""

    def __init__(self, seconds: float, reason: str) -> None:
        super().__init__(reason)
        self.seconds = seconds
        self.reason = reason


class WaitDisplay:
    """Shows each update of wait_for_many: live bars on a terminal, else plain lines. Gives up
    (GaveUp) when no answer has come for `give_up_after` seconds."""

    def __init__(
        self,
        console: Console,
        ids: list[str],
        *,
        live: bool,
        redact: Callable[[str], str],
        kind: Kind | None = None,
        describe: Callable[[BaseException], str] | None = None,
        give_up_after: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from ._errors import describe as describe_error

        self.console = console
        self.live = live
        self.kind = kind or jobs_kind()
        self._redact = redact
        self._describe = describe or describe_error
        self._give_up_after = give_up_after
        self._clock = clock
        self._failing_since: float | None = None
        self.latest: dict[str, WaitResult[Any]] = {ident: self.kind.make(ident) for ident in ids}
        self._printed: dict[str, str] = {}
        state_column = _text("state")
        bar = BarColumn(bar_width=None)
        ident = _text("ident", style="bold")
        counts, medium, short = _text("counts"), _text("medium"), _text("short")
        rate = _RateColumn(table_column=TableColumn(no_wrap=True))
        eta = TextColumn("ETA", table_column=TableColumn(no_wrap=True))
        time_left = TimeRemainingColumn()
        self.progress = _Bars(
            [
                (
                    _BAR_ROOMY,
                    (ident, state_column, bar, counts, rate, eta, time_left),
                ),
                (_BAR_ROOMY, (ident, state_column, bar, counts, time_left)),
                (_BAR_ROOMY, (ident, state_column, bar, counts)),
                (_BAR_ROOMY, (ident, state_column, bar, medium, time_left)),
                (_BAR_ROOMY, (ident, state_column, bar, medium)),
                (_BAR_ROOMY, (ident, state_column, bar, short, time_left)),
                (_BAR_MIN, (ident, state_column, bar, short)),
                (_BAR_MIN, (ident, state_column, bar)),
            ],
            self.kind.group,
            console=console,
            disable=not live,
            # Polls come seconds apart: more redraws would only take time from them.
            refresh_per_second=4,
        )
        self._tasks = {
            ident: self.progress.add_task(
                "",
                total=None,
                ident=shown(ident).plain,
                state="waiting",
                counts="",
                medium="",
                short="",
                open=True,
            )
            for ident in ids
        }

    def __enter__(self) -> WaitDisplay:
        # Off a terminal nothing is drawn, so nothing is started: rich before 14.3 prints an
        # empty line when even a disabled Progress stops.
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.live:
            self.progress.stop()

    def update(self, result: WaitResult[Any]) -> None:
        self.latest[result.id] = result
        fields: dict[str, Any] = {
            "state": shown(state(result)).plain,
            "counts": self.kind.counts(result),
            "medium": self.kind.medium_counts(result),
            "short": self.kind.short_counts(result),
            "open": still_open(result),
        }
        done = self.kind.done_of(result)
        if done is not None:
            finished, total = done
            fields["total"] = max(total, 1)
            # A job of no items is all done once final (its bar must not sit at zero for ever).
            fields["completed"] = finished if total else (1 if result.is_final else 0)
        elif result.is_final:
            fields["total"], fields["completed"] = 1, 1
        self.progress.update(self._tasks[result.id], **fields)
        if not self.live:
            self._print_line(result)
        self._watch_reachability(result)

    def _watch_reachability(self, result: WaitResult[Any]) -> None:
        error = result.error
        if error is None or not is_transient_error(error):
            if self._failing_since is not None and result.error is None:
                self._failing_since = None
                self.note("the API answers again")
            return
        now = self._clock()
        reason = self._redact(self._describe(error))
        if self._failing_since is None:
            self._failing_since = now
            limit = self._give_up_after
            until = "" if limit is None else f"; giving up after {limit:g} s without an answer"
            self.note(f"{reason}; retrying{until} (--give-up-after)")
        elif self._give_up_after is not None and now - self._failing_since >= self._give_up_after:
            raise GaveUp(self._give_up_after, reason)

    def note(self, line: str) -> None:
        """One line on stderr, above the bars on a terminal."""
        self.console.print(shown(f"{PROG}: {line}"), soft_wrap=True)

    def _print_line(self, result: WaitResult[Any]) -> None:
        line = f"{result.id}  {state(result)}"
        counts = self.kind.counts(result)
        if counts:
            percent = self.kind.percent(result)
            line += f"  {counts} ({percent or 0.0:.0f}%)"
        if result.error is not None:
            line += f"  [{self._redact(self._describe(result.error))}]"
        if self._printed.get(result.id) != line:
            self._printed[result.id] = line
            self.console.print(shown(line), soft_wrap=True)

    def open_ids(self) -> list[str]:
        """The jobs or batches worth following again."""
        return [ident for ident, result in self.latest.items() if still_open(result)]


SUMMARY_COLUMNS = (
    Column("ID", keep=True),
    Column("STATE", keep=True),
    Column("DONE", gives_way=4),
    Column("FAILED", gives_way=3),
    Column("SKIPPED", gives_way=2),
    Column("NOTE", gives_way=1, wrap=True),
)


def _note(result: WaitResult[Any], describe: Callable[[BaseException], str]) -> str:
    if result.error is not None:
        return describe(result.error)
    message = getattr(getattr(result, "job", None), "error_message", None)
    return str(message) if message else ""


def summary_listing(
    results: list[WaitResult[Any]],
    redact: Callable[[str], str],
    describe: Callable[[BaseException], str] | None = None,
) -> Listing:
    from ._errors import describe as describe_error

    describe = describe or describe_error
    rows: list[list[Cell]] = []
    for result in results:
        job = _as_job(result).job
        numbers = (
            ("", "", "")
            if job is None
            else (
                f"{done_count(job)}/{job.total_items}",
                str(job.failed_items or 0),
                str(job.skipped_items or 0),
            )
        )
        # Text, not markup: a message's own brackets (and "[redacted]") are printed as they are.
        note = shown(redact(_note(result, describe)))
        rows.append([shown(result.id), shown(state(result)), *numbers, note])
    return Listing("batch jobs", SUMMARY_COLUMNS, rows)


BATCH_SUMMARY_COLUMNS = (
    Column("ID", keep=True),
    Column("STATE", keep=True),
    Column("NOTE", gives_way=1, wrap=True),
)


def batch_summary_listing(
    results: list[WaitResult[Any]],
    redact: Callable[[str], str],
    describe: Callable[[BaseException], str] | None = None,
) -> Listing:
    from ._errors import describe as describe_error

    describe = describe or describe_error
    rows: list[list[Cell]] = [
        [shown(result.id), shown(state(result)), shown(redact(_note(result, describe)))]
        for result in results
    ]
    return Listing("batches", BATCH_SUMMARY_COLUMNS, rows)


def result_json(
    result: WaitResult[Any], describe: Callable[[BaseException], str]
) -> dict[str, Any]:
    """A followed job's outcome, for --json and --jsonl."""
    job_result = _as_job(result)
    return {
        "job_id": result.id,
        "status": result.status,
        "final": result.is_final,
        "timed_out": result.timed_out,
        "error": None if result.error is None else describe(result.error),
        "progress_percentage": None
        if job_result.progress is None
        else job_result.progress.progress_percentage,
        "job": None if job_result.job is None else job_result.job.to_dict(),
    }


def batch_result_json(
    result: WaitResult[Any], describe: Callable[[BaseException], str]
) -> dict[str, Any]:
    """A followed batch's outcome, for --json and --jsonl."""
    batch: BatchWaitResult = result  # type: ignore[assignment]
    return {
        "batch_id": result.id,
        "status": result.status,
        "final": result.is_final,
        "timed_out": result.timed_out,
        "error": None if result.error is None else describe(result.error),
        "batch": None if batch.batch is None else batch.batch.to_dict(),
    }


def exit_code(results: list[WaitResult[Any]]) -> ExitCode:
    """The most serious outcome: an error, then failed, cancelled, timed out; else 0. Statuses
    are compared without case (the beta's are lower case, v2's upper case)."""
    if any(r.error is not None and not r.is_final and not r.timed_out for r in results):
        return ExitCode.ERROR
    statuses = {(r.status or "").casefold() for r in results if r.is_final}
    if "failed" in statuses:
        return ExitCode.JOB_FAILED
    if "cancelled" in statuses:
        return ExitCode.JOB_CANCELLED
    if any(r.timed_out for r in results):
        return ExitCode.TIMED_OUT
    return ExitCode.OK


def resume_hint(command: str, ids: list[str]) -> str:
    """The command that takes up where this one stopped (`jobs wait ...`, `batches results ...`)."""
    return f"{PROG} {command} {' '.join(ids)}"
