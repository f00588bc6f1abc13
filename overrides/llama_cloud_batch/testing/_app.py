"""What the local server answers: routing, auth, request and response validation, the operations.

Independent of the socket layer: `App.handle` takes a parsed request and returns the reply to
send (or a request to drop the connection), so the HTTP handler stays a thin shell.

Everything but the answers themselves comes from the spec, for every operation it has, with no
code per operation: routes (404, 405 with Allow), the key (401), the request's parameters and
body (422), the answer's check against its schema, faults and the request record. An answer
comes from the operation's handler (the table in `App._handlers`), which names the inputs it
honours. An operation without a handler, or a request sending an input its handler does not
honour, gets a 501 whose detail names the operation (and the input) rather than a made-up
answer or an input silently ignored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote, urlencode, urlsplit

from .._redact import MAX_BODY_DEPTH, depth
from ._faults import PAGE_TOKEN, Fault, FaultPlan
from ._spec import (
    Operation,
    Problem,
    Spec,
    coerce_parameter,
    parse_date_time,
    problems_from_errors,
)
from ._store import InvalidInput, NotFound, Store

logger = logging.getLogger("llama_cloud_batch.testing")

JSON = "application/json"
MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_RECORDED_REQUESTS = 1000
# The local server's own answer to what it cannot answer truthfully: never a spec violation.
NOT_IMPLEMENTED = 501
# How many answers known to conform are remembered (16 bytes each) before starting afresh.
MAX_REMEMBERED_ANSWERS = 100_000


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
    query: dict[str, Any]  # every parameter given, as its schema's type, by the spec's name
    body: Any
    # The query and header parameters sent, and the top-level body properties the spec lists.
    inputs: frozenset[str]


@dataclass(frozen=True)
class _Handler:
    """How the local server answers one operation: `run` makes the answer's body from the
    validated call; `reads` names every query, header and body input it honours."""

    run: Callable[[_Call], Any]
    reads: frozenset[str]


# Accepted by every operation. One organization: organization_id filters nothing; project_id
# picks the project (jobs and batches made without one are in DEFAULT_PROJECT_ID).
_SCOPE = frozenset({"organization_id", "project_id"})


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
        self.handlers = self._handlers()
        self._conforming: set[bytes] = set()  # digests of answers that matched the spec

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
        asked = parse_qs(query, keep_blank_values=True)
        if fault is not None and fault.kind == "ignore_page_token":
            pairs = parse_qsl(query, keep_blank_values=True)
            query = urlencode([(name, value) for name, value in pairs if name != PAGE_TOKEN])
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
            # Past validation on purpose: breaking the answer is the point.
            body = fault.transform(body, asked)
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
            return 200, self._handler(call).run(call), {}
        except _Answer as answer:
            return answer.status, answer.body, answer.headers
        except NotFound as missing:
            return 404, {"detail": str(missing)}, {}
        except InvalidInput as invalid:
            problem = Problem(invalid.loc, str(invalid), "value_error")
            return 422, {"detail": [problem.to_json()]}, {}

    def _handler(self, call: _Call) -> _Handler:
        """The handler that answers the call; a 501 naming what has no local implementation."""
        operation = call.operation
        where = f"{operation.operation_id} ({operation.method} {operation.path})"
        handler = self.handlers.get(operation.operation_id)
        if handler is None:
            detail = (
                f"{where} has no local implementation: the spec has the operation, the local "
                "server (llama_cloud_batch.testing) does not answer it yet."
            )
            logger.warning("%s", detail)
            raise _Answer(NOT_IMPLEMENTED, {"detail": detail})
        unread = sorted(call.inputs - handler.reads)
        if unread:
            detail = (
                f"{where}: the local server does not implement {', '.join(unread)}, which the "
                "spec has; it refuses the request rather than ignore them."
            )
            logger.warning("%s", detail)
            raise _Answer(NOT_IMPLEMENTED, {"detail": detail})
        return handler

    def _validate(
        self, operation: Operation, request: Request, query: str, path_args: dict[str, str]
    ) -> _Call:
        raw_query = parse_qs(query, True)
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        for parameter in operation.parameters:
            if parameter.location == "path":
                raw: str | list[str] | None = path_args.get(parameter.name)
            elif parameter.location == "header":
                raw = request.headers.get(parameter.name.lower())
            elif parameter.name not in raw_query:
                raw = None
            else:
                given = raw_query[parameter.name]
                # An array takes each of its keys' values; anything else, the last one.
                raw = given if self.spec.takes_many(parameter) else given[-1]
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
        inputs = {p.name for p in operation.parameters if p.location != "path"} & values.keys()
        if operation.body_schema is not None and isinstance(body, dict):
            listed = self.spec.deref(operation.body_schema).get("properties", {})
            inputs |= body.keys() & listed.keys()
        return _Call(operation, path_args, values, body, frozenset(inputs))

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
        if status == NOT_IMPLEMENTED:
            return []  # the local server speaking of itself, not an answer of the API
        if str(status) not in operation.responses:
            return [f"status {status} is not a documented answer of {operation.operation_id}"]
        schema = operation.responses[str(status)]
        if schema is None:
            return []
        # Whether an answer conforms depends on nothing else, so one that did is not checked
        # again: a listing walked twice, a batch polled while nothing moves.
        text = json.dumps([operation.operation_id, status, body], sort_keys=True)
        digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
        with self.lock:
            if digest in self._conforming:
                return []
        problems = [
            f"at {'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"
            for error in self.spec.errors(schema, body)
        ]
        if not problems:
            with self.lock:
                if len(self._conforming) >= MAX_REMEMBERED_ANSWERS:
                    self._conforming.clear()
                self._conforming.add(digest)
        return problems

    # ----- the operations ------------------------------------------------------------------

    def _handlers(self) -> dict[str, _Handler]:
        """Every operation the local server answers, by operationId, with the inputs it honours.
        Accepted with no local effect: createBatchJob's page_size, continue_as_new_threshold
        and temporal-namespace (how the API runs the work), createBatch's webhooks (nothing is
        delivered)."""
        return {
            "listBatchJobs": _Handler(
                self._list_batch_jobs,
                _SCOPE | {"directory_id", "job_type", "status", "limit", "offset"},
            ),
            "createBatchJob": _Handler(
                self._create_batch_job,
                _SCOPE
                | {"temporal-namespace", "job_config", "directory_id", "item_ids", "page_size"}
                | {"continue_as_new_threshold"},
            ),
            "getBatchJobStatus": _Handler(self._get_batch_job_status, _SCOPE),
            "cancelBatchJob": _Handler(
                self._cancel_batch_job, _SCOPE | {"temporal-namespace", "reason"}
            ),
            "listBatchJobItems": _Handler(
                self._list_batch_job_items, _SCOPE | {"status", "limit", "offset"}
            ),
            "getItemProcessingResults": _Handler(
                self._get_item_processing_results, _SCOPE | {"job_type"}
            ),
            "listBatches": _Handler(
                self._list_batches,
                _SCOPE
                | {"status", "source_directory_id", "page_size", PAGE_TOKEN}
                | {"created_at_on_or_after", "created_at_on_or_before"},
            ),
            "createBatch": _Handler(
                self._create_batch,
                _SCOPE
                | {"config", "source_directory_id"}
                | {"webhook_configurations", "webhook_configuration_ids"},
            ),
            "getBatch": _Handler(self._get_batch, _SCOPE | {"expand"}),
            "cancelBatch": _Handler(self._cancel_batch, _SCOPE),
        }

    def _list_batch_jobs(self, call: _Call) -> Any:
        query = call.query
        return self.store.list_jobs(
            directory_id=query.get("directory_id"),
            job_type=query.get("job_type"),
            status=query.get("status"),
            project_id=query.get("project_id"),
            limit=query.get("limit"),
            offset=query.get("offset"),
        )

    def _create_batch_job(self, call: _Call) -> Any:
        return self.store.create_job(
            job_type=self._job_type(call.body["job_config"]),
            job_config=call.body["job_config"],
            directory_id=call.body.get("directory_id"),
            item_ids=call.body.get("item_ids"),
            project_id=call.query.get("project_id"),
        )

    def _get_batch_job_status(self, call: _Call) -> Any:
        return self.store.job_progress(call.path["job_id"], call.query.get("project_id"))

    def _cancel_batch_job(self, call: _Call) -> Any:
        reason = (call.body or {}).get("reason")
        return self.store.cancel(call.path["job_id"], reason, call.query.get("project_id"))

    def _list_batch_job_items(self, call: _Call) -> Any:
        return self.store.list_items(
            call.path["job_id"],
            status=call.query.get("status"),
            project_id=call.query.get("project_id"),
            limit=call.query.get("limit"),
            offset=call.query.get("offset"),
        )

    def _get_item_processing_results(self, call: _Call) -> Any:
        return self.store.processing_results(call.path["item_id"], call.query.get("job_type"))

    def _list_batches(self, call: _Call) -> Any:
        query = call.query
        after, before = query.get("created_at_on_or_after"), query.get("created_at_on_or_before")
        return self.store.list_batches(
            status=query.get("status"),
            source_directory_id=query.get("source_directory_id"),
            created_on_or_after=None if after is None else parse_date_time(after),
            created_on_or_before=None if before is None else parse_date_time(before),
            project_id=query.get("project_id"),
            page_size=query.get("page_size"),
            page_token=query.get(PAGE_TOKEN),
        )

    def _create_batch(self, call: _Call) -> Any:
        return self.store.create_batch(
            config=call.body["config"],
            source_directory_id=call.body["source_directory_id"],
            project_id=call.query.get("project_id"),
        )

    def _get_batch(self, call: _Call) -> Any:
        return self.store.batch(
            call.path["batch_id"],
            # Other values are strings the spec allows and the API may add: they expand nothing.
            expand_results="results" in call.query.get("expand", ()),
            project_id=call.query.get("project_id"),
        )

    def _cancel_batch(self, call: _Call) -> Any:
        return self.store.cancel_batch(call.path["batch_id"], call.query.get("project_id"))

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
