"""A fast local server for the two listings the benchmark walks, run as a process of its own.

    GET /<shape>/api/v1/beta/batch-processing?limit=&offset=   pages of beta batch jobs
    GET /<shape>/api/v2/batches?page_size=&page_token=         cursor pages of v2 batches

`<shape>` is one of data.SHAPES: a client's base URL is the server's address plus the shape, so
one process serves every shape. It exists to feed the benchmark and must stay off its figures:
each entry is JSON-encoded once at start-up, each whole response (status line, headers, body)
once per request target and then served from a dict, only the request line is parsed, and added
latency is a timer rather than a sleeping thread. One asyncio process listens on two 127.0.0.1
ports: "fast" answers at once, "slow" after the configured latency (requests in flight overlap,
as on a real network).

    python -m benchmarks.server --jobs 10000 --latency-ms 20 --shapes realistic,filled

prints {"fast": PORT, "slow": PORT, "jobs": N} on one line, then serves until its stdin closes
or --lifetime seconds have passed, whichever comes first. Filters other than the paging ones
are ignored: every listing is the whole catalogue. A shape whose servers leave nulls out
(`omitted`, `realistic`) leaves out the last page's null `next_page_token` too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .data import BATCHES_PATH, LIST_PATH, SHAPES, make_batch, make_job

DEFAULT_LIMIT = 50
# Request targets whose responses are kept; a bound, so odd query strings cannot grow it for ever.
_CACHE_LIMIT = 8192
# A request head larger than this is refused (the clients send a few hundred bytes).
_MAX_HEAD = 16384
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 422: "Unprocessable Entity"}


def _response(status: int, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {_REASONS[status]}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    )
    return head.encode("ascii") + body


def _json_response(status: int, payload: Any) -> bytes:
    return _response(status, json.dumps(payload, separators=(",", ":")).encode())


class _InvalidParameter(ValueError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _int_parameter(query: dict[str, list[str]], name: str, default: int, minimum: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        value = int(values[-1])
    except ValueError:
        raise _InvalidParameter(name, "Input should be a valid integer") from None
    if value < minimum:
        raise _InvalidParameter(name, f"Input should be greater than or equal to {minimum}")
    return value


class _Listing:
    """One shape's entries of one listing, each encoded once."""

    def __init__(self, encoded: list[bytes], omit_nulls: bool) -> None:
        self.encoded = encoded
        self.omit_nulls = omit_nulls

    def body(self, offset: int, limit: int, token: str | None, total: bool) -> bytes:
        """A page: the entries from `offset`, the next page's token (`token`), and with
        `total` the listing's size (BatchJobPage's total_size)."""
        items = self.encoded[offset : offset + limit]
        parts = [b'{"items":[', b",".join(items), b"]"]
        if token is not None or not self.omit_nulls:
            parts += [b',"next_page_token":', json.dumps(token).encode()]
        if total:
            parts += [b',"total_size":', str(len(self.encoded)).encode()]
        parts.append(b"}")
        return b"".join(parts)


class Catalog:
    """The listings of each shape, with the encoded response of every request target asked for
    so far."""

    def __init__(self, jobs: int, shapes: Sequence[str] = SHAPES) -> None:
        self.total = jobs

        def encoded(make: Callable[[int, str], dict[str, Any]], shape: str) -> list[bytes]:
            return [json.dumps(make(i, shape), separators=(",", ":")).encode() for i in range(jobs)]

        omit = {"omitted", "realistic"}
        self._jobs = {shape: _Listing(encoded(make_job, shape), shape in omit) for shape in shapes}
        self._batches = {
            shape: _Listing(encoded(make_batch, shape), shape in omit) for shape in shapes
        }
        self._responses: dict[bytes, bytes] = {}

    def respond(self, target: bytes) -> bytes:
        """The whole HTTP response to GET `target`."""
        response = self._responses.get(target)
        if response is None:
            response = self._answer(target.decode("latin-1"))
            if len(self._responses) < _CACHE_LIMIT:
                self._responses[target] = response
        return response

    def page_body(self, offset: int, limit: int, shape: str = "filled") -> bytes:
        """The JSON body of one page of jobs: the API's BatchJobPage."""
        end = min(offset + limit, self.total)
        token = f"offset-{end}" if end < self.total else None
        return self._jobs[shape].body(offset, limit, token, total=True)

    def _answer(self, target: str) -> bytes:
        parts = urlsplit(target)
        # "/<shape>/api/...": the shape, then the API's own path.
        shape, _, path = parts.path.removeprefix("/").partition("/")
        path = "/" + path
        if path == LIST_PATH and shape in self._jobs:
            return self._jobs_page(shape, parse_qs(parts.query))
        if path == BATCHES_PATH and shape in self._batches:
            return self._batches_page(shape, parse_qs(parts.query))
        return _json_response(404, {"detail": "Not Found"})

    def _jobs_page(self, shape: str, query: dict[str, list[str]]) -> bytes:
        try:
            limit = _int_parameter(query, "limit", DEFAULT_LIMIT, 1)
            offset = _int_parameter(query, "offset", 0, 0)
        except _InvalidParameter as error:
            return _invalid(error)
        return _response(200, self.page_body(offset, limit, shape))

    def _batches_page(self, shape: str, query: dict[str, list[str]]) -> bytes:
        try:
            size = _int_parameter(query, "page_size", DEFAULT_LIMIT, 1)
            offset = _token_offset(query)
        except _InvalidParameter as error:
            return _invalid(error)
        end = offset + size
        token = f"{_CURSOR}{end}" if end < self.total else None
        return _response(200, self._batches[shape].body(offset, size, token, total=False))


# The cursor's form: the offset it stands for, which only this server reads.
_CURSOR = "after-"


def _token_offset(query: dict[str, list[str]]) -> int:
    values = query.get("page_token")
    if not values:
        return 0
    token = values[-1]
    offset = token.removeprefix(_CURSOR)
    if offset == token or not offset.isdigit():
        raise _InvalidParameter("page_token", "Unknown page token")
    return int(offset)


def _invalid(error: _InvalidParameter) -> bytes:
    detail = [{"loc": ["query", error.name], "msg": str(error), "type": "value_error"}]
    return _json_response(422, {"detail": detail})


class _Connection(asyncio.Protocol):
    """One client connection: HTTP/1.1 keep-alive, GET only, no request bodies."""

    def __init__(self, catalog: Catalog, latency: float) -> None:
        self._catalog = catalog
        self._latency = latency
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\r\n\r\n")) >= 0:
            head = bytes(self._buffer[:end])
            del self._buffer[: end + 4]
            self._handle(head)
        if len(self._buffer) > _MAX_HEAD:
            self._send(_json_response(405, {"detail": "request head too large"}), close=True)

    def _handle(self, head: bytes) -> None:
        request_line, _, headers = head.partition(b"\r\n")
        method, _, rest = request_line.partition(b" ")
        target, _, _version = rest.partition(b" ")
        if method != b"GET" or b"content-length:" in headers.lower():
            # Nothing here reads a body; refusing and closing keeps the byte stream in step.
            self._send(_json_response(405, {"detail": "only GET is served"}), close=True)
            return
        close = b"connection: close" in headers.lower()
        response = self._catalog.respond(target)
        if self._latency > 0:
            asyncio.get_running_loop().call_later(self._latency, self._send, response, close)
        else:
            self._send(response, close)

    def _send(self, response: bytes, close: bool) -> None:
        transport = self._transport
        if transport is None or transport.is_closing():
            return
        transport.write(response)
        if close:
            transport.close()


def _stop_on_eof(loop: asyncio.AbstractEventLoop, stop: asyncio.Future[None]) -> None:
    # The parent keeps our stdin open; when it exits or closes it, read() returns.
    sys.stdin.buffer.read()
    with contextlib.suppress(RuntimeError):  # the loop may be closed already
        loop.call_soon_threadsafe(_resolve, stop)


def _resolve(stop: asyncio.Future[None]) -> None:
    if not stop.done():
        stop.set_result(None)


async def serve(jobs: int, latency: float, lifetime: float, shapes: Sequence[str]) -> None:
    """Serves the catalogue on two ports until stdin closes or `lifetime` seconds pass."""
    catalog = Catalog(jobs, shapes)
    loop = asyncio.get_running_loop()
    fast = await loop.create_server(lambda: _Connection(catalog, 0.0), "127.0.0.1", 0)
    slow = await loop.create_server(lambda: _Connection(catalog, latency), "127.0.0.1", 0)
    ports = {
        "fast": fast.sockets[0].getsockname()[1],
        "slow": slow.sockets[0].getsockname()[1],
        "jobs": jobs,
    }
    print(json.dumps(ports), flush=True)
    stop: asyncio.Future[None] = loop.create_future()
    threading.Thread(target=_stop_on_eof, args=(loop, stop), daemon=True).start()
    try:
        await asyncio.wait_for(stop, lifetime)
    except TimeoutError:
        pass
    finally:
        for server in (fast, slow):
            server.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--latency-ms", type=float, default=20.0, help="added on the slow port")
    parser.add_argument("--lifetime", type=float, default=900.0, help="seconds before it stops")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="the data shapes to serve")
    args = parser.parse_args(argv)
    shapes = args.shapes.split(",")
    unknown = set(shapes) - set(SHAPES)
    if unknown:
        parser.error(f"no such data shape: {', '.join(sorted(unknown))}")
    asyncio.run(serve(args.jobs, args.latency_ms / 1000, args.lifetime, shapes))


if __name__ == "__main__":
    main()
