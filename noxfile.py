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
LINT_REQUIREMENTS = ("mypy==2.4.1", "ruff==0.17.5", "jsonschema>=4.18", "types-PyYAML")


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
    """ruff over the hand-written code; mypy --strict over the whole package, generated code included."""
    session.install(*LINT_REQUIREMENTS, "-r", GENERATOR_REQUIREMENTS, "httpx", "attrs", "nox")
    session.run("ruff", "format", "--check", ".")
    session.run("ruff", "check", ".")
    session.run("mypy", "generated/llama_cloud_batch", "generator", "noxfile.py")


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite (pass pytest arguments after --)."""
    session.install("-r", TEST_REQUIREMENTS, "-e", ".")
    session.run("pytest", *session.posargs)
