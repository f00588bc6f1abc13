"""Exit statuses and the one line every failure is reduced to."""

from __future__ import annotations

import re
from enum import IntEnum
from typing import TYPE_CHECKING

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    InsecureConnectionError,
    LlamaCloudError,
    MissingAPIKeyError,
)

if TYPE_CHECKING:
    from ._commands import State

PROG = "llama-cloud-batch"


class ExitCode(IntEnum):
    """The command's exit statuses (documented in the README and `--help`)."""

    OK = 0
    ERROR = 1  # the API, the network or a file said no
    USAGE = 2  # bad arguments or configuration (no API key, say)
    JOB_FAILED = 3  # `jobs wait`: a job ended failed
    JOB_CANCELLED = 4  # `jobs wait`: a job ended cancelled
    TIMED_OUT = 5  # `jobs wait`: the deadline passed with a job still open
    UNREACHABLE = 6  # a wait gave up: the API could not be reached for --give-up-after seconds
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


EXIT_CODES_HELP = (
    "Exit status: 0 done; 1 an error from the API, the network or a file; 2 bad usage or "
    "configuration; 3 a job or batch failed; 4 a job or batch was cancelled; 5 timed out "
    "waiting; 6 a wait gave up, the API unreachable for --give-up-after seconds; 130 "
    "interrupted."
)

# The address option and its variable, named wherever the API cannot be reached.
BASE_URL_HINT = "check --base-url or LLAMA_CLOUD_BASE_URL"


class CommandError(Exception):
    """A failure the command reports as one line on stderr, with this exit status."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def one_line(text: str) -> str:
    return " ".join(text.split())


def _in_shell_terms(message: str) -> str:
    """The client's advice in the command's terms: its flags, not the constructor's arguments."""
    return re.sub(r"\bpass allow_insecure_http=True\b", "pass --allow-insecure-http", message)


def describe(error: BaseException, state: State | None = None) -> str:
    """What went wrong, in one line (the client's messages already leave the key out), naming
    the flags and environment variables that change it."""
    if isinstance(error, CommandError):
        return one_line(error.message)
    if isinstance(error, MissingAPIKeyError):
        return (
            "no API key: give --api-key-file FILE (or --api-key KEY), or set "
            "LLAMA_CLOUD_API_KEY (LLAMA_PARSE_API_KEY is read too)"
        )
    if isinstance(error, InsecureConnectionError):
        return _in_shell_terms(one_line(str(error))).replace(
            "; use https://", "; use an https:// --base-url (or LLAMA_CLOUD_BASE_URL)", 1
        )
    if isinstance(error, APIStatusError):
        hint = " (check --api-key or LLAMA_CLOUD_API_KEY)" if error.status_code == 401 else ""
        return one_line(str(error)) + hint
    if isinstance(error, APIConnectionError):
        where = f" at {state.shown_base_url()}" if state is not None else ""
        return f"cannot reach the API{where} ({BASE_URL_HINT}): {one_line(str(error))}"
    if isinstance(error, LlamaCloudError | OSError):
        return one_line(str(error))
    return f"unexpected {type(error).__name__}: {one_line(str(error))}"


def exit_code_of(error: BaseException) -> ExitCode:
    if isinstance(error, CommandError):
        return error.code
    if isinstance(error, MissingAPIKeyError | InsecureConnectionError):
        return ExitCode.USAGE
    return ExitCode.ERROR
