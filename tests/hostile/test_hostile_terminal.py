"""Strings from the server reach the terminal as text: every control character escaped, rich
markup shown as written, in every command and in error lines, on a pipe and on a terminal."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from servers import HostileServer, Seen, job, progress, reply
from terminal import CONTROLS, Run, assert_shown_as_text, cli_env, run_cli

BASE = "/api/v1/beta/batch-processing"

# One short string per control character, so each shows whole in a table cell.
MARKED = [f"c{code:02x}{chr(code)}z" for code in CONTROLS]
ATTACKS = [
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]0;owned\x07",  # set the window title
    "\x9b2J",  # the same with the 8-bit CSI
    "\x1b[1A\x1b[2Kbjb-9  completed",  # rewrite the line above
]
MARKUP = [
    "notes[/].txt",
    "report [draft].pdf",
    "[link=https://evil.example]click[/link]",
    "[/]",
    "[bold]loud",
]
HOSTILE = MARKED + ATTACKS + MARKUP
JOINED = "".join(chr(code) for code in CONTROLS) + " ".join(ATTACKS + MARKUP)


def _escaped(code: int) -> str:
    """How a control character is expected to show: \\xNN."""
    return f"\\x{code:02x}"


def _item(text: str, status: str | None = None) -> dict[str, Any]:
    return {
        "item_id": text,
        "item_name": text,
        "status": status or text,
        "error_message": text,
    }


def fake_api(final_after: int = 2) -> Any:
    """Answers every command with hostile strings; bjb-1 is not final for `final_after` polls."""
    polls = itertools.count()

    def script(seen: Seen) -> Any:
        path = urlsplit(seen.target).path
        if path == BASE:
            jobs = [job(text, id=text, job_type=text, error_message=text) for text in HOSTILE]
            return reply(200, {"items": jobs, "total_size": len(jobs)})
        if path == f"{BASE}/bjb-1":
            status = "[/]" if next(polls) < final_after else "completed"
            return reply(
                200,
                progress(status, job_type=JOINED, error_message=JOINED, directory_id=JOINED),
            )
        if path == f"{BASE}/bjb-1/items":
            items = [_item(text) for text in HOSTILE]
            return reply(200, {"items": items, "total_size": len(items)})
        if path == f"{BASE}/bjb-1/cancel":
            return reply(
                200, {"job_id": "bjb-1", "message": JOINED, "processed_items": 1, "status": "[/]"}
            )
        return reply(404, {"detail": f"no such job: {JOINED}"})

    return script


TERMINAL = [pytest.param(False, id="pipe"), pytest.param(True, id="terminal")]


def _run(server: HostileServer, *args: str, terminal: bool) -> Run:
    run = run_cli(args, cli_env(server.url), terminal=terminal)
    assert_shown_as_text(run)
    return run


@pytest.mark.parametrize("terminal", TERMINAL)
@pytest.mark.parametrize("command", [("jobs", "list"), ("items", "list", "bjb-1")])
def test_tables_show_every_server_string_as_text(terminal: bool, command: tuple[str, ...]) -> None:
    with HostileServer(fake_api()) as server:
        run = _run(server, *command, terminal=terminal)
    assert run.code == 0, run.output
    for code in CONTROLS:
        assert f"c{code:02x}{_escaped(code)}z" in run.output
    for text in MARKUP:
        assert text in run.output


@pytest.mark.parametrize("terminal", TERMINAL)
@pytest.mark.parametrize(
    "command",
    [
        ("jobs", "get", "bjb-1"),
        ("jobs", "cancel", "bjb-1"),
        ("jobs", "get", "bjb-missing"),
        ("jobs", "wait", "bjb-1", "--poll-interval", "0.05"),
    ],
)
def test_every_command_shows_server_strings_as_text(
    terminal: bool, command: tuple[str, ...]
) -> None:
    with HostileServer(fake_api()) as server:
        run = _run(server, *command, terminal=terminal)
    assert run.code == (1 if "bjb-missing" in command else 0), run.output
    assert _escaped(0x1B) in run.output
    assert _escaped(0x9B) in run.output


@pytest.mark.parametrize("terminal", TERMINAL)
def test_a_live_wait_shows_a_status_of_closing_markup(terminal: bool) -> None:
    with HostileServer(fake_api(final_after=6)) as server:
        run = _run(server, "jobs", "wait", "bjb-1", "--poll-interval", "0.05", terminal=terminal)
    assert run.code == 0, run.output
    assert "[/]" in run.output


@pytest.mark.parametrize("terminal", TERMINAL)
def test_the_download_summary_shows_item_statuses_as_text(terminal: bool, tmp_path: Path) -> None:
    with HostileServer(fake_api(final_after=0)) as server:
        run = _run(
            server, "results", "download", "bjb-1", "--out", str(tmp_path), terminal=terminal
        )
    assert run.code == 0, run.output
    assert "notes[/].txt" in run.output
    assert f"c1b{_escaped(0x1B)}z" in run.output
