"""The maintainers' sessions. `nox` alone runs what CI runs: check, lint, the tests on Python
3.11, 3.12 and 3.13, then version_check; it stops at the first failing session, so a stale
generated/ is reported before anything is linted or tested.

Flow: edit spec/ -> `nox -s generate` -> `nox -s diff` -> `nox -s tests` -> `nox -s build`
-> `nox -s release -- auto` -> `nox -s publish`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["check", "lint", "tests", "version_check"]
nox.options.reuse_venv = "yes"
nox.options.stop_on_first_error = True

# The Pythons the classifiers claim. The full suite runs on the first; the others skip the slow
# (publishing, contract) tests, which exercise tools rather than the interpreter.
PYTHONS = ("3.11", "3.12", "3.13")


def _expose_pyenv_pythons() -> None:
    """Lets pyenv's shims answer python3.11/3.12/3.13 at once.

    pyenv runs nox with PYENV_VERSION set to one version (its `global`), which hides the others
    from interpreter discovery; the newest installed patch release of each wanted Python is
    added to it.
    """
    if shutil.which("pyenv") is None:
        return
    listed = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    chosen = [name for name in os.environ.get("PYENV_VERSION", "").split(":") if name]
    for wanted in PYTHONS:
        matching = [name for name in listed if re.fullmatch(re.escape(wanted) + r"\.\d+", name)]
        if matching and not any(name.startswith(wanted + ".") for name in chosen):
            chosen.append(max(matching, key=lambda name: int(name.rsplit(".", 1)[1])))
    if chosen:
        os.environ["PYENV_VERSION"] = ":".join(chosen)


_expose_pyenv_pythons()

GENERATOR_REQUIREMENTS = "generator/requirements.txt"
TEST_REQUIREMENTS = "tests/requirements.txt"
LINT_REQUIREMENTS = (
    "mypy==2.4.1",
    "ruff==0.17.5",
    "jsonschema>=4.18",
    "types-jsonschema",
    "types-PyYAML",
)


@nox.session
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ + generator/ + overrides/."""
    session.install("-r", GENERATOR_REQUIREMENTS)
    session.run("python", "generator/generate.py", *session.posargs)


@nox.session
def check(session: nox.Session) -> None:
    """Fail, with a readable diff, when generated/ is not what the pipeline makes."""
    session.install("-r", GENERATOR_REQUIREMENTS)
    python = shutil.which("python", path=session.bin)
    assert python is not None
    completed = subprocess.run(
        [python, "generator/generate.py", "--check"], capture_output=True, text=True, check=False
    )
    copied = "differs: generated/llama_cloud_batch/"
    for line in (completed.stdout + completed.stderr).splitlines():
        note = ""
        if line.startswith(copied) and not line.startswith(copied + "_generated/"):
            original = "overrides/llama_cloud_batch/" + line.removeprefix(copied)
            note = f"  <- {original} changed since the last `nox -s generate`"
        print(line + note)
    if completed.returncode != 0:
        session.error("generated/ is not what the pipeline makes now (see above)")


def _refuse_stale_tree(session: nox.Session) -> None:
    """Lint and tests read generated/: refuse to run them on a copy older than overrides/."""
    session.run("python", "generator/generate.py", "--check", silent=True)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over hand-written code; mypy --strict over the package, generated code included.

    mypy reads the package as it ships (generated/); its messages about the hand-written modules
    copied there from overrides/ name the overrides/ file, which is the one to edit.
    """
    session.install(*LINT_REQUIREMENTS, "-r", GENERATOR_REQUIREMENTS, "httpx", "attrs", "nox")
    session.install("rich>=13.7", "msgspec")  # the cli extra and the fast decode path
    _refuse_stale_tree(session)
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    mypy = shutil.which("mypy", path=session.bin)
    assert mypy is not None
    completed = subprocess.run(
        [mypy, "generated/llama_cloud_batch", "generator", "noxfile.py"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    source_map = _generator_module("source_map")
    for line in (completed.stdout + completed.stderr).splitlines():
        print(source_map.map_message(line))
    if completed.returncode != 0:
        session.error("mypy found errors (paths above are the files to edit)")


def _generator_module(name: str) -> Any:
    """A module of generator/ (scripts that are not a package), loaded by path."""
    import importlib.util
    import sys

    sys.path.insert(0, "generator")
    try:
        spec = importlib.util.spec_from_file_location(name, f"generator/{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove("generator")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite (pass pytest arguments after --); `nox -s tests-3.12` picks one Python."""
    session.install("-r", TEST_REQUIREMENTS, "-e", ".[cli]")
    _refuse_stale_tree(session)
    arguments = list(session.posargs)
    if not arguments and session.python != PYTHONS[0]:
        arguments = ["-m", "not slow"]
    session.run("pytest", *arguments)


@nox.session
def version_check(session: nox.Session) -> None:
    """Fail when _version.py is below what the API diff since the last release requires."""
    session.install("-r", GENERATOR_REQUIREMENTS)
    session.run("python", "generator/release.py", "check")


@nox.session
def generator_latest(session: nox.Session) -> None:
    """Render with the newest openapi-python-client (or `-- VERSION`) and report what breaks.

    Report only (it does not fail on what it finds, and is not run by default or in CI).
    """
    session.install("-r", TEST_REQUIREMENTS, *LINT_REQUIREMENTS[:1], "-e", ".")
    wanted = f"openapi-python-client=={session.posargs[0]}" if session.posargs else None
    session.install("--upgrade", wanted or "openapi-python-client")
    session.run("python", "generator/generator_latest.py")


PUBLISH_REQUIREMENTS = ("build[uv]==1.6.1", "twine==7.0.0", "httpx")


@nox.session
def build(session: nox.Session) -> None:
    """dist/: the sdist and the wheel built from it, after the drift check; both checked."""
    session.install("-r", GENERATOR_REQUIREMENTS, *PUBLISH_REQUIREMENTS)
    session.run("python", "generator/publish.py", "build")


@nox.session
def release(session: nox.Session) -> None:
    """Prepare a release: `-- auto` (bump from the spec diff) or `-- major|minor|patch`."""
    session.install("-r", GENERATOR_REQUIREMENTS)
    session.run("python", "generator/release.py", *session.posargs)


@nox.session
def publish(session: nox.Session) -> None:
    """Check, test, build and upload (`-- --repository-url URL`, `-- --skip-tests`; see README)."""
    session.install("-r", GENERATOR_REQUIREMENTS, *PUBLISH_REQUIREMENTS)
    if "--skip-tests" not in session.posargs:
        session.install("-r", TEST_REQUIREMENTS, "-e", ".[cli]")
    session.run("python", "generator/publish.py", "upload", *session.posargs)


@nox.session
def diff(session: nox.Session) -> None:
    """What the working tree changes against a commit: `-- REF` (default HEAD), `-- REF
    --fail-on breaking` to fail on a change that breaks the package's users.

    First the verdict and the API changes between REF's spec and the working spec (breaking
    for the package's users or not, and what breaks old releases on the wire), named in Python
    terms where generator/resources.yaml maps routes to methods. Then the code: REF's
    generated/ beside what the working tree makes now (`git diff --no-index --stat`, then the
    diff, with the minified _generated/openapi.json summarized in one line).
    """
    # Imported here so that this session stays one self-contained block of the shared file.
    import io
    import tarfile
    import tempfile
    from pathlib import Path

    def git_bytes(*args: str, check: bool = True) -> bytes | None:
        """git's raw stdout (nox's session.run only captures text); None if it failed."""
        completed = subprocess.run(["git", *args], capture_output=True, check=False)
        if completed.returncode != 0:
            if check:
                session.error(f"git {' '.join(args)}: {completed.stderr.decode(errors='replace')}")
            return None
        return completed.stdout

    session.install("-r", GENERATOR_REQUIREMENTS)
    arguments, fail_on = list(session.posargs), []
    if "--fail-on" in arguments:
        at = arguments.index("--fail-on")
        fail_on, arguments[at : at + 2] = arguments[at : at + 2], []
    ref = arguments[0] if arguments else "HEAD"
    with tempfile.TemporaryDirectory(prefix="llama-cloud-batch-diff-") as scratch_name:
        scratch = Path(scratch_name)
        old_spec = scratch / "openapi.yaml"
        old_spec.write_bytes(git_bytes("show", f"{ref}:spec/openapi.yaml") or b"")
        names = []
        old_resources = git_bytes("show", f"{ref}:generator/resources.yaml", check=False)
        if old_resources is not None:
            (scratch / "resources.yaml").write_bytes(old_resources)
            names += ["--old-resources", str(scratch / "resources.yaml")]
        if Path("generator/resources.yaml").exists():
            names += ["--new-resources", "generator/resources.yaml"]
        session.log(f"API changes from {ref} to the working tree's spec:")
        session.run(
            "python", "generator/spec_diff.py", str(old_spec), "spec/openapi.yaml", *names,
            *fail_on,
        )  # fmt: skip
        # `git archive REF generated | tar -x -C scratch/ref`
        archive = git_bytes("archive", ref, "generated") or b""
        with tarfile.open(fileobj=io.BytesIO(archive)) as bundle:
            bundle.extractall(scratch / "ref", filter="data")
        session.run("python", "generator/generate.py", "--output", str(scratch / "work/generated"))
        # One line for the spec's minified copy instead of one 80 KB line of diff.
        summary = "_generated/openapi.json: "
        copies = [
            scratch / side / "generated/llama_cloud_batch/_generated/openapi.json"
            for side in ("ref", "work")
        ]
        texts = [path.read_bytes() if path.exists() else b"" for path in copies]
        summary += "unchanged" if texts[0] == texts[1] else (
            f"changed ({len(texts[0])} -> {len(texts[1])} bytes; the API changes are above)"
        )  # fmt: skip
        for path in copies:
            path.unlink(missing_ok=True)
        session.log(f"Generated code: ref/ is {ref}, work/ is the working tree.")
        with session.chdir(scratch):
            for options in (["--stat"], []):
                session.run(
                    "git", "diff", "--no-index", *options, "ref/generated", "work/generated",
                    external=True, success_codes=[0, 1],
                )  # fmt: skip
        session.log(summary)


# The official SDK's last release with this resource under `beta.batch`, to measure against.
# The official SDK and raw httpx with orjson are contenders; matplotlib draws
# docs/benchmarks.png; msgspec (a dependency of the package) is pinned so runs compare alike.
BENCH_REQUIREMENTS = (
    "llama-cloud==2.10.0",
    "orjson==3.13.0",
    "msgspec==0.22.0",
    "matplotlib==3.11.2",
)


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory against the official SDK and raw httpx -> docs/benchmarks.md and .png
    (~4 min).

    Arguments after -- go to `python -m benchmarks` (e.g. `-- --quick`, `-- --jobs 2000`).
    """
    import shlex

    # Installed as users get it (not editable: an editable install adds a path entry that every
    # import of the package searches).
    session.install("--reinstall-package", "llama-cloud-batch", ".", *BENCH_REQUIREMENTS)
    passed = ["--", *session.posargs] if session.posargs else []
    command = shlex.join(["nox", "-s", "bench", *passed])
    report = (
        []
        if "--quick" in session.posargs
        else [
            "--markdown",
            "docs/benchmarks.md",
            "--plot",
            "docs/benchmarks.png",
            # The raw figures, to re-render the report without measuring again (--render).
            "--json",
            ".cache/benchmarks.json",
        ]
    )
    session.run("python", "-m", "benchmarks", *report, "--command", command, *session.posargs)


@nox.session
def reference(session: nox.Session) -> None:
    """Refresh tests/data/batch-processing-structure.json from the official SDK's types.

    `-- --check` fails instead of writing when the file is not what the SDK says.
    """
    session.install(*BENCH_REQUIREMENTS)
    session.run("python", "generator/reference.py", *session.posargs)


@nox.session
def demo(session: nox.Session) -> None:
    """The client against the local server: sample jobs, the docs' example, a wait; offline.

    The tour itself is llama_cloud_batch/testing/demo.py (`-- --auto-tick 1` slows the jobs).
    """
    session.install("-e", ".[testing,cli]")
    session.run("python", "-m", "llama_cloud_batch.testing.demo", *session.posargs)


DOCS_REQUIREMENTS = "docs/requirements.txt"


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site into site/ (MkDocs Material), strictly: any warning fails it.

    Arguments after -- go to `mkdocs build` (e.g. `-- --site-dir /tmp/site`).
    """
    session.install("-r", DOCS_REQUIREMENTS)
    # Material prints a banner about MkDocs 2 on every build unless told not to.
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.run("mkdocs", "build", "--strict", *session.posargs)


@nox.session(name="cli-picture")
def cli_picture(session: nox.Session) -> None:
    """docs/cli-wait.svg: `llama-cloud-batch jobs wait` on local jobs, as rich records it."""
    session.install("-e", ".[testing,cli]")
    session.run("python", "docs/cli_picture.py", *session.posargs)
