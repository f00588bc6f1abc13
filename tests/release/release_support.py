"""What the release tests share: a throwaway copy of the repository, and a real package index."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[2]

INDEX_START_SECONDS = 30.0


def git(*args: str, cwd: Path) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=release tests", "-c", "user.email=release-tests@localhost", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def snapshot(destination: Path) -> Path:
    """A one-commit repository holding this working tree: tracked and new files, minus ignored ones.

    In CI (a clean clone) that is HEAD; on a developer's machine it is HEAD plus the uncommitted
    work under test, so the tests check the code being changed, not the last commit. Nothing is
    written to this repository.
    """
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is still listed
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git("init", "--quiet", "--initial-branch=main", cwd=destination)
    commit_all(destination, "Snapshot of the working tree")
    return destination


def commit_all(repository: Path, message: str) -> None:
    git("add", "--all", cwd=repository)
    git("commit", "--quiet", "--allow-empty", "-m", message, cwd=repository)


def replace_suite(repository: Path, test_module: str) -> None:
    """Commits a one-module test suite in place of the real one (which is what is running now:
    publish would otherwise run it again inside itself)."""
    tests = repository / "tests"
    for entry in tests.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    (tests / "test_gate.py").write_text(test_module)
    commit_all(repository, "A one-module test suite")


def python_env(**overrides: str) -> dict[str, str]:
    """The environment for a subprocess, without anything that points it at this checkout."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name != "PYTHONPATH" and not name.startswith("TWINE_")
    }
    return {**env, **overrides}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Index:
    url: str  # where twine uploads; the simple API is url + "simple/"
    username: str
    password: str
    packages: Path

    def files(self) -> set[str]:
        return {path.name for path in self.packages.iterdir()}


def write_htpasswd(path: Path, username: str, password: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # passlib imports the old crypt module
        from passlib.apache import HtpasswdFile  # type: ignore[import-untyped]  # no stubs

        users = HtpasswdFile(str(path), new=True, default_scheme="apr_md5_crypt")
        users.set_password(username, password)
        users.save()


@contextmanager
def package_index(directory: Path) -> Iterator[Index]:
    """A pypiserver on 127.0.0.1 that takes uploads only with a password, and never redirects."""
    index = Index(
        url=f"http://127.0.0.1:{free_port()}/",
        username="publisher",
        password=f"pw-{os.urandom(12).hex()}",
        packages=directory / "packages",
    )
    index.packages.mkdir()
    write_htpasswd(directory / "htpasswd", index.username, index.password)
    port = index.url.rsplit(":", 1)[1].strip("/")
    log = (directory / "pypiserver.log").open("wb")
    command = [sys.executable, "-m", "pypiserver", "run", "--host", "127.0.0.1", "--port", port]
    command += ["--authenticate", "update", "--passwords", str(directory / "htpasswd")]
    command += ["--disable-fallback", str(index.packages)]
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + INDEX_START_SECONDS
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    "pypiserver did not start:\n" + (directory / "pypiserver.log").read_text()
                )
            try:
                if httpx.get(index.url + "health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass  # not listening yet
            time.sleep(0.1)
        yield index
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
