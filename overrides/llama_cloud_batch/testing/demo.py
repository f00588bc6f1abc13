"""A tour of the client against the local server: no API key, no network.

    python -m llama_cloud_batch.testing.demo      (or: nox -s demo)

Starts the local batch-processing API with sample batches (v2) and jobs (the deprecated beta)
that advance on their own. Lists batches, starts one and follows it to its per-file results;
then runs the documentation's list example (unchanged but for its import line, configured only
by LLAMA_CLOUD_BASE_URL and LLAMA_CLOUD_API_KEY), lists a job's items, starts a job and waits
for it to complete, and shows the same from the command line (with the cli extra).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence

from llama_cloud_batch import Batch, LlamaCloud

from ._server import BatchServer

DEMO_KEY = "demo-key"
# The example of the list operation's documentation page, with only the import line changed.
SEED_EXAMPLE = """\
import os
from llama_cloud_batch import LlamaCloud

client = LlamaCloud(
    api_key=os.environ.get("LLAMA_CLOUD_API_KEY"),  # This is the default and can be omitted
)
page = client.beta.batch.list()
page = page.items[0]
print(page.id)
"""
WAIT_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.1


def section(title: str) -> None:
    print(f"\n== {title}", flush=True)


def user_environment(url: str) -> dict[str, str]:
    """A fresh interpreter's environment, configured as a user's shell would be."""
    env = {**os.environ, "LLAMA_CLOUD_BASE_URL": url, "LLAMA_CLOUD_API_KEY": DEMO_KEY}
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    return env


def run_seed_example(url: str) -> str:
    """Runs the example as a user would, in a fresh interpreter configured by the environment."""
    env = user_environment(url)
    completed = subprocess.run(
        [sys.executable, "-c", SEED_EXAMPLE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return completed.stdout


def batches_tour(client: LlamaCloud, server: BatchServer) -> None:
    """client.batches (v2): a listing by cursor, and a batch followed to its results."""
    section("Batches, newest first (one page of 5; iterating the page walks every page)")
    page = client.batches.list(page_size=5)
    for batch in page.items:
        print(f"  {batch.id}  {batch.config.job.type:<10}  {batch.status}")
    print(f"every page: {sum(1 for _ in page)} batches")

    section("A new parse batch over directory dir-reports, followed to the end")
    server.add_directory("dir-reports", ["q1.pdf", "q2.pdf", "q3.pdf"])
    batch = client.batches.create(
        config={"job": {"type": "parse_v2", "configuration_id": "preset-demo"}},
        source_directory_id="dir-reports",
    )
    seen = [batch.status]

    def record(update: Batch) -> None:
        if update.status != seen[-1]:
            seen.append(update.status)

    batch = client.batches.wait_for_completion(
        batch.id,
        expand=["results"],
        on_update=record,
        poll_interval=POLL_SECONDS,
        max_poll_interval=POLL_SECONDS,
        max_wait=WAIT_TIMEOUT_SECONDS,
    )
    print(f"{batch.id}: " + " -> ".join(seen))
    for result in batch.results or []:
        job = result.job_reference
        outcome = f"{job.type} job {job.id}" if job else f"no job: {result.error_message}"
        print(f"  {result.source_directory_file_id}: {outcome}")


def tour(client: LlamaCloud, server: BatchServer) -> str:
    """The library's calls; returns the ID of the job it started."""
    section("Jobs, newest first (one page of 5; iterating the page walks every page)")
    page = client.beta.batch.list(limit=5)
    print(f"{page.total_size} jobs in all; first page:")
    for job in page.items:
        counts = f"{job.processed_items}/{job.total_items} done"
        print(f"  {job.id}  {job.job_type:<8}  {job.status:<9}  {counts}")
    print(f"every page: {sum(1 for _ in page)} jobs")

    running = client.beta.batch.list(status="running").items
    job = running[0] if running else page.items[0]
    section(f"Items of {job.id} ({job.status})")
    for item in client.beta.batch.job_items.list(job.id):
        print(f"  {item.item_name:<16}  {item.status}")

    section("A new parse job over directory dir-demo, and waiting for it")
    server.add_directory("dir-demo", ["invoice-1.pdf", "invoice-2.pdf", "receipt.png", "memo.docx"])
    created = client.beta.batch.create(
        job_config={"job_name": "parse_raw_file_job", "parameters": {"lang": "en"}},
        directory_id="dir-demo",
    )
    print(f"created {created.id}: {created.status}, {created.total_items} files")
    done = client.beta.batch.wait_for_completion(
        created.id, poll_interval=0.2, max_poll_interval=1.0, max_wait=WAIT_TIMEOUT_SECONDS
    )
    finished = done.job
    print(
        f"{finished.status} at {done.progress_percentage:.0f}%: "
        f"{finished.processed_items} processed, {finished.failed_items} failed, "
        f"{finished.skipped_items} skipped"
    )
    first = client.beta.batch.job_items.list(created.id, limit=1).items[0]
    results = client.beta.batch.job_items.get_processing_results(first.item_id)
    for result in results.processing_results or []:
        print(f"  {results.item_name}: {result.job_type} result at {result.output_s3_path}")
    return created.id


def command_line(url: str, job_id: str) -> None:
    """The same from the terminal: `llama-cloud-batch` (here `python -m llama_cloud_batch`)."""
    if importlib.util.find_spec("rich") is None:
        section("The command line needs the cli extra: pip install 'llama-cloud-batch[cli]'")
        return
    env = {**user_environment(url), "COLUMNS": "110"}
    with tempfile.TemporaryDirectory(prefix="llama-cloud-batch-demo-") as out:
        for args in (
            ["jobs", "list", "--limit", "3"],
            ["jobs", "wait", job_id],
            ["items", "list", job_id, "--status", "completed"],
            ["results", "download", job_id, "--out", out],
        ):
            section("$ llama-cloud-batch " + " ".join(args))
            completed = subprocess.run(
                [sys.executable, "-m", "llama_cloud_batch", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            print((completed.stderr + completed.stdout).rstrip())
            print(f"(exit status {completed.returncode})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llama_cloud_batch.testing.demo")
    parser.add_argument("--batches", type=int, default=8, help="sample batches to start with")
    parser.add_argument("--jobs", type=int, default=8, help="sample jobs to start with")
    parser.add_argument(
        "--auto-tick", type=float, default=0.5, help="seconds between job steps (default 0.5)"
    )
    args = parser.parse_args(argv)
    with BatchServer(api_key=DEMO_KEY, auto_tick=args.auto_tick) as server:
        server.seed_batches(args.batches)
        server.seed(args.jobs)
        section(
            f"Local batch-processing API on {server.url}, {args.batches} sample batches, "
            f"{args.jobs} sample jobs"
        )
        print(
            f"batches and jobs move one step every {args.auto_tick} s; nothing leaves this machine"
        )
        with LlamaCloud(api_key=DEMO_KEY, base_url=server.url) as client:
            batches_tour(client, server)
            section("The deprecated beta: the documentation's example (LLAMA_CLOUD_BASE_URL set)")
            print(SEED_EXAMPLE.rstrip())
            print(f"--> {run_seed_example(server.url).strip()}")
            created = tour(client, server)
        command_line(server.url, created)
        server.assert_no_violations()
    return 0


if __name__ == "__main__":
    sys.exit(main())
