# Copied by generator/generate.py from overrides/llama_cloud_batch/testing/_app.py. Edit it there.
"""What the local server answers: routing, auth, request and response validation, the operations.

Independent of the socket layer: `App.handle` takes a parsed request and returns the reply to
send (or a request to drop the connection), so the HTTP handler stays a thin shell.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .._redact import MAX_BODY_DEPTH, depth
from ._faults import Fault, FaultPlan
from ._spec import Operation, Problem, Spec, coerce_parameter, problems_from_errors
from ._store import NotFound, Store

logger = logging.getLogger("llama_cloud_batch.testing")

JSON = "application/json"
MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_RECORDED_REQUESTS = 1000


@dataclass
class RecordedRequest:
    """One request as the server received it; the Authorization value is never kept, nor the
    body of a request refused before it reached an operation (no valid key, no such route)."""

    method: str
    raw_path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    operation_id: str | None
    authorized: bool
    fault: str | None = None
    status: int | None = None  # None while it is being answered, and for dropped connections

    @property
    def path(self) -> str:
        """The path without its query string, still percent-encoded as it was sent."""
        return urlsplit(self.raw_path).path

    def json(self) -> Any:
        """The body, decoded (None when there was none)."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class SpecViolation:
    """An answer the server refused to send because it does not match the spec."""

    operation_id: str
    status: int
    errors: tuple[str, ...]
    body: Any

    def __str__(self) -> str:
        return f"{self.operation_id} -> {self.status}: " + "; ".join(self.errors)


@dataclass(frozen=True)
class Request:
    method: str
    raw_path: str
    headers: Mapping[str, str]  # lower-cased names
    body: bytes


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


class _Answer(Exception):
    """Ends handling early with this status and JSON body (401, 404, 405, 422)."""

    def __init__(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class _Call:
    """A routed request: its operation and its decoded, validated inputs."""

    operation: Operation
    path: dict[str, str]
    query: dict[str, Any]
    body: Any


class App:
    """The batch-processing API over a Store, checked against a Spec."""

    def __init__(
        self,
        store: Store,
        spec: Spec,
        api_key: str,
        faults: FaultPlan,
        wait: Callable[[float], bool],
        max_recorded_requests: int = DEFAULT_MAX_RECORDED_REQUESTS,
    ) -> None:
        self.store = store
        self.spec = spec
        self._api_key = api_key
        self.faults = faults
        self._wait = wait  # sleeps up to n seconds; True when the server is stopping
        self.lock = threading.Lock()
        self._count = 0
        # The most recent requests only, so a long-running server's memory stays bounded.
        self.requests: deque[RecordedRequest] = deque(maxlen=max_recorded_requests)
        self.violations: list[SpecViolation] = []
        self.errors: list[str] = []

    # ----- entry point ---------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        split = urlsplit(request.raw_path)
        operation, path_args, allowed = self._route(request.method, split.path)
        record = self._record(request, split.query, operation)
        fault = self.faults.take(request.method, request.raw_path, record.operation_id)
        record.fault = None if fault is None else fault.kind
        reply = self._answer(request, split.query, operation, path_args, allowed, fault)
        reply.headers.setdefault("x-request-id", f"req-local-{self._next_number()}")
        record.status = None if reply.drop else reply.status
        return reply

    def _answer(
        self,
        request: Request,
        query: str,
        operation: Operation | None,
        path_args: dict[str, str],
        allowed: list[str],
        fault: Fault | None,
    ) -> Reply:
        if fault is not None and fault.kind == "drop":
            return Reply(0, drop=True)
        if fault is not None and fault.kind == "status":
            headers = {"content-type": JSON}
            if fault.retry_after is not None:
                headers["retry-after"] = fault.retry_after
            return Reply(fault.status, fault.body, headers)
        if fault is not None and fault.kind == "not_json":
            return Reply(fault.status, fault.body, {"content-type": fault.content_type})
        if fault is not None and fault.kind == "hang" and self._wait(fault.seconds):
            return Reply(0, drop=True)  # the server is stopping: nobody waits for this answer
        try:
            status, body, headers = self._dispatch(request, query, operation, path_args, allowed)
        except Exception:  # a bug in the server itself: report it, never hide it
            text = traceback.format_exc()
            logger.error("local server error:\n%s", text)
            with self.lock:
                self.errors.append(text)
            detail = "The local batch server failed; see BatchServer.errors."
            return _json_reply(500, {"detail": detail})
        if operation is not None:
            problems = self._response_problems(operation, status, body)
            if problems:
                violation = SpecViolation(operation.operation_id, status, tuple(problems), body)
                logger.error("refused an answer that breaks the spec: %s", violation)
                with self.lock:
                    self.violations.append(violation)
                detail = (
                    f"The local batch server refused an answer that breaks the spec: {violation}"
                )
                return _json_reply(500, {"detail": detail})
        if fault is not None:
            body = fault.transform(body)  # past validation on purpose: breaking it is the point
        return _json_reply(status, body, headers)

    # ----- bookkeeping ---------------------------------------------------------------------

    def _next_number(self) -> int:
        with self.lock:
            self._count += 1
            return self._count

    def _record(self, request: Request, query: str, operation: Operation | None) -> RecordedRequest:
        headers = dict(request.headers)
        if "authorization" in headers:
            # Keep the scheme so tests can check it; a value without one is all secret.
            scheme, separator, _ = headers["authorization"].partition(" ")
            known = separator and scheme.lower() in {"bearer", "basic", "token"}
            headers["authorization"] = f"{scheme} [redacted]" if known else "[redacted]"
        authorized = self._authorized(request.headers)
        record = RecordedRequest(
            method=request.method,
            raw_path=request.raw_path,
            query=parse_qs(query, keep_blank_values=True),
            headers=headers,
            body=request.body if authorized and operation is not None else b"",
            operation_id=None if operation is None else operation.operation_id,
            authorized=authorized,
        )
        with self.lock:
            self.requests.append(record)
        return record

    def _authorized(self, headers: Mapping[str, str]) -> bool:
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and token.strip() == self._api_key

    # ----- routing and validation ----------------------------------------------------------

    def _route(self, method: str, raw: str) -> tuple[Operation | None, dict[str, str], list[str]]:
        # Split before decoding: an ID holding "/" arrives as %2F and stays one segment.
        segments = raw.removeprefix("/").split("/")
        allowed = []
        for operation in self.spec.operations:
            args = _match(operation.segments, segments)
            if args is None:
                continue
            if operation.method == method:
                return operation, args, []
            allowed.append(operation.method)
        return None, {}, allowed

    def _dispatch(
        self,
        request: Request,
        query: str,
        operation: Operation | None,
        path_args: dict[str, str],
        allowed: list[str],
    ) -> tuple[int, Any, dict[str, str]]:
        try:
            if operation is None:
                if allowed:
                    headers = {"allow": ", ".join(sorted(allowed))}
                    raise _Answer(405, {"detail": "Method Not Allowed"}, headers)
                raise _Answer(404, {"detail": "Not Found"})
            if not self._authorized(request.headers):
                detail = "Invalid API key." if "authorization" in request.headers else None
                raise _Answer(
                    401, {"detail": detail or "Not authenticated"}, {"www-authenticate": "Bearer"}
                )
            call = self._validate(operation, request, query, path_args)
            return 200, self._operate(call), {}
        except _Answer as answer:
            return answer.status, answer.body, answer.headers
        except NotFound as missing:
            return 404, {"detail": str(missing)}, {}

    def _validate(
        self, operation: Operation, request: Request, query: str, path_args: dict[str, str]
    ) -> _Call:
        raw_query = {name: values[-1] for name, values in parse_qs(query, True).items()}
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        for parameter in operation.parameters:
            if parameter.location == "path":
                raw: str | None = path_args.get(parameter.name)
            elif parameter.location == "header":
                raw = request.headers.get(parameter.name.lower())
            else:
                raw = raw_query.get(parameter.name)
            if raw is None:
                if parameter.required:
                    loc = (parameter.location, parameter.name)
                    problems.append(Problem(loc, "Field required", "missing"))
                continue
            value, found = coerce_parameter(self.spec, parameter, raw)
            problems.extend(found)
            values[parameter.name] = value
        # Strict on purpose: a client sending a parameter the spec does not have (a misspelt
        # filter, a page token) would be silently ignored by a lenient server.
        known = {p.name for p in operation.parameters if p.location == "query"}
        problems.extend(
            Problem(("query", name), "Extra inputs are not permitted", "extra_forbidden")
            for name in raw_query
            if name not in known
        )
        body = None
        if operation.body_schema is not None:
            body, found = self._body(operation, request)
            problems.extend(found)
        if not problems and operation.operation_id == "createBatchJob" and isinstance(body, dict):
            given = [name for name in ("directory_id", "item_ids") if body.get(name) is not None]
            if len(given) != 1:
                message = "Give exactly one of directory_id and item_ids."
                problems.append(Problem(("body",), message, "value_error"))
        if problems:
            raise _Answer(422, {"detail": [problem.to_json() for problem in problems]})
        return _Call(operation, path_args, values, body)

    def _body(self, operation: Operation, request: Request) -> tuple[Any, list[Problem]]:
        assert operation.body_schema is not None
        if not request.body.strip():
            if operation.body_required:
                return None, [Problem(("body",), "Field required", "missing")]
            return None, []
        content_type = request.headers.get("content-type", JSON).split(";")[0].strip().lower()
        if content_type != JSON and not content_type.endswith("+json"):
            message = f"Expected a JSON body (application/json), got {content_type!r}."
            return None, [Problem(("body",), message, "content_type")]
        try:
            body = json.loads(request.body, parse_constant=_refuse_constant)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            position = error.pos if isinstance(error, json.JSONDecodeError) else error.start
            return None, [Problem(("body", position), "JSON decode error", "json_invalid")]
        except (ValueError, RecursionError) as error:
            # NaN/Infinity, an integer past Python's digit limit, or nesting past the parser's.
            message = f"JSON decode error: {error}" if isinstance(error, ValueError) else ""
            return None, [Problem(("body",), message or "JSON nests too deeply", "json_invalid")]
        # Deeper request bodies are refused: no request of the API nests anywhere near this,
        # and validating an arbitrarily deep one would recurse until RecursionError.
        if depth(body) > MAX_BODY_DEPTH:
            message = f"JSON nests deeper than {MAX_BODY_DEPTH} levels"
            return None, [Problem(("body",), message, "json_invalid")]
        errors = self.spec.errors(operation.body_schema, body)
        return body, problems_from_errors(errors, ("body",))

    def _response_problems(self, operation: Operation, status: int, body: Any) -> list[str]:
        if str(status) not in operation.responses:
            return [f"status {status} is not a documented answer of {operation.operation_id}"]
        schema = operation.responses[str(status)]
        if schema is None:
            return []
        return [
            f"at {'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in self.spec.errors(schema, body)
        ]

    # ----- the six operations --------------------------------------------------------------

    def _operate(self, call: _Call) -> Any:
        query = call.query
        project = query.get("project_id")
        match call.operation.operation_id:
            case "listBatchJobs":
                return self.store.list_jobs(
                    directory_id=query.get("directory_id"),
                    job_type=query.get("job_type"),
                    status=query.get("status"),
                    project_id=project,
                    limit=query.get("limit"),
                    offset=query.get("offset"),
                )
            case "createBatchJob":
                return self.store.create_job(
                    job_type=self._job_type(call.body["job_config"]),
                    job_config=call.body["job_config"],
                    directory_id=call.body.get("directory_id"),
                    item_ids=call.body.get("item_ids"),
                    project_id=project,
                )
            case "getBatchJobStatus":
                return self.store.job_progress(call.path["job_id"], project)
            case "cancelBatchJob":
                reason = (call.body or {}).get("reason")
                return self.store.cancel(call.path["job_id"], reason, project)
            case "listBatchJobItems":
                return self.store.list_items(
                    call.path["job_id"],
                    status=query.get("status"),
                    project_id=project,
                    limit=query.get("limit"),
                    offset=query.get("offset"),
                )
            case "getItemProcessingResults":
                return self.store.processing_results(call.path["item_id"], query.get("job_type"))
        raise NotImplementedError(call.operation.operation_id)

    def _job_type(self, job_config: Any) -> str:
        # The body carries no job type: a config that is a whole classify job means classify.
        classify = self.spec.component("ClassifyJobParam")
        return "parse" if self.spec.errors(classify, job_config) else "classify"


def _match(pattern: tuple[str, ...], segments: list[str]) -> dict[str, str] | None:
    if len(pattern) != len(segments):
        return None
    args = {}
    for expected, actual in zip(pattern, segments, strict=True):
        if expected.startswith("{") and expected.endswith("}"):
            args[expected[1:-1]] = unquote(actual)
        elif expected != actual:
            return None
    return args


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_reply(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Reply:
    # allow_nan=False: a bare NaN is not JSON; sending one would be a bug to surface, not hide.
    data = json.dumps(body, separators=(",", ":"), allow_nan=False).encode()
    return Reply(status, data, {"content-type": JSON, **dict(headers or {})})
