"""Starting and stopping: bounded, threads end, nothing listens afterwards; the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from llama_cloud_batch.testing import BatchServer

from .conftest import JOBS, KEY


def batch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("batch-server")]


def test_start_stop_leaves_no_thread_and_no_listener():
    server = BatchServer(api_key=KEY, auto_tick=0.05)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.url
    server.start()
    url = server.url
    assert url.startswith("http://127.0.0.1:")
    with pytest.raises(RuntimeError, match="already started"):
        server.start()
    # An open keep-alive connection must not keep the server alive.
    client = httpx.Client(headers={"Authorization": f"Bearer {KEY}"})
    assert client.get(url + JOBS).status_code == 200
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 3
    assert batch_threads() == []
    with pytest.raises(httpx.TransportError):
        client.get(url + JOBS, timeout=2)
    client.close()
    server.stop()  # a second stop does nothing


def test_the_context_manager_stops_on_errors():
    server = BatchServer(api_key=KEY)

    def fail_inside() -> None:
        with server:
            raise KeyError(server.url)

    with pytest.raises(KeyError) as raised:
        fail_inside()
    url = raised.value.args[0]
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + JOBS, timeout=2)


def test_state_survives_a_restart():
    server = BatchServer(api_key=KEY)
    with server:
        job_id = server.add_job()
    with server:
        response = httpx.get(
            f"{server.url}{JOBS}/{job_id}", headers={"Authorization": f"Bearer {KEY}"}
        )
        assert response.status_code == 200


def test_repr_never_shows_the_key():
    with BatchServer(api_key="very-secret-key") as server:
        server.seed(2)
        assert "very-secret-key" not in repr(server)
        assert "jobs=2" in repr(server)


def test_bad_arguments():
    with pytest.raises(ValueError, match="API key"):
        BatchServer(api_key="")
    with pytest.raises(ValueError, match="auto_tick"):
        BatchServer(auto_tick=0)
    with pytest.raises(ValueError, match="tick_seconds"):
        BatchServer(tick_seconds=0)


def test_serve_until_stopped_ends_after_its_duration():
    server = BatchServer(api_key=KEY)
    started = time.monotonic()
    server.serve_until_stopped(0.2)
    assert 0.2 <= time.monotonic() - started < 3
    assert batch_threads() == []


def test_the_command_line_serves_sample_jobs_until_interrupted(spawn):
    # Started as a script or CI starts it in the background (SIGINT ignored): Ctrl-C still stops it.
    process = spawn(
        [
            sys.executable,
            "-m",
            "llama_cloud_batch.testing",
            "--port",
            "0",
            "--jobs",
            "5",
            "--api-key",
            "cli-key",
            "--duration",
            "60",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    first = process.stdout.readline()
    assert "Local batch-processing API on http://127.0.0.1:" in first, first
    url = first.split(" on ", 1)[1].split(" ", 1)[0]
    page = httpx.get(url + JOBS, headers={"Authorization": "Bearer cli-key"}, timeout=5).json()
    assert page["total_size"] == 5
    assert httpx.get(url + JOBS, timeout=5).status_code == 401
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "cli-key" not in first + out + err


def test_the_command_line_stops_by_itself_after_its_duration():
    completed = subprocess.run(
        [sys.executable, "-m", "llama_cloud_batch.testing", "--port", "0", "--duration", "0.3"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "export LLAMA_CLOUD_BASE_URL=http://127.0.0.1:" in completed.stdout


def test_the_client_never_imports_the_testing_package():
    code = (
        "import sys\n"
        "from llama_cloud_batch import LlamaCloud\n"
        "LlamaCloud(api_key='k', base_url='http://127.0.0.1:9').beta.batch.job_items\n"
        "names = ('llama_cloud_batch.testing', 'jsonschema')\n"
        "print([m for m in sys.modules if m.startswith(names)])\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"
