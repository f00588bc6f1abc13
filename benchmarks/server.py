"""A fast local server for GET /api/v1/beta/batch-processing, run as a process of its own.

It exists to feed the benchmark and must stay off its figures: each job is JSON-encoded once at
start-up, each whole response (status line, headers, body) once per request target and then
served from a dict, only the request line is parsed, and added latency is a timer rather than a
sleeping thread. One asyncio process listens on two 127.0.0.1 ports: "fast" answers at once,
"slow" after the configured latency (requests in flight overlap, as on a real network).

    python -m benchmarks.server --jobs 10000 --latency-ms 20

prints {"fast": PORT, "slow": PORT, "jobs": N} on one line, then serves until its stdin closes
or --lifetime seconds have passed, whichever comes first. Filters other than limit and offset
are ignored: every listing is the whole catalogue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .data import LIST_PATH, make_job

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


class Catalog:
    """The listing, with the encoded response of every request target asked for so far."""

    def __init__(self, jobs: int) -> None:
        self.total = jobs
        self._encoded = [
            json.dumps(make_job(index), separators=(",", ":")).encode() for index in range(jobs)
        ]
        self._responses: dict[bytes, bytes] = {}

    def respond(self, target: bytes) -> bytes:
        """The whole HTTP response to GET `target`."""
        response = self._responses.get(target)
        if response is None:
            response = self._answer(target.decode("latin-1"))
            if len(self._responses) < _CACHE_LIMIT:
                self._responses[target] = response
        return response

    def page_body(self, offset: int, limit: int) -> bytes:
        """The JSON body of one page: the API's BatchJobPage."""
        items = self._encoded[offset : offset + limit]
        end = min(offset, self.total) + len(items)
        token = json.dumps(f"offset-{end}").encode() if end < self.total else b"null"
        return b"".join(
            (
                b'{"items":[',
                b",".join(items),
                b'],"next_page_token":',
                token,
                b',"total_size":',
                str(self.total).encode(),
                b"}",
            )
        )

    def _answer(self, target: str) -> bytes:
        parts = urlsplit(target)
        if parts.path != LIST_PATH:
            return _json_response(404, {"detail": "Not Found"})
        query = parse_qs(parts.query)
        try:
            limit = _int_parameter(query, "limit", DEFAULT_LIMIT, 1)
            offset = _int_parameter(query, "offset", 0, 0)
        except _InvalidParameter as error:
            detail = [{"loc": ["query", error.name], "msg": str(error), "type": "value_error"}]
            return _json_response(422, {"detail": detail})
        return _response(200, self.page_body(offset, limit))


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


async def serve(jobs: int, latency: float, lifetime: float) -> None:
    """Serves the catalogue on two ports until stdin closes or `lifetime` seconds pass."""
    catalog = Catalog(jobs)
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
    args = parser.parse_args(argv)
    asyncio.run(serve(args.jobs, args.latency_ms / 1000, args.lifetime))


if __name__ == "__main__":
    main()
