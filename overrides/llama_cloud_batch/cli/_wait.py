"""`jobs wait`: follows jobs with the library's wait_for_many and shows how they move.

On a terminal, a live bar per job (processed, failed and skipped of the total, rate, time
left); elsewhere one plain line whenever a job's state changes, so logs stay readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table
from rich.text import Text

from .._retries import is_transient_error
from ..resources.batch import JobWaitResult
from ._errors import PROG, ExitCode, describe
from ._render import done_count, shown

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from rich.console import Console, RenderableType

    from .._client import LlamaCloud


class _RateColumn(ProgressColumn):
    """Items per second, once rich has seen the count move."""

    def render(self, task: Task) -> Text:
        speed = task.speed
        return Text("" if speed is None else f"{speed:.1f} items/s", style="progress.data.speed")


class _JobBars(Progress):
    """Bars for as many jobs as the terminal has lines for, the open ones first, then a line
    counting the rest. A terminal shows no more than that anyway, and drawing every bar of
    2,000 jobs eight times a second took the time the polls needed (--timeout 6 overran by
    12-24 s): this way a redraw costs the same for any number of jobs."""

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
        yield Text(f"... and {len(others)} more jobs, {still_open} of them still open")


def still_open(result: JobWaitResult) -> bool:
    """Worth following: not final, and not ended by an error that would come back (a job that
    does not exist)."""
    return not result.is_final and (result.error is None or is_transient_error(result.error))


def counts(result: JobWaitResult) -> str:
    job = result.job
    if job is None:
        return ""
    return (
        f"{job.processed_items or 0}/{job.total_items} processed, "
        f"{job.failed_items or 0} failed, {job.skipped_items or 0} skipped"
    )


def state(result: JobWaitResult) -> str:
    """The job's status, or what stopped following it."""
    if result.timed_out:
        return f"timed out ({result.status or 'unknown'})"
    if result.error is not None and not result.is_final:
        return "retrying" if is_transient_error(result.error) else "error"
    return result.status or "waiting"


class WaitDisplay:
    """Shows each update of wait_for_many: live bars on a terminal, else plain lines."""

    def __init__(
        self, console: Console, job_ids: list[str], *, live: bool, redact: Callable[[str], str]
    ) -> None:
        self.console = console
        self.live = live
        self._redact = redact
        self.latest: dict[str, JobWaitResult] = {
            job_id: JobWaitResult(job_id) for job_id in job_ids
        }
        self._printed: dict[str, str] = {}
        # Text never wraps: on a narrow terminal the bar gives up its room first. The job ID and
        # state are shown() already, and never read as markup.
        self.progress = _JobBars(
            TextColumn(
                "{task.description}", style="bold", markup=False, table_column=Column(no_wrap=True)
            ),
            TextColumn("{task.fields[state]:<9}", markup=False, table_column=Column(no_wrap=True)),
            BarColumn(bar_width=None),
            TextColumn("{task.fields[counts]}", table_column=Column(no_wrap=True)),
            _RateColumn(table_column=Column(no_wrap=True)),
            TextColumn("ETA", table_column=Column(no_wrap=True)),
            TimeRemainingColumn(),
            console=console,
            disable=not live,
            # Polls come seconds apart: more redraws would only take time from them.
            refresh_per_second=4,
        )
        self._tasks = {
            job_id: self.progress.add_task(
                shown(job_id).plain, total=None, state="waiting", counts="", open=True
            )
            for job_id in job_ids
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

    def update(self, result: JobWaitResult) -> None:
        self.latest[result.job_id] = result
        fields: dict[str, Any] = {
            "state": shown(state(result)).plain,
            "counts": counts(result),
            "open": still_open(result),
        }
        job = result.job
        if job is not None:
            fields["total"] = max(job.total_items, 1)
            # A job of no items is all done once final (its bar must not sit at zero for ever).
            empty_done = 1 if result.is_final else 0
            fields["completed"] = (
                min(done_count(job), job.total_items) if job.total_items else empty_done
            )
        self.progress.update(self._tasks[result.job_id], **fields)
        if not self.live:
            self._print_line(result)

    def _print_line(self, result: JobWaitResult) -> None:
        line = f"{result.job_id}  {state(result)}"
        if result.job is not None:
            percent = result.progress.progress_percentage if result.progress else 0.0
            line += f"  {counts(result)} ({percent:.0f}%)"
        if result.error is not None:
            line += f"  [{self._redact(describe(result.error))}]"
        if self._printed.get(result.job_id) != line:
            self._printed[result.job_id] = line
            self.console.print(shown(line), soft_wrap=True)

    def open_jobs(self) -> list[str]:
        """The jobs worth following again."""
        return [job_id for job_id, result in self.latest.items() if still_open(result)]


def summary_table(results: list[JobWaitResult], redact: Callable[[str], str]) -> Table:
    table = Table(title="batch jobs", title_justify="left")
    for column in ("ID", "STATE", "DONE", "FAILED", "SKIPPED", "NOTE"):
        table.add_column(column, no_wrap=column in {"ID", "DONE"})
    for result in results:
        job = result.job
        note = ""
        if result.error is not None:
            note = describe(result.error)
        elif job is not None and job.error_message:
            note = str(job.error_message)
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
        table.add_row(shown(result.job_id), shown(state(result)), *numbers, shown(redact(note)))
    return table


def result_json(result: JobWaitResult) -> dict[str, Any]:
    return {
        "job_id": result.job_id,
        "status": result.status,
        "final": result.is_final,
        "timed_out": result.timed_out,
        "error": None if result.error is None else describe(result.error),
        "progress_percentage": None
        if result.progress is None
        else result.progress.progress_percentage,
        "job": None if result.job is None else result.job.to_dict(),
    }


def exit_code(results: list[JobWaitResult]) -> ExitCode:
    """The most serious outcome: an error, then failed, cancelled, timed out; else 0."""
    if any(r.error is not None and not r.is_final and not r.timed_out for r in results):
        return ExitCode.ERROR
    statuses = {r.status for r in results if r.is_final}
    if "failed" in statuses:
        return ExitCode.JOB_FAILED
    if "cancelled" in statuses:
        return ExitCode.JOB_CANCELLED
    if any(r.timed_out for r in results):
        return ExitCode.TIMED_OUT
    return ExitCode.OK


def resume_hint(job_ids: list[str]) -> str:
    return f"{PROG} jobs wait {' '.join(job_ids)}"


def follow(
    client: LlamaCloud,
    job_ids: list[str],
    display: WaitDisplay,
    *,
    timeout: float | None,
    poll_interval: float,
) -> list[JobWaitResult]:
    with display:
        return client.beta.batch.wait_for_many(
            job_ids,
            max_wait=timeout,
            poll_interval=poll_interval,
            max_poll_interval=max(poll_interval, 10.0),
            on_update=display.update,
        )
