"""Builds and checks the distribution files, and publishes them to a package index.

    python generator/publish.py build     # dist/: the sdist, then the wheel built from that sdist
    python generator/publish.py upload [--repository-url URL] [--index-url URL] [--skip-tests]
    nox -s build / nox -s publish [-- ARGS]   # the same, with the pinned tools installed

`build` fails when generated/ is stale, when `twine check --strict` objects, or when the files hold
anything but the packages: the wheel must hold exactly overrides/llama_cloud_batch (py.typed
included) and generated/_llama_cloud_batch_generated, and the license; its metadata a readme,
license, project URLs, classifiers and requires-python; and its dependencies must be what the
code imports (each extra for what its subpackage alone imports: `testing` for
llama_cloud_batch.testing, `cli` for llama_cloud_batch.cli).

`upload` refuses, before anything leaves the machine, when the working tree is not clean, no
password or token is set, the version is already on the index, generated/ is stale, the test suite
fails (`--skip-tests` skips it, with a warning: only for a commit whose suite has just passed), or
the build fails its checks. Credentials are TWINE_USERNAME (default __token__) and TWINE_PASSWORD;
the index is --repository-url, else TWINE_REPOSITORY_URL, else PyPI. Its simple API, where the
version is looked up, is --index-url, else derived from the upload URL.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email import message_from_bytes
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import urlsplit, urlunsplit

import generate
import httpx
import release

if TYPE_CHECKING:
    from collections.abc import Mapping
    from email.message import Message

ROOT = generate.ROOT
PACKAGE = generate.PACKAGE
PROJECT = "llama-cloud-batch"
DIST = ROOT / "dist"
PYPI_UPLOAD_URL = "https://upload.pypi.org/legacy/"
# The maintainers' side of the repository: neither file of a release holds any of it.
FORBIDDEN_IN_DIST = ("spec/", "generator/", "tests/")
# The packages a wheel holds: the one users import (hand-written), and the generated one it
# builds on.
PACKAGE_DIRS = (ROOT / "overrides" / PACKAGE, generate.DEFAULT_OUTPUT / generate.GENERATED)
FIRST_PARTY = frozenset({PACKAGE, generate.GENERATED})
REQUIRED_METADATA = (
    "Requires-Python",
    "License-Expression",
    "License-File",
    "Project-URL",
    "Classifier",
    "Description-Content-Type",
)
# Import names that differ from the distribution that provides them.
DISTRIBUTION_OF = {"attr": "attrs"}
EXTRA_MARKER = re.compile(r"""extra\s*==\s*["']([^"']+)["']""")
INDEX_TIMEOUT = 30.0


class Refused(RuntimeError):
    """A publish or build precondition failed; the message says which and what to do."""


def refuse(message: str) -> NoReturn:
    raise Refused(message)


def run(*args: str, env: Mapping[str, str] | None = None) -> int:
    """Runs a tool in the repository with its output shown as it comes."""
    return subprocess.run(args, cwd=ROOT, env=env, check=False).returncode


def version() -> str:
    return release.read_version(release.VERSION_FILE.read_text())


def check_drift() -> None:
    if run(sys.executable, str(ROOT / "generator" / "generate.py"), "--check") != 0:
        refuse("generated/ is stale (diff above): run `nox -s generate` and commit the result")


# --- build ------------------------------------------------------------------------------------


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    return canonical(match[1]) if match else requirement


def third_party_imports(source: bytes) -> set[str]:
    """Distributions a module imports at run time (imports under `if TYPE_CHECKING:` excluded)."""
    tree = ast.parse(source)
    type_checking_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for statement in block.body
        for node in ast.walk(statement)
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in type_checking_only:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return {
        canonical(DISTRIBUTION_OF.get(name, name))
        for name in names
        if name not in sys.stdlib_module_names and name not in FIRST_PARTY
    }


def dependency_problems(metadata: Message, sources: Mapping[str, bytes]) -> list[str]:
    """Declared dependencies against imports (of the core, and of each extra's subpackage)."""
    extras: dict[str, set[str]] = {name: set() for name in metadata.get_all("Provides-Extra") or []}
    runtime: set[str] = set()
    for requirement in metadata.get_all("Requires-Dist") or []:
        marker = EXTRA_MARKER.search(requirement)
        declared = extras.setdefault(marker[1], set()) if marker else runtime
        declared.add(requirement_name(requirement))
    imported: dict[str, set[str]] = {"": set(), **{extra: set() for extra in extras}}
    for path, source in sources.items():
        top, part = Path(path).parts[0], Path(path).parts[1].removesuffix(".py")
        imported[part if top == PACKAGE and part in extras else ""] |= third_party_imports(source)
    problems = [
        f"wheel: imports {name} but does not depend on it"
        for name in sorted(imported[""] - runtime)
    ]
    problems += [
        f"wheel: depends on {name} but never imports it" for name in sorted(runtime - imported[""])
    ]
    for extra, declared in extras.items():
        problems += [
            f"wheel: {PACKAGE}.{extra} imports {name}, which the [{extra}] extra does not declare"
            for name in sorted(imported[extra] - runtime - declared)
        ]
        problems += [
            f"wheel: the [{extra}] extra declares {name}, which {PACKAGE}.{extra} never imports"
            for name in sorted(declared - imported[extra])
        ]
    return problems


def metadata_problems(metadata: Message, expected_version: str) -> list[str]:
    problems = [
        f"wheel: no {field} in METADATA" for field in REQUIRED_METADATA if not metadata.get(field)
    ]
    if canonical(metadata.get("Name", "")) != PROJECT:
        problems.append(f"wheel: Name is {metadata.get('Name')!r}, not {PROJECT}")
    if metadata.get("Version") != expected_version:
        problems.append(f"wheel: Version is {metadata.get('Version')!r}, not {expected_version}")
    if not str(metadata.get_payload()).strip():
        problems.append("wheel: METADATA has no long description (the readme)")
    return problems


def wheel_problems(
    wheel: Path, expected_version: str, package_dirs: tuple[Path, ...] = PACKAGE_DIRS
) -> list[str]:
    """What is wrong with the wheel: files (against package_dirs), metadata, dependencies."""
    dist_info = f"{PACKAGE}-{expected_version}.dist-info/"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        if dist_info + "METADATA" not in names:
            return [f"wheel: no {dist_info}METADATA (is the version {expected_version}?)"]
        metadata = message_from_bytes(archive.read(dist_info + "METADATA"))
        sources = {name: archive.read(name) for name in names if name.endswith(".py")}
    tops = tuple(f"{folder.name}/" for folder in package_dirs)
    packaged = {name for name in names if name.startswith(tops)}
    expected = {
        f"{folder.name}/{name}" for folder in package_dirs for name in generate.tree_files(folder)
    }
    problems = [
        f"wheel: {name} is neither the packages nor their metadata"
        for name in sorted(names)
        if not name.startswith((*tops, dist_info))
    ]
    problems += [f"wheel: {name} is missing" for name in sorted(expected - packaged)]
    problems += [
        f"wheel: {name} is in neither package's folder" for name in sorted(packaged - expected)
    ]
    for required in (f"{PACKAGE}/py.typed", f"{dist_info}licenses/LICENSE"):
        if required not in names:
            problems.append(f"wheel: no {required}")
    return (
        problems
        + metadata_problems(metadata, expected_version)
        + dependency_problems(
            metadata,
            {name: source for name, source in sources.items() if name.startswith(tops)},
        )
    )


def sdist_problems(sdist: Path, expected_version: str) -> list[str]:
    top = f"{PACKAGE}-{expected_version}/"
    with tarfile.open(sdist) as archive:
        names = {member.name for member in archive.getmembers() if member.isfile()}
    inside = {name.removeprefix(top) for name in names if name.startswith(top)}
    problems = [
        f"sdist: {name} is outside {top}" for name in sorted(names) if not name.startswith(top)
    ]
    problems += [
        f"sdist: holds {name}" for name in sorted(inside) if name.startswith(FORBIDDEN_IN_DIST)
    ]
    required = (
        "pyproject.toml",
        "PKG-INFO",
        "README.md",
        "LICENSE",
        f"overrides/{PACKAGE}/py.typed",
    )
    problems += [f"sdist: no {name}" for name in required if name not in inside]
    return problems


def build(outdir: Path = DIST) -> list[Path]:
    """The checked sdist and wheel, freshly built into outdir (emptied first)."""
    expected_version = version()
    shutil.rmtree(outdir, ignore_errors=True)
    # With no --sdist/--wheel, build makes the sdist and then the wheel from the unpacked sdist,
    # so the sdist is proven to be complete.
    built = run(sys.executable, "-m", "build", "--installer", "uv", "--outdir", str(outdir), ".")
    if built != 0:
        refuse("the build failed (output above)")
    sdists, wheels = sorted(outdir.glob("*.tar.gz")), sorted(outdir.glob("*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        found = [path.name for path in (*sdists, *wheels)]
        refuse(f"expected one sdist and one wheel in {outdir}, found {found}")
    files = [*sdists, *wheels]
    if run(sys.executable, "-m", "twine", "check", "--strict", *map(str, files)) != 0:
        refuse("`twine check --strict` rejected the files (output above)")
    problems = wheel_problems(wheels[0], expected_version)
    problems += sdist_problems(sdists[0], expected_version)
    if problems:
        refuse("the built files are wrong:\n  " + "\n  ".join(problems))
    for path in files:
        print(f"built {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return files


# --- upload -----------------------------------------------------------------------------------


def redact(url: str) -> str:
    """The URL without any user:password@ part, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def simple_index_url(repository_url: str) -> str:
    """The simple API of the index an upload URL belongs to (PyPI and TestPyPI upload elsewhere)."""
    parts = urlsplit(repository_url)
    host = {"upload.pypi.org": "pypi.org"}.get(parts.hostname or "", parts.netloc)
    path = re.sub(r"legacy/?$", "", parts.path).rstrip("/") + "/simple/"
    return urlunsplit((parts.scheme, host, path, "", ""))


def released_files(index_url: str, project_version: str, auth: tuple[str, str] | None) -> list[str]:
    """This version's files on the index (an empty list when the project or version is absent)."""
    url = f"{index_url.rstrip('/')}/{PROJECT}/"
    try:
        with httpx.Client(timeout=INDEX_TIMEOUT, follow_redirects=True) as client:
            response = client.get(url)
            if response.status_code in (401, 403) and auth:
                # Private indexes may guard reading too: only then are the credentials sent.
                response = client.get(url, auth=auth)
    except httpx.HTTPError as error:
        refuse(f"cannot ask {redact(url)} whether {project_version} exists: {type(error).__name__}")
    if response.status_code == 404:
        return []
    if response.status_code != 200:
        status = response.status_code
        refuse(f"cannot ask {redact(url)} whether {project_version} exists: HTTP {status}")
    # File names as any index lists them (normalized or not): this version's sdist or wheels.
    name = r"llama[-_.]cloud[-_.]batch-" + re.escape(project_version)
    pattern = name + r"""(?:\.tar\.gz|\.zip|-[^"'<>/#\s]*\.whl)"""
    return sorted(set(re.findall(pattern, response.text, flags=re.IGNORECASE)))


def dirty_files() -> list[str]:
    completed = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        refuse(f"`git status` failed: {completed.stderr.strip()}")
    return completed.stdout.splitlines()


def upload(
    repository_url: str, index_url: str, skip_tests: bool, environ: Mapping[str, str]
) -> None:
    env = {**environ, "TWINE_USERNAME": environ.get("TWINE_USERNAME") or "__token__"}
    dirty = dirty_files()
    if dirty:
        refuse(
            "the working tree is not clean; publish only what is committed:\n  "
            + "\n  ".join(dirty[:20])
            + ("\n  ..." if len(dirty) > 20 else "")
        )
    if not env.get("TWINE_PASSWORD"):
        refuse("no credentials: set TWINE_PASSWORD (an API token; TWINE_USERNAME if it is not one)")
    project_version = version()
    present = released_files(
        index_url, project_version, (env["TWINE_USERNAME"], env["TWINE_PASSWORD"])
    )
    if present:
        refuse(
            f"{PROJECT} {project_version} is already on {redact(index_url)} "
            f"({', '.join(present)}); an index never takes the same version twice: "
            "run `nox -s release -- auto` first"
        )
    check_drift()
    if skip_tests:
        print(
            "\n" + "!" * 72 + "\n!!! --skip-tests: publishing WITHOUT running the test suite.\n"
            "!!! Only do this for a commit whose suite has just passed.\n" + "!" * 72 + "\n"
        )
    elif run(sys.executable, "-m", "pytest") != 0:
        refuse("the test suite failed (output above); fix it before publishing")
    files = build()
    command = ["-m", "twine", "upload", "--non-interactive", "--disable-progress-bar"]
    command += ["--repository-url", repository_url]
    if run(sys.executable, *command, *map(str, files), env=env) != 0:
        refuse(
            f"the upload to {redact(repository_url)} failed (twine's output above); "
            "if it failed part-way, look at the index before trying again"
        )
    print(f"published {PROJECT} {project_version} to {redact(repository_url)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="build dist/ and check it")
    publish = commands.add_parser("upload", help="check everything, build, upload")
    publish.add_argument(
        "--repository-url",
        default=os.environ.get("TWINE_REPOSITORY_URL") or PYPI_UPLOAD_URL,
        help="upload URL (default: TWINE_REPOSITORY_URL, else PyPI)",
    )
    publish.add_argument(
        "--index-url", help="the index's simple API (default: from the upload URL)"
    )
    publish.add_argument(
        "--skip-tests", action="store_true", help="do not run the test suite first"
    )
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            check_drift()
            build()
        else:
            index_url = args.index_url or simple_index_url(args.repository_url)
            upload(args.repository_url, index_url, args.skip_tests, os.environ)
    except (Refused, release.ReleaseError) as error:
        outcome = "failed" if args.command == "build" else "refused"
        print(f"\n{args.command} {outcome}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
