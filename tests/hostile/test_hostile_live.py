"""`jobs wait` on a terminal keeps its --timeout with many jobs: drawing the live bars must not
take the time the polls need (2,000 jobs overran --timeout 6 by 12-24 s, polling a third of
them)."""

from __future__ import annotations

from llama_cloud_batch.testing import BatchServer
from servers import KEY
from terminal import Run, assert_shown_as_text, cli_env, run_cli

JOBS = 1000
TIMEOUT = 3.0
POLL_INTERVAL = 2.0
# Starting the interpreter and printing a line per job at the end, on a busy 2-core machine.
SLACK = 4.0


def _wait(terminal: bool) -> tuple[Run, int]:
    with BatchServer(api_key=KEY, max_recorded_requests=10 * JOBS) as server:
        job_ids = [server.add_job(items=2) for _ in range(JOBS)]  # nothing moves them
        run = run_cli(
            ["jobs", "wait", *job_ids, "--timeout", str(TIMEOUT), "--jsonl"],
            cli_env(server.url, LINES="30"),
            terminal=terminal,
        )
        polls = len(server.requests_for("getBatchJobStatus"))
    assert_shown_as_text(run)
    assert run.code == 5  # timed out, with every job still open
    assert run.elapsed < TIMEOUT + POLL_INTERVAL + SLACK, f"{run.elapsed:.1f} s, {polls} polls"
    return run, polls


def test_many_jobs_keep_the_timeout_on_a_terminal_as_on_a_pipe() -> None:
    piped, piped_polls = _wait(terminal=False)
    shown, drawn_polls = _wait(terminal=True)
    # Drawing costs little beside polling: CPU seconds per poll, side by side, since how many
    # polls fit in the timeout depends on the machine's load more than on the display (the bug
    # spent most of the process's CPU redrawing every bar).
    per_poll_piped, per_poll_drawn = piped.cpu / piped_polls, shown.cpu / drawn_polls
    assert per_poll_drawn < 1.5 * per_poll_piped, (shown.cpu, drawn_polls, piped.cpu, piped_polls)
    # The screen holds the bars it has room for, and a line counting the others.
    assert "more jobs" in shown.output
