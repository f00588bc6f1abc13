"""`webhooks verify` and `webhooks listen`: checking deliveries from the terminal, with the
signing secret read from an environment variable (never an option: the process list would show
it), and never printed.

Headers files (`verify --headers`): a JSON object of names to values (`{"LC-Signature":
"sha256=..."}`, what a web framework's headers dump to), or `Name: value` lines as HTTP writes
them (what `curl -D` saves, or a request copied from a log); a first line that is a request or
status line (`POST /hooks HTTP/1.1`) is skipped, as are blank lines.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .._exceptions import InvalidWebhookPayloadError, InvalidWebhookSignatureError
from ..types import BatchWebhookEvent
from ..webhooks import SECRET_ENVIRONMENT_VARIABLE, UnknownWebhookEvent, unwrap
from ._errors import CommandError, ExitCode

MAX_BODY_BYTES = 1 << 20  # no delivery is that large; a bigger body is refused unread
# How long `listen` waits for a delivery's body: a sender that stalls loses its connection.
READ_TIMEOUT_SECONDS = 10.0
_START_LINE = re.compile(r"^(?:[A-Z]+ \S+ HTTP/\d(?:\.\d)?|HTTP/\d(?:\.\d)? \d{3}.*)$")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")

Event = Any  # a generated event model, or an UnknownWebhookEvent


def webhook_secret(args: argparse.Namespace) -> str:
    """The secret from the variable --secret-env names (LLAMA_CLOUD_WEBHOOK_SECRET by default)."""
    name: str = args.secret_env
    value = os.environ.get(name, "")
    if not value.strip():
        raise CommandError(
            f"no webhook secret: set {name} to the configuration's webhook_signing_secret"
            + ("" if name == SECRET_ENVIRONMENT_VARIABLE else " (named by --secret-env)"),
            ExitCode.USAGE,
        )
    return value


def read_headers(text: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a headers file (see the module's doc for its two forms)."""
    if text.lstrip().startswith("{"):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"the headers file is not JSON (line {error.lineno}, column {error.colno})",
                ExitCode.USAGE,
            ) from None
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise CommandError(
                "the headers file's JSON must be an object of header names to string values",
                ExitCode.USAGE,
            )
        return [(str(name), item) for name, item in value.items()]
    pairs: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or (not pairs and _START_LINE.match(line)):
            continue
        name, colon, value = line.partition(":")
        if not colon or not _HEADER_NAME.match(name):
            # The line is not quoted: a header's value may be a credential.
            raise CommandError(
                f"the headers file's line {number} is not `Name: value`", ExitCode.USAGE
            )
        pairs.append((name, value.strip()))
    return pairs


def _read_bytes(name: str, what: str) -> bytes:
    if name == "-":
        return (
            sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
        )
    try:
        return Path(name).read_bytes()
    except OSError as error:
        raise CommandError(f"cannot read {what} {name}: {error.strerror}", ExitCode.USAGE) from None


def summary(event: Event) -> str:
    """One line naming the event: its type, and the batch's ID and status when it has them."""
    if isinstance(event, BatchWebhookEvent) and event.data is not None:
        return f"{event.event_type} {event.data.id} {event.data.status}"
    return str(event.event_type)


def as_json(event: Event) -> dict[str, Any]:
    if isinstance(event, UnknownWebhookEvent):
        return event.body
    value: dict[str, Any] = event.to_dict()
    return value


def verify(args: argparse.Namespace) -> int:
    if args.payload == "-" and args.headers == "-":
        raise CommandError("only one of --payload and --headers can read stdin", ExitCode.USAGE)
    secret = webhook_secret(args)
    body = _read_bytes(args.payload, "the payload file")
    headers = read_headers(_read_bytes(args.headers, "the headers file").decode("latin-1"))
    try:
        event = unwrap(body, headers, secret=secret)
    except InvalidWebhookSignatureError as error:
        raise CommandError(f"the signature does not verify: {error}") from None
    except InvalidWebhookPayloadError as error:
        raise CommandError(
            f"the signature verifies, but the payload is no event: {error}"
        ) from None
    if args.json:
        print(json.dumps(as_json(event), indent=2), flush=True)
    else:
        print(f"verified: {summary(event)}", flush=True)
    return ExitCode.OK


def listen(args: argparse.Namespace, note: Callable[[str], None]) -> int:
    """Serves until Ctrl-C (or --max-events verified events): each verified delivery is printed
    as one JSON line on stdout and answered 204; a bad signature gets 401, a body that is no
    event 400, each noted on stderr."""
    secret = webhook_secret(args)
    printed = threading.Lock()
    seen = [0]
    enough = threading.Event()

    class Receiver(BaseHTTPRequestHandler):
        timeout = READ_TIMEOUT_SECONDS

        def do_POST(self) -> None:
            length = self.headers.get("Content-Length", "")
            if not length.isdigit():
                self.answer(411)
                return
            if int(length) > MAX_BODY_BYTES:
                self.close_connection = True  # the body is left unread
                self.answer(413)
                return
            body = self.rfile.read(int(length))
            try:
                event = unwrap(body, self.headers, secret=secret)
            except InvalidWebhookSignatureError as error:
                note(f"refused a delivery (401): {error}")
                self.answer(401)
                return
            except InvalidWebhookPayloadError as error:
                note(f"refused a delivery (400): {error}")
                self.answer(400)
                return
            with printed:
                if enough.is_set():
                    self.answer(503)  # past --max-events: the sender may retry elsewhere
                    return
                print(json.dumps(as_json(event)), flush=True)
                seen[0] += 1
                if args.max_events is not None and seen[0] >= args.max_events:
                    enough.set()
            self.answer(204)

        def answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # the events are the output; stderr has the refusals

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
        daemon_threads = True

    try:
        server = Server((args.host, args.port), Receiver)
    except OSError as error:
        raise CommandError(
            f"cannot listen on {args.host}:{args.port}: {error.strerror or error}"
        ) from None
    host, port = server.server_address[:2]
    note(f"listening on http://{_url_host(str(host))}:{port}/ (Ctrl-C stops)")
    watcher = threading.Thread(target=_stop_when, args=(enough, server), daemon=True)
    watcher.start()
    try:
        server.serve_forever(poll_interval=0.05)
    finally:
        enough.set()
        server.server_close()
        watcher.join(1)
    return ExitCode.OK


def _stop_when(enough: threading.Event, server: ThreadingHTTPServer) -> None:
    enough.wait()
    server.shutdown()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
