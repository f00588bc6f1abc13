"""BatchServer: the local batch-processing API over real HTTP on 127.0.0.1, in a thread.

Standard library HTTP (ThreadingHTTPServer); every thread it starts ends when the server stops:
the accept loop on shutdown, handlers when their connection closes or idles out, hangs when the
stop event fires, the auto-tick loop on the same event.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import logging
import re
import socket
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast

from ._app import (
    DEFAULT_MAX_RECORDED_REQUESTS,
    MAX_BODY_BYTES,
    App,
    RecordedRequest,
    Request,
    SpecViolation,
)
from ._faults import Fault, FaultPlan, ScheduledFault
from ._spec import Spec, shared_spec
from ._store import BATCH_JOB_TYPES, JOB_TYPES, BatchOutcome, Outcome, Store

logger = logging.getLogger("llama_cloud_batch.testing")

HOST = "127.0.0.1"
DEFAULT_API_KEY = "test-key"
# An idle keep-alive connection is closed after this long, so no handler thread waits forever.
IDLE_TIMEOUT_SECONDS = 15.0
STOP_TIMEOUT_SECONDS = 5.0
# How often the accept loop looks for stop(): stop() waits for it, and a test suite may start and
# stop a server per test (at 0.1 s, that wait was most of a short test's time).
POLL_SECONDS = 0.01
_SEED_STATUSES = ("completed", "running", "pending", "failed", "cancelled", "completed", "running")
_SEED_BATCH_STATUSES = ("COMPLETED", "RUNNING", "PENDING", "THROTTLED", "COMPLETED", "FAILED")
# A chunk size is hex digits only: int(..., 16) would also take "-5" (read to EOF) or "1_0".
_CHUNK_SIZE = re.compile(rb"[0-9a-fA-F]{1,8}")


class _BadRequestError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, app: App) -> None:
        self.app = app
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((HOST, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError):
            # The client went away first (it timed out on a hang, say): nothing to answer.
            logger.debug("client %s left before its answer: %r", client_address, error)
            return
        text = traceback.format_exc()
        logger.error("local server error:\n%s", text)
        with self.app.lock:
            self.app.errors.append(text)

    def close_connections(self) -> None:
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):  # already closed by the peer
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    server_version = "llama-cloud-batch-local"
    timeout = IDLE_TIMEOUT_SECONDS

    @property
    def _server(self) -> _HTTPServer:
        return cast("_HTTPServer", self.server)

    def setup(self) -> None:
        super().setup()
        # Each answer goes out in one write; without this, Nagle's algorithm holds a write back
        # until the client's delayed ACK (~40 ms per request on a kept-alive connection).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._server.connections_lock:
            self._server.connections.add(self.connection)

    def finish(self) -> None:
        with self._server.connections_lock:
            self._server.connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s %s", self.address_string(), format % args)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server looks up do_<METHOD>; every method goes through _serve so that one the
        # spec does not list gets the API's 405 rather than the base class's 501.
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        try:
            body = self._read_body()
        except _BadRequestError as error:
            self.close_connection = True
            self.send_error(error.status, str(error))
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self._server.app.handle(Request(self.command, self.path, headers, body))
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        # end_headers() writes the head on its own; catching it here sends head and body in
        # one write.
        socket_file, self.wfile = self.wfile, io.BytesIO()
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            head = self.wfile.getvalue()
        finally:
            self.wfile = socket_file
        self.wfile.write(head if self.command == "HEAD" else head + reply.body)

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            return self._read_chunked()
        length_text = self.headers.get("content-length", "0")
        try:
            length = int(length_text)
        except ValueError:
            raise _BadRequestError(400, "Content-Length is not a number") from None
        if length < 0:
            raise _BadRequestError(400, "Content-Length is negative")
        if length > MAX_BODY_BYTES:
            raise _BadRequestError(413, "the body is larger than the local server takes")
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:  # ends at the last chunk, or by the size limit or a malformed chunk
            size_line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            if not _CHUNK_SIZE.fullmatch(size_line):
                raise _BadRequestError(400, "malformed chunk size")
            size = int(size_line, 16)
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise _BadRequestError(413, "the body is larger than the local server takes")
            body += self.rfile.read(size)
            self.rfile.readline(8)  # the CRLF after each chunk


class BatchServer:
    """A stateful local batch-processing API for tests and demos; see the package docs.

    Examples:
        >>> from llama_cloud_batch import LlamaCloud
        >>> from llama_cloud_batch.testing import BatchServer
        >>> with BatchServer(api_key="test-key") as server:
        ...     batch_id = server.add_batch(files=4, failed_files=1)
        ...     client = LlamaCloud(api_key="test-key", base_url=server.url)
        ...     ticks = server.run_until_idle()  # PENDING -> THROTTLED -> RUNNING -> COMPLETED
        ...     batch = client.batches.get(batch_id, expand=["results"])
        ...     print(batch.status, [result.error_message is None for result in batch.results])
        COMPLETED [True, True, True, False]
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        port: int = 0,
        auto_tick: float | None = None,
        tick_seconds: float = 1.0,
        items_per_tick: int = 2,
        default_directory_size: int = 3,
        fail_every: int | None = None,
        start_time: datetime.datetime | None = None,
        seed: int = 0,
        spec: Spec | None = None,
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
    ) -> None:
        if not api_key:
            raise ValueError("the local server needs an API key to check")
        if auto_tick is not None and auto_tick <= 0:
            raise ValueError("auto_tick is a positive number of seconds")
        if max_recorded_requests < 0:
            raise ValueError("max_recorded_requests is 0 or more")
        self._port = port
        self._auto_tick = auto_tick
        self._stopping = threading.Event()
        self.store = Store(
            start=start_time,
            tick_seconds=tick_seconds,
            items_per_tick=items_per_tick,
            default_directory_size=default_directory_size,
            fail_every=fail_every,
            seed=seed,
        )
        self.faults = FaultPlan()
        self.app = App(
            self.store,
            spec or shared_spec(),
            api_key,
            self.faults,
            self._stopping.wait,
            max_recorded_requests,
        )
        self._http: _HTTPServer | None = None
        self._threads: list[threading.Thread] = []

    def __repr__(self) -> str:
        state = f"url={self.url!r}" if self._http is not None else "not started"
        jobs, batches = len(self.store.job_ids()), len(self.store.batch_ids())
        return f"BatchServer({state}, jobs={jobs}, batches={batches})"

    # ----- lifecycle -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL to give a client, e.g. ``http://127.0.0.1:54321``."""
        if self._http is None:
            raise RuntimeError("the server is not started; call start() or use `with`")
        return f"http://{HOST}:{self._http.server_address[1]}"

    @property
    def port(self) -> int:
        if self._http is None:
            raise RuntimeError("the server is not started")
        return int(self._http.server_address[1])

    def start(self) -> Self:
        """Listens on 127.0.0.1 and serves in background threads until stop()."""
        if self._http is not None:
            raise RuntimeError("the server is already started")
        self._stopping.clear()
        self._http = _HTTPServer(self._port, self.app)
        serve = threading.Thread(
            target=self._http.serve_forever,
            kwargs={"poll_interval": POLL_SECONDS},
            name="batch-server",
            daemon=True,
        )
        self._threads = [serve]
        if self._auto_tick is not None:
            self._threads.append(
                threading.Thread(target=self._tick_loop, name="batch-server-ticks", daemon=True)
            )
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and ends every thread the server started (waits a few seconds at most)."""
        http = self._http
        if http is None:
            return
        self._stopping.set()
        http.shutdown()
        http.close_connections()
        http.server_close()
        for thread in self._threads:
            thread.join(STOP_TIMEOUT_SECONDS)
        self._http = None
        self._threads = []

    def __enter__(self) -> Self:
        return self.start() if self._http is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def serve_until_stopped(self, duration: float | None = None) -> None:
        """Blocks until stop() (or Ctrl-C, or `duration` seconds), then stops."""
        if self._http is None:
            self.start()
        try:
            self._stopping.wait(duration)
        finally:
            self.stop()

    def _tick_loop(self) -> None:
        assert self._auto_tick is not None
        while not self._stopping.wait(self._auto_tick):
            self.store.advance(self.store.tick_seconds)

    # ----- state ---------------------------------------------------------------------------

    def add_job(
        self,
        *,
        job_type: str = "parse",
        status: str = "pending",
        items: int | Sequence[str] = 3,
        directory_id: str | None = None,
        project_id: str | None = None,
        job_config: Mapping[str, Any] | None = None,
        failed_items: int = 0,
        skipped_items: int = 0,
        outcome: Outcome = "completed",
        failure_message: str | None = None,
        created_at: datetime.datetime | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Adds a job and returns its ID.

        `items` is a count or a list of file names. The last `failed_items` items fail and the
        first `skipped_items` are skipped when the job runs; `outcome="failed"` makes the whole
        job end failed with `failure_message`. `status` other than pending drives the job there
        at once (running: about half its items done). `extra` is merged into the job as the API
        shows it, replacing documented properties too: with a status the spec does not know,
        or `extra`, a test can make the server hold data that breaks the spec.
        """
        job_id = self.store.add_job(
            job_type=job_type,
            items=items,
            directory_id=directory_id,
            project_id=project_id,
            job_config=job_config,
            failed_items=failed_items,
            skipped_items=skipped_items,
            outcome=outcome,
            failure_message=failure_message,
            created_at=created_at,
            extra=extra,
        )
        self.store.set_status(job_id, status)
        return job_id

    def seed(self, n: int = 10) -> list[str]:
        """Adds `n` varied jobs (types, statuses, directories, failed and skipped items), oldest
        first; returns their IDs in that order. The same `n` and server seed give the same jobs."""
        ids = []
        now = self.store.now
        for index in range(n):
            status = _SEED_STATUSES[index % len(_SEED_STATUSES)]
            count = 2 + index % 4
            ids.append(
                self.add_job(
                    job_type=JOB_TYPES[index % len(JOB_TYPES)],
                    status=status,
                    items=count,
                    directory_id=f"dir-{index % 3 + 1}" if index % 2 == 0 else None,
                    failed_items=1 if status == "failed" or index % 5 == 4 else 0,
                    skipped_items=1 if index % 4 == 3 else 0,
                    outcome="failed" if status == "failed" else "completed",
                    created_at=now - datetime.timedelta(minutes=n - index),
                )
            )
        return ids

    def add_batch(
        self,
        *,
        status: str = "PENDING",
        source_directory_id: str | None = None,
        files: int | Sequence[str] | None = None,
        job_type: str = "parse_v2",
        config: Mapping[str, Any] | None = None,
        project_id: str | None = None,
        failed_files: int = 0,
        outcome: BatchOutcome = "COMPLETED",
        throttled_ticks: int = 1,
        created_at: datetime.datetime | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> str:
        """Adds a batch (v2) and returns its ID.

        The batch processes the files of `source_directory_id` (registered with
        add_directory, or made up with `default_directory_size` files); `files`, a count or a
        list of names, registers that directory (a new one without an ID) with these files.
        `config` defaults to `job_type` with a preset. The last `failed_files` files get an
        error instead of a job; `outcome="FAILED"` ends the batch FAILED. It stays THROTTLED
        for `throttled_ticks` ticks (0 skips it). `status` other than PENDING drives it there at
        once (RUNNING: about half its files done). `extra` is merged into the batch as the API
        shows it, as for add_job.
        """
        batch_id = self.store.add_batch(
            source_directory_id=source_directory_id,
            files=files,
            job_type=job_type,
            config=config,
            project_id=project_id,
            failed_files=failed_files,
            outcome=outcome,
            throttled_ticks=throttled_ticks,
            created_at=created_at,
            extra=extra,
        )
        self.store.set_batch_status(batch_id, status)
        return batch_id

    def seed_batches(self, n: int = 10) -> list[str]:
        """Adds `n` varied batches (statuses, job types, three directories, a failed file now and
        then), created a second apart, oldest first; returns their IDs in that order. Cheap
        enough for 10,000."""
        ids = []
        now = self.store.now
        for index in range(n):
            status = _SEED_BATCH_STATUSES[index % len(_SEED_BATCH_STATUSES)]
            ids.append(
                self.add_batch(
                    status=status,
                    source_directory_id=f"dir-{index % 3 + 1}",
                    job_type=BATCH_JOB_TYPES[index % len(BATCH_JOB_TYPES)],
                    failed_files=1 if index % 5 == 4 else 0,
                    outcome="FAILED" if status == "FAILED" else "COMPLETED",
                    created_at=now - datetime.timedelta(seconds=n - index),
                )
            )
        return ids

    def add_directory(self, directory_id: str, names: Sequence[str]) -> list[str]:
        """Registers a directory holding these file names (replacing any it held); returns the
        files' IDs (the beta's item IDs, a batch's `source_directory_file_id`)."""
        return self.store.add_directory(directory_id, names)

    def tick(self, count: int = 1) -> None:
        """Moves every active job `count` steps (and the clock by `count` * tick_seconds)."""
        self.store.tick(count)

    def advance(self, seconds: float) -> int:
        """Moves the clock; returns the number of ticks that fell due."""
        return self.store.advance(seconds)

    def run_until_idle(self, max_ticks: int = 1000) -> int:
        """Ticks until no job or batch can move on; returns the ticks taken."""
        for taken in range(max_ticks + 1):
            if not self.store.active():
                return taken
            self.store.tick()
        raise RuntimeError(f"jobs or batches still active after {max_ticks} ticks")

    def job(self, job_id: str) -> dict[str, Any]:
        """The job as the API shows it."""
        return self.store.job(job_id)

    def jobs(self) -> list[dict[str, Any]]:
        """Every job as the API shows it, newest first."""
        page = self.store.list_jobs(limit=max(1, len(self.store.job_ids())))
        jobs: list[dict[str, Any]] = page["items"]
        return jobs

    def items(self, job_id: str) -> list[dict[str, Any]]:
        """The job's items as the API shows them, in order."""
        page = self.store.list_items(job_id, limit=max(1, len(self.store.item_ids(job_id))))
        items: list[dict[str, Any]] = page["items"]
        return items

    def batch(self, batch_id: str) -> dict[str, Any]:
        """The batch as the API shows it with ``expand=results``."""
        return self.store.batch(batch_id, expand_results=True)

    def batches(self) -> list[dict[str, Any]]:
        """Every batch as the API lists it, newest first."""
        return self.store.all_batches()

    # ----- faults and records --------------------------------------------------------------

    def inject(
        self,
        fault: Fault,
        times: int = 1,
        *,
        method: str | None = None,
        path: str | None = None,
        operation: str | None = None,
    ) -> ScheduledFault:
        """Applies `fault` to the next `times` requests that match (all by default).

        `path` is a shell-style pattern over the raw path with its query, e.g.
        ``"/api/v2/batches/*/cancel*"``. `operation` names an operation of the spec by its
        operationId (``getBatch``) or as the client's errors and logs print it (``get_batch``);
        case and underscores do not count. Any other name raises ValueError listing the valid
        ones.
        """
        operation_id = None
        if operation is not None:
            operation_id = self.app.spec.operation_named(operation).operation_id
        return self.faults.add(ScheduledFault(fault, times, method, path, operation_id))

    def clear_faults(self) -> None:
        self.faults.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        """The requests received so far, in arrival order (a copy): the last
        `max_recorded_requests` (default 1000), bodies of refused ones left out."""
        with self.app.lock:
            return list(self.app.requests)

    def requests_for(self, operation: str) -> list[RecordedRequest]:
        """The recorded requests of one operation, named as for inject()."""
        operation_id = self.app.spec.operation_named(operation).operation_id
        return [r for r in self.requests if r.operation_id == operation_id]

    def clear_requests(self) -> None:
        with self.app.lock:
            self.app.requests.clear()

    @property
    def violations(self) -> list[SpecViolation]:
        """Answers refused (sent as 500) because they did not match the spec."""
        with self.app.lock:
            return list(self.app.violations)

    @property
    def errors(self) -> list[str]:
        """Tracebacks of requests the server itself failed on (sent as 500)."""
        with self.app.lock:
            return list(self.app.errors)

    def assert_no_violations(self) -> None:
        """Raises AssertionError if the server refused an answer or failed on a request."""
        problems = [str(v) for v in self.violations] + self.errors
        if problems:
            raise AssertionError("the local batch server went wrong:\n" + "\n".join(problems))
