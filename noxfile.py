"""The maintainers' sessions. `nox` alone runs what CI runs: check, lint, tests.

Flow: edit spec/ -> `nox -s generate` -> `nox -s diff` -> `nox -s tests` -> `nox -s build`
-> `nox -s release -- auto` -> `nox -s publish`.
"""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["check", "lint", "tests"]
nox.options.reuse_venv = "yes"

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
    session.run("python", "generator/generate.py", "--check")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over hand-written code; mypy --strict over the package, generated code included."""
    session.install(*LINT_REQUIREMENTS, "-r", GENERATOR_REQUIREMENTS, "httpx", "attrs", "nox")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", "generated/llama_cloud_batch", "generator", "noxfile.py")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (pass pytest arguments after --)."""
    session.install("-r", TEST_REQUIREMENTS, "-e", ".")
    session.run("pytest", *session.posargs)


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
        session.install("-r", TEST_REQUIREMENTS, "-e", ".")
    session.run("python", "generator/publish.py", "upload", *session.posargs)


@nox.session
def diff(session: nox.Session) -> None:
    """What the working tree changes against a commit: `-- REF` (default HEAD).

    First the code: REF's generated/ beside what the working tree's spec/, generator/ and
    overrides/ make now (`git diff --no-index --stat`, then the diff). Then the API: every
    change between REF's spec and the working spec, breaking or not, and the bump it needs.
    """
    # Imported here so that this session stays one self-contained block of the shared file.
    import io
    import subprocess
    import tarfile
    import tempfile
    from pathlib import Path

    def git_bytes(*args: str) -> bytes:
        """git's raw stdout (nox's session.run only captures text)."""
        completed = subprocess.run(["git", *args], capture_output=True, check=False)
        if completed.returncode != 0:
            session.error(f"git {' '.join(args)}: {completed.stderr.decode(errors='replace')}")
        return completed.stdout

    session.install("-r", GENERATOR_REQUIREMENTS)
    ref = session.posargs[0] if session.posargs else "HEAD"
    with tempfile.TemporaryDirectory(prefix="llama-cloud-batch-diff-") as scratch_name:
        scratch = Path(scratch_name)
        # `git archive REF generated | tar -x -C scratch/ref`
        with tarfile.open(fileobj=io.BytesIO(git_bytes("archive", ref, "generated"))) as bundle:
            bundle.extractall(scratch / "ref", filter="data")
        session.run("python", "generator/generate.py", "--output", str(scratch / "work/generated"))
        session.log(f"Generated code: ref/ is {ref}, work/ is the working tree.")
        with session.chdir(scratch):
            for options in (["--stat"], []):
                session.run(
                    "git", "diff", "--no-index", *options, "ref/generated", "work/generated",
                    external=True, success_codes=[0, 1],
                )  # fmt: skip
        old_spec = scratch / "openapi.yaml"
        old_spec.write_bytes(git_bytes("show", f"{ref}:spec/openapi.yaml"))
        session.log(f"API changes from {ref} to the working tree's spec:")
        session.run("python", "generator/spec_diff.py", str(old_spec), "spec/openapi.yaml")


# The official SDK's last release with this resource under `beta.batch`, to measure against.
# The official SDK and raw httpx with orjson are contenders; msgspec is measured by the decode
# prototype (benchmarks/decode_prototype.py); matplotlib draws docs/benchmarks.png. None of them
# is a dependency of the package.
BENCH_REQUIREMENTS = (
    "llama-cloud==2.10.0",
    "orjson==3.13.0",
    "msgspec==0.22.0",
    "matplotlib==3.11.2",
)


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory against the official SDK and raw httpx -> docs/benchmarks.md and .png
    (~3 min).

    Arguments after -- go to `python -m benchmarks` (e.g. `-- --quick`, `-- --jobs 2000`).
    """
    import shlex

    session.install("-e", ".", *BENCH_REQUIREMENTS)
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
def demo(session: nox.Session) -> None:
    """The client against the local server: sample jobs, the docs' example, a wait; offline.

    The tour itself is llama_cloud_batch/testing/demo.py (`-- --auto-tick 1` slows the jobs).
    """
    session.install("-e", ".[testing]")
    session.run("python", "-m", "llama_cloud_batch.testing.demo", *session.posargs)
