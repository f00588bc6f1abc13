"""Exit statuses and the one line every failure is reduced to."""

from __future__ import annotations

from enum import IntEnum

from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    InsecureConnectionError,
    LlamaCloudError,
    MissingAPIKeyError,
)

PROG = "llama-cloud-batch"


class ExitCode(IntEnum):
    """The command's exit statuses (documented in the README and `--help`)."""

    OK = 0
    ERROR = 1  # the API, the network or a file said no
    USAGE = 2  # bad arguments or configuration (no API key, say)
    JOB_FAILED = 3  # `jobs wait`: a job ended failed
    JOB_CANCELLED = 4  # `jobs wait`: a job ended cancelled
    TIMED_OUT = 5  # `jobs wait`: the deadline passed with a job still open
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT, as shells report it)


EXIT_CODES_HELP = (
    "Exit status: 0 done; 1 an error from the API, the network or a file; 2 bad usage or "
    "configuration; 3 a job failed; 4 a job was cancelled; 5 timed out waiting; 130 interrupted."
)


class CommandError(Exception):
    """A failure the command reports as one line on stderr, with this exit status."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe(error: BaseException) -> str:
    """What went wrong, in one line (the client's messages already leave the key out)."""
    if isinstance(error, CommandError):
        return one_line(error.message)
    if isinstance(error, APIStatusError):
        hint = " (check --api-key or LLAMA_CLOUD_API_KEY)" if error.status_code == 401 else ""
        return one_line(str(error)) + hint
    if isinstance(error, APIConnectionError):
        return f"cannot reach the API: {one_line(str(error))}"
    if isinstance(error, LlamaCloudError | OSError):
        return one_line(str(error))
    return f"unexpected {type(error).__name__}: {one_line(str(error))}"


def exit_code_of(error: BaseException) -> ExitCode:
    if isinstance(error, CommandError):
        return error.code
    if isinstance(error, MissingAPIKeyError | InsecureConnectionError):
        return ExitCode.USAGE
    return ExitCode.ERROR
