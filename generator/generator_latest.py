"""Tries the installed openapi-python-client (not the pin) on our spec and templates; reports.

    nox -s generator_latest            # the newest release on the index
    nox -s generator_latest -- 0.29.0  # a given release

Steps, each reported as ok or broken, none stopping the next that can still run: render with
generator/templates, compare with the committed generated/, type-check the result (mypy --strict),
run the client tests against it. It only reports: the exit status is 0 unless the script itself
fails, so CI never depends on a release nobody has reviewed. generator/TEMPLATES.md says what each
template changes, which is where a failure usually points.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

import generate

PIN = generate.pinned_versions()["openapi-python-client"]


def step(name: str, ok: bool, detail: str = "") -> bool:
    print(f"[{'ok' if ok else 'BROKEN'}] {name}" + (f"\n{detail.rstrip()}" if detail else ""))
    return ok


def main() -> int:
    installed = version("openapi-python-client")
    print(f"openapi-python-client {installed} (pinned: {PIN})")
    if installed == PIN:
        print("The newest release is the pinned one: nothing to try.")
    # The pin check exists to keep generated/ reproducible; this trial is about another version.
    generate.check_tool_versions = lambda: None
    with tempfile.TemporaryDirectory(prefix="generator-latest-") as scratch:
        try:
            package = generate.build(generate.DEFAULT_SPEC, Path(scratch))
        except generate.GenerationError as error:
            step("render the spec with generator/templates", False, str(error)[-3000:])
            return 0
        step("render the spec with generator/templates", True)
        committed = generate.DEFAULT_OUTPUT / generate.GENERATED
        differences = generate.compare(package, committed)
        changed = [
            line for line in differences if line.startswith(("missing", "not made", "differs"))
        ]
        step(
            "same output as the pinned release",
            not changed,
            "\n".join(changed[:40])
            + (f"\n... {len(changed) - 40} more" if len(changed) > 40 else ""),
        )
        # The rendered package beside the hand-written one it builds on.
        mypy_path = os.pathsep.join([str(generate.ROOT / "overrides"), scratch])
        mypy = subprocess.run(
            [sys.executable, "-m", "mypy", "--strict", "-p", generate.GENERATED],
            capture_output=True, text=True, check=False, cwd=scratch,
            env={**os.environ, "MYPYPATH": mypy_path},
        )  # fmt: skip
        step("mypy --strict on the result", mypy.returncode == 0, mypy.stdout[-3000:])
        # The rendered package first on the path, ahead of the editable install's generated/.
        environment = {**os.environ, "PYTHONPATH": scratch}
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "tests/client"],
            capture_output=True, text=True, check=False, cwd=generate.ROOT, env=environment,
        )  # fmt: skip
        step("the client tests against the result", tests.returncode == 0, tests.stdout[-3000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
