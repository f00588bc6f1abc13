"""The maintainers' sessions; `nox -l` lists them, the README's "Sessions" table says what each is
for and how long it takes.

`nox` alone runs what CI runs (nox.options.sessions below), stopping at the first failure, so a
stale generated/ is reported before anything is linted or tested. The client's own tests
(`tests`, once per supported Python) are kept apart from the checks of tools (docs, browser,
contract, publishing, type checkers), which run once each.

Flow: edit spec/ -> `nox -s generate` -> `nox -s diff` -> `nox -s tests` -> `nox -s release --
auto` -> `nox -s build` -> `nox -s publish`.

Every tool is pinned once, in pyproject.toml's [dependency-groups]; a session installs groups by
name. A Python that is not installed is skipped, with a message (`nox` fails on it under CI=true,
as nox does by default there).
"""

from __future__ import annotations

import os
import subprocess

import nox

PYPROJECT = nox.project.load_toml("pyproject.toml")
# The Pythons the classifiers claim; the client's tests run on each.
PYTHONS = nox.project.python_versions(PYPROJECT)
OLDEST = PYTHONS[0]

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_venv = "yes"
nox.options.stop_on_first_error = True
nox.options.sessions = [
    "check",
    "lint",
    "tests",
    "lowest",
    "pipeline",
    "spec",
    "typing",
    "docs",
    "contract",
    "release_checks",
    "version_check",
]

# The package as the client's tests import it: editable, so tracebacks name the files to edit.
PACKAGE_EDITABLE = ("-e", ".[cli,testing]")


def group(name: str) -> tuple[str, ...]:
    """The requirements of one of pyproject.toml's dependency groups."""
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=OLDEST)
def generate(session: nox.Session) -> None:
    """Regenerate generated/ from spec/ and generator/ (~20 s)."""
    session.install(*group("generator"))
    session.run("python", "generator/generate.py", *session.posargs)


@nox.session(python=OLDEST)
def check(session: nox.Session) -> None:
    """Fail, with a readable diff, when generated/ is not what the pipeline makes (~20 s)."""
    session.install(*group("generator"))
    session.run("python", "generator/generate.py", "--check")


@nox.session(python=OLDEST)
def lint(session: nox.Session) -> None:
    """ruff over hand-written code; mypy --strict over the package (generated code included), the
    generator and this file (~1 min)."""
    session.install(*group("lint"), *PACKAGE_EDITABLE)
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run(
        "mypy", "overrides/llama_cloud_batch", "generated/_llama_cloud_batch_generated",
        "generator", "examples", "noxfile.py",
    )  # fmt: skip


# pytest-xdist: the client's tests in two processes per core, as a third of their time is spent
# waiting on deadlines and timeouts, which another process's work fills; the tools' checks in one
# per core, busy throughout (the contract's schemathesis keeps one process). `-- -n 0` runs
# either in one process.
TWO_PER_CORE = ("-n", str(2 * (os.cpu_count() or 1)))
ONE_PER_CORE = ("-n", "auto")


def keep_bytecode(session: nox.Session) -> None:
    """Let the session's Pythons cache what they compile (in __pycache__/, which git ignores).

    Where PYTHONDONTWRITEBYTECODE is set, as in many CI images, every process a test run starts
    (each xdist worker, each command-line or generator child) would compile the package, its
    dependencies and the tests again: 5 s of CPU per worker, most of a child's run.
    """
    session.env["PYTHONDONTWRITEBYTECODE"] = ""  # Python reads an empty value as unset


def run_pytest(session: nox.Session, *args: str) -> None:
    """pytest with `args`, then the session's own arguments."""
    keep_bytecode(session)
    session.run("pytest", *args, *session.posargs)


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The client's own tests (pytest's testpaths), on each Python (about 1 min each); `nox -s
    tests-3.12` picks one, arguments after -- go to pytest."""
    session.install(*group("test"), *PACKAGE_EDITABLE)
    run_pytest(session, *TWO_PER_CORE)


@nox.session(python=OLDEST)
def lowest(session: nox.Session) -> None:
    """The client's tests with the lowest versions the package declares of its dependencies."""
    # One resolution: installed first, the test tools would bring newer httpx, attrs and rich,
    # which the package's install then keeps, as they satisfy its floors.
    session.install("--resolution", "lowest-direct", *group("test"), *PACKAGE_EDITABLE)
    run_pytest(session, *TWO_PER_CORE)


@nox.session(python=OLDEST)
def pipeline(session: nox.Session) -> None:
    """The maintainers' pipeline: generation in scratch copies, the API diff, the benchmark's
    harness (~40 s)."""
    session.install(*group("pipeline"), *PACKAGE_EDITABLE)
    run_pytest(session, *ONE_PER_CORE, "tests/pipeline", "tests/bench")


@nox.session(python=OLDEST)
def spec(session: nox.Session) -> None:
    """The spec: valid OpenAPI 3.1, clean under Redocly's rules (Node.js), and in agreement with
    the official SDK's structure."""
    session.install(*group("spec"), *PACKAGE_EDITABLE)
    run_pytest(session, *ONE_PER_CORE, "tests/spec")


@nox.session(python=OLDEST)
def typing(session: nox.Session) -> None:
    """The public API under mypy and pyright, installed as users get it (not editable)."""
    session.install(*group("typing"), "--reinstall-package", "llama-cloud-batch", ".")
    run_pytest(session, *ONE_PER_CORE, "tests/typing")


@nox.session(python=OLDEST)
def docs(session: nox.Session) -> None:
    """The documentation site into site/, strictly (any warning fails it), then its checks:
    pages, reference, and a search in Chromium where one is installed (~1 min).

    Arguments after -- go to `mkdocs build` (e.g. `-- --site-dir /tmp/site`).
    """
    session.install(*group("docs-check"), *PACKAGE_EDITABLE)
    # Material prints a banner about MkDocs 2 on every build unless told not to, and so do
    # mkdocs-gen-files and mkdocs-literate-nav (through properdocs).
    session.env["NO_MKDOCS_2_WARNING"] = "1"
    session.env["DISABLE_MKDOCS_2_WARNING"] = "true"
    keep_bytecode(session)
    session.run("mkdocs", "build", "--strict", *session.posargs)
    session.run("pytest", *ONE_PER_CORE, "tests/docs")


@nox.session(python=OLDEST)
def contract(session: nox.Session) -> None:
    """The local server against the spec: schemathesis, and Prism's validating proxy (Node.js)."""
    session.install(*group("contract"), *PACKAGE_EDITABLE)
    run_pytest(session, "tests/contract")


@nox.session(python=OLDEST)
def release_checks(session: nox.Session) -> None:
    """Building, release notes and publishing end to end, against a local package index."""
    session.install(*group("release-check"), *PACKAGE_EDITABLE)
    run_pytest(session, *ONE_PER_CORE, "tests/release")


@nox.session(python=OLDEST)
def version_check(session: nox.Session) -> None:
    """Fail when _version.py is below what the API diff since the last release requires."""
    session.install(*group("generator"))
    session.run("python", "generator/release.py", "check")


@nox.session(python=OLDEST)
def generator_latest(session: nox.Session) -> None:
    """Render with the newest openapi-python-client (or `-- VERSION`) and report what breaks.

    Report only (it does not fail on what it finds, and is not run by default or in CI).
    """
    session.install(*group("pipeline"), *PACKAGE_EDITABLE)
    wanted = f"openapi-python-client=={session.posargs[0]}" if session.posargs else None
    session.install("--upgrade", wanted or "openapi-python-client")
    session.run("python", "generator/generator_latest.py")


@nox.session(python=OLDEST)
def build(session: nox.Session) -> None:
    """dist/: the sdist and the wheel built from it, after the drift check; both checked."""
    session.install(*group("release"))
    session.run("python", "generator/publish.py", "build")


@nox.session(python=OLDEST)
def release(session: nox.Session) -> None:
    """Prepare a release: `-- auto` (bump from the spec diff) or `-- major|minor|patch`."""
    session.install(*group("generator"))
    session.run("python", "generator/release.py", *session.posargs)


@nox.session(python=OLDEST)
def publish(session: nox.Session) -> None:
    """Check, test, build and upload (`-- --repository-url URL`, `-- --skip-tests`; see README)."""
    session.install(*group("release"))
    if "--skip-tests" not in session.posargs:
        session.install(*group("test"), *PACKAGE_EDITABLE)
    session.run("python", "generator/publish.py", "upload", *session.posargs)


@nox.session(python=OLDEST)
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

    session.install(*group("generator"))
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
        summary = "openapi.json: "
        copies = [
            scratch / side / "generated/_llama_cloud_batch_generated/openapi.json"
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


@nox.session(python=OLDEST)
def bench(session: nox.Session) -> None:
    """Speed and memory against the official SDK and raw httpx, and the command line's download
    against a raw downloader -> docs/benchmarks.md and .png (~10 min).

    Arguments after -- go to `python -m benchmarks` (e.g. `-- --quick`, `-- --jobs 2000`).
    """
    import shlex

    # Installed as users get it (not editable: an editable install adds a path entry that every
    # import of the package searches), with the command line (its download is measured) and the
    # local test server it downloads from.
    session.install("--reinstall-package", "llama-cloud-batch", ".[cli,testing]", *group("bench"))
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


# Which official SDK release each top-level resource is checked against (not the benchmark's).
REFERENCE_PINS = "generator/reference.toml"


@nox.session(python=OLDEST)
def reference(session: nox.Session) -> None:
    """Refresh tests/data/reference/ from the official SDK's types, one file per release pinned
    in generator/reference.toml, each release installed in turn (two cannot share a process).

    `-- --check` fails instead of writing when a file is not what its release says.
    """
    import tomllib
    from pathlib import Path

    versions = sorted(set(tomllib.loads(Path(REFERENCE_PINS).read_text())["pins"].values()))
    session.install(*group("generator"))  # PyYAML reads the map
    for version in versions:
        session.install(f"llama-cloud=={version}")
        session.run("python", "generator/reference.py", "--sdk", version, *session.posargs)


@nox.session(python=OLDEST)
def demo(session: nox.Session) -> None:
    """The client against the local server: sample jobs, the docs' example, a wait; offline.

    The tour itself is llama_cloud_batch/testing/demo.py (`-- --auto-tick 1` slows the jobs).
    """
    session.install("-e", ".[testing,cli]")
    session.run("python", "-m", "llama_cloud_batch.testing.demo", *session.posargs)


@nox.session(name="cli-picture", python=OLDEST)
def cli_picture(session: nox.Session) -> None:
    """docs/cli-wait.svg: `llama-cloud-batch jobs wait` on local jobs, as rich records it."""
    session.install("-e", ".[testing,cli]")
    session.run("python", "docs/cli_picture.py", *session.posargs)
