"""The documentation page's example, with only its import line changed, against a real server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from factories import API_KEY, job, page
from scripted_server import Reply, ScriptedServer

SEED = Path(__file__).resolve().parents[1] / "data" / "seed_example.py"


def test_seed_example_prints_the_first_job_id(server: ScriptedServer) -> None:
    server.script = lambda request: Reply(200, page([job(1), job(2)], total_size=2, token="t"))
    env = {**os.environ, "LLAMA_CLOUD_API_KEY": API_KEY, "LLAMA_CLOUD_BASE_URL": server.url}
    env["PYTHONPATH"] = os.pathsep.join(sys.path)
    run = subprocess.run(
        [sys.executable, str(SEED)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == "bjb-00000001\n"
    (request,) = server.received
    assert request.method == "GET"
    assert request.path == "/api/v1/beta/batch-processing"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
