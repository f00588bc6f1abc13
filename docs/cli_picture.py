"""Draws docs/cli-wait.svg: `llama-cloud-batch jobs wait` as a terminal shows it, mid-way.

    nox -s cli-picture        (or: python docs/cli_picture.py [OUT.svg])

Real jobs on the local server, followed by the command's own display and the library's
wait_for_many; rich records the live bars at a moment when the jobs are part-way, and saves
them as SVG. Nothing is drawn by hand, so the picture changes when the display does.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from llama_cloud_batch import JobWaitResult, LlamaCloud
from llama_cloud_batch.cli._wait import WaitDisplay
from llama_cloud_batch.testing import BatchServer
from rich.console import Console
from rich.text import Text

KEY = "picture-key"
OUT = Path(__file__).with_name("cli-wait.svg")
# About what a terminal window has: the picture is shown at its size, text legible.
WIDTH = 100
# The poll after which the picture is taken: some jobs done, others on their way.
SNAPSHOT_POLL = 14


def draw(out: Path = OUT) -> None:
    console = Console(record=True, width=WIDTH, force_terminal=True, file=io.StringIO())
    with (
        BatchServer(api_key=KEY, items_per_tick=3) as server,
        LlamaCloud(api_key=KEY, base_url=server.url) as client,
    ):
        job_ids = [
            server.add_job(job_type="parse", items=40, failed_items=2, skipped_items=1),
            server.add_job(job_type="extract", items=24),
            server.add_job(job_type="classify", items=9),
            server.add_job(job_type="parse", items=30, outcome="failed", failure_message="quota"),
        ]
        display = WaitDisplay(console, job_ids, live=True, redact=client._redactor.text)
        polls = 0

        def on_update(result: JobWaitResult) -> None:
            nonlocal polls
            display.update(result)
            polls += 1
            if polls == SNAPSHOT_POLL:
                console.print(display.progress.get_renderable())
            server.tick()  # each poll sees the jobs move, however fast the machine is

        console.print(Text("$ llama-cloud-batch jobs wait " + " ".join(job_ids), style="bold"))
        client.beta.batch.wait_for_many(
            job_ids, poll_interval=0.3, max_poll_interval=0.3, max_wait=60, on_update=on_update
        )
    console.save_svg(str(out), title="llama-cloud-batch jobs wait")
    print(f"wrote {out}")


if __name__ == "__main__":
    draw(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
