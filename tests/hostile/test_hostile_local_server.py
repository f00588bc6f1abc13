"""The local server (llama_cloud_batch.testing) under a hostile client: odd chunk sizes, floods
of requests, deep or huge or NaN bodies, and its speed on kept-alive connections."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from llama_cloud_batch.testing import BatchServer

KEY = "local-key"
JOBS = "/api/v1/beta/batch-processing"
AUTH = {"Authorization": f"Bearer {KEY}"}
CONFIG = {"job_name": "parse_raw_file_job", "parameters": {"type": "parse", "lang": "en"}}


@pytest.fixture
def server() -> Iterator[BatchServer]:
    with BatchServer(api_key=KEY) as started:
        yield started
    assert started.errors == []


@pytest.fixture
def http(server: BatchServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=5.0) as client:
        yield client


def _raw(server: BatchServer, data: bytes) -> bytes:
    """Sends raw bytes and returns the first answer's head (the socket times out at 5 s)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=5.0) as sock:
        sock.sendall(data)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


# ----- chunked bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "status"),
    [
        (b"-1", b"400"),
        (b"-ffff", b"400"),
        (b"0x10", b"400"),
        (b"1_0", b"400"),
        (b"ffffffffffffffff", b"400"),
        (b"fffffff", b"413"),
    ],
)
def test_a_chunk_size_that_is_negative_or_huge_cannot_bypass_the_body_limit(
    server: BatchServer, size: bytes, status: bytes
) -> None:
    head = (
        f"POST {JOBS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode()
    # The connection stays open after the chunk: a server reading "to the end" would wait.
    answer = _raw(server, head + size + b"\r\n" + b"x" * 65536)
    assert answer.split(b" ")[1] == status, answer[:100]
    assert server.store.job_ids() == []


# ----- what is recorded ------------------------------------------------------------------------


def test_the_record_of_requests_is_bounded() -> None:
    with BatchServer(api_key=KEY, max_recorded_requests=5) as server:
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=5.0) as http:
            for offset in range(20):
                http.get(JOBS, params={"offset": offset})
        recorded = server.requests
    assert [r.query["offset"] for r in recorded] == [[str(n)] for n in range(15, 20)]


def test_bodies_of_refused_requests_are_not_recorded(server: BatchServer) -> None:
    body = json.dumps({"job_config": CONFIG, "directory_id": "dir-1", "pad": "p" * 10_000})
    headers = {"content-type": "application/json"}
    httpx.post(server.url + JOBS, content=body, headers=headers)  # no key
    httpx.post(server.url + JOBS, content=body, headers={**headers, "Authorization": "Bearer no"})
    httpx.post(server.url + "/nowhere", content=body, headers={**headers, **AUTH})
    recorded = server.requests
    assert [r.authorized for r in recorded] == [False, False, True]
    assert [r.body for r in recorded] == [b"", b"", b""]
    httpx.post(server.url + JOBS, content=body, headers={**headers, **AUTH})
    assert server.requests[-1].body == body.encode()


# ----- bodies and parameters a parser chokes on ------------------------------------------------


def _create(http: httpx.Client, body: bytes) -> httpx.Response:
    return http.post(JOBS, content=body, headers={"content-type": "application/json"})


@pytest.mark.parametrize("levels", [100, 900, 100_000])
def test_a_deeply_nested_body_is_a_client_error(http: httpx.Client, levels: int) -> None:
    body = b'{"job_config":' + b"[" * levels + b"]" * levels + b', "directory_id": "dir-1"}'
    answer = _create(http, body)
    assert 400 <= answer.status_code < 500, answer.text[:200]


def test_a_5000_digit_integer_in_a_body_is_a_client_error(http: httpx.Client) -> None:
    config = json.dumps(CONFIG).encode()
    body = b'{"job_config":' + config + b', "directory_id": "d", "continue_as_new_threshold": '
    answer = _create(http, body + b"9" * 5000 + b"}")
    assert 400 <= answer.status_code < 500, answer.text[:200]


@pytest.mark.parametrize("name", ["limit", "offset"])
def test_a_5000_digit_integer_parameter_is_a_client_error(http: httpx.Client, name: str) -> None:
    answer = http.get(JOBS, params={name: "9" * 5000})
    assert answer.status_code == 422, answer.text[:200]


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_body_with_nan_is_refused_and_never_answered_back(
    server: BatchServer, http: httpx.Client, constant: str
) -> None:
    config = json.dumps(CONFIG)[:-2] + f', "x": {constant}' + "}}"
    body = f'{{"job_config": {config}, "directory_id": "dir-1"}}'.encode()
    answer = _create(http, body)
    assert answer.status_code == 422, answer.text[:200]
    listing = http.get(JOBS)
    json.loads(listing.content, parse_constant=lambda name: pytest.fail(f"answered {name}"))
    assert server.store.job_ids() == []


# ----- kept-alive connections --------------------------------------------------------------------


def test_each_answer_on_a_kept_alive_connection_arrives_in_one_piece(server: BatchServer) -> None:
    # Head and body written apart wait for the client's delayed ACK (Nagle): ~40 ms a request.
    request = f"GET {JOBS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5.0) as sock:
        for _ in range(4):
            sock.sendall(request)
            first = sock.recv(1 << 20)
            head, _, body = first.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            assert len(body) == length, head
