"""Prepares a release: picks the version, writes it everywhere it belongs, records the changelog.

    python generator/release.py auto               # the bump the spec's API-level diff requires
    python generator/release.py major|minor|patch  # explicit (refused below the required one)
    python generator/release.py check              # CI: _version.py >= what the diff needs?
    nox -s release -- auto                         # the same, with the pinned generator

The last release is the newest tag vX.Y.Z reachable from HEAD; without one, the last commit that
changed overrides/llama_cloud_batch/_version.py (a release commit always changes it). spec_diff
compares spec/openapi.yaml there with the working spec: a breaking change bumps major, any other
API change minor, none patch (`auto` makes a patch then; `check` accepts no bump). The bump is
taken literally before 1.0 too (a breaking change on 0.x gives 1.0.0), so the version always
tells what the diff found.

Then it writes the version into _version.py (the one place it is kept) and into the spec's
`info.version` (which always equals the version of the release that shipped that spec), prepends a
CHANGELOG.md entry made from the change list (and the lines of its `## Unreleased` section, which
the entry takes in), and regenerates generated/. It commits and tags
nothing: it prints the git commands that do.
"""

from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import generate
import spec_diff
import yaml

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

ROOT = Path(__file__).resolve().parent.parent
VERSION_FILE = ROOT / "overrides" / "llama_cloud_batch" / "_version.py"
SPEC = ROOT / "spec" / "openapi.yaml"
CHANGELOG = ROOT / "CHANGELOG.md"
RESOURCES = ROOT / "generator" / "resources.yaml"

Bump = Literal["patch", "minor", "major"]
BUMPS: tuple[Bump, ...] = get_args(Bump)  # weakest first
VERSION_LINE = re.compile(r'^__version__ = "(?P<version>[^"]*)"$', re.MULTILINE)
SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)")
TAG_PATTERN = "v[0-9]*.[0-9]*.[0-9]*"
# The `version:` line of the top-level `info:` block: the first indented key `version` after
# `info:` and before the next top-level key. Edited in place so comments and layout survive.
INFO_VERSION = re.compile(r"(?m)^(info:\n(?:[ \t]+.*\n|\n)*?[ \t]+version:[ \t]*)(\S.*)$")
CHANGELOG_HEADER = "# Changelog\n"
UNRELEASED = "## Unreleased"


class ReleaseError(RuntimeError):
    """The release cannot be prepared as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Release:
    previous: str
    version: str
    bump: Bump
    baseline: str
    changes: tuple[spec_diff.Change, ...]


def read_version(text: str) -> str:
    match = VERSION_LINE.search(text)
    if match is None:
        raise ReleaseError('no `__version__ = "X.Y.Z"` line in _version.py')
    return match["version"]


def write_version(text: str, version: str) -> str:
    return VERSION_LINE.sub(f'__version__ = "{version}"', text, count=1)


def bump_version(version: str, bump: Bump) -> str:
    match = SEMVER.fullmatch(version)
    if match is None:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH; fix _version.py first")
    major, minor, patch = (int(part) for part in match.groups())
    if bump == "major":
        return f"{major + 1}.0.0"
    if bump == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def set_spec_version(text: str, version: str) -> str:
    """The spec text with `info.version` set, everything else byte for byte unchanged."""
    updated, count = INFO_VERSION.subn(lambda match: match[1] + version, text, count=1)
    if count != 1:
        raise ReleaseError("spec/openapi.yaml has no `info.version` line to update")
    if yaml.safe_load(updated)["info"]["version"] != version:
        raise ReleaseError("could not set info.version in spec/openapi.yaml (unusual layout?)")
    return updated


def changelog_entry(
    version: str,
    date: datetime.date,
    changes: Sequence[spec_diff.Change],
    unreleased: Mapping[str, Sequence[str]] | None = None,
) -> str:
    """One entry: Breaking, Added (spec_diff's `*-added` kinds), Changed (the rest), each
    followed by the hand-written lines `unreleased` files under it; its other sections last."""
    sections: dict[str, list[str]] = {"Breaking": [], "Added": [], "Changed": []}
    for change in changes:
        if change.breaking:
            section = "Breaking"
        elif change.kind.endswith("-added"):
            section = "Added"
        else:
            section = "Changed"
        sections[section].append(f"- `{change.where}`: {change.detail}")
    if not changes:
        sections["Changed"].append("- No change to the API description (spec/openapi.yaml).")
    for title, lines in (unreleased or {}).items():
        sections.setdefault(title, []).extend(lines)
    body = "".join(
        f"\n### {title}\n\n" + "\n".join(lines) + "\n" for title, lines in sections.items() if lines
    )
    return f"## {version} ({date.isoformat()})\n{body}"


def take_unreleased(changelog: str) -> tuple[str, dict[str, list[str]]]:
    """The changelog without its `## Unreleased` section (lines written by hand, between releases,
    about what the spec does not show), and that section's lines by `###` heading (lines before
    any heading count as Changed)."""
    start = re.search(rf"(?m)^{re.escape(UNRELEASED)}[ \t]*$", changelog)
    if start is None:
        return changelog, {}
    following = re.search(r"(?m)^## ", changelog[start.end() :])
    end = len(changelog) if following is None else start.end() + following.start()
    sections: dict[str, list[str]] = {}
    title = "Changed"
    for line in changelog[start.end() : end].splitlines():
        if line.startswith("### "):
            title = line.removeprefix("### ").strip()
        else:
            sections.setdefault(title, []).append(line)
    texts = {title: "\n".join(lines).strip("\n") for title, lines in sections.items()}
    pending = {title: text.split("\n") for title, text in texts.items() if text}
    return changelog[: start.start()] + changelog[end:], pending


def prepend_entry(changelog: str, entry: str) -> str:
    """The changelog with entry above the newest one (and a header if the file was empty)."""
    if not changelog.strip():
        changelog = CHANGELOG_HEADER
    first = re.search(r"(?m)^## ", changelog)
    if first is None:
        return changelog.rstrip("\n") + "\n\n" + entry
    return changelog[: first.start()] + entry + "\n" + changelog[first.start() :]


def git(*args: str) -> str:
    completed = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
    return completed.stdout.strip()


def last_release() -> tuple[str, str]:
    """The commit of the last release and how it was found (see the module docstring)."""
    tags = git("tag", "--merged", "HEAD", "--sort=-v:refname", "--list", TAG_PATTERN).split()
    if tags:
        return tags[0], f"tag {tags[0]}"
    version_file = VERSION_FILE.relative_to(ROOT).as_posix()
    commit = git("log", "-1", "--format=%H", "--", version_file)
    return commit, f"commit {commit[:12]}, which last changed {version_file}"


def spec_at(revision: str) -> Mapping[str, Any]:
    path = SPEC.relative_to(ROOT).as_posix()
    return cast("Mapping[str, Any]", yaml.safe_load(git("show", f"{revision}:{path}")))


def changes_since(revision: str) -> tuple[spec_diff.Change, ...]:
    """The API changes from the spec at revision to the working spec, with Python names from
    the resource maps (generator/resources.yaml) where they exist."""
    resources = RESOURCES.relative_to(ROOT).as_posix()
    try:
        old_names = spec_diff.resource_names(yaml.safe_load(git("show", f"{revision}:{resources}")))
    except ReleaseError:  # no resource map at that revision
        old_names = {}
    new_names = (
        spec_diff.resource_names(yaml.safe_load(RESOURCES.read_text()))
        if RESOURCES.exists()
        else {}
    )
    new = yaml.safe_load(SPEC.read_text())
    return tuple(
        spec_diff.compare(spec_at(revision), new, old_names=old_names, new_names=new_names)
    )


def version_key(version: str) -> tuple[int, int, int]:
    match = SEMVER.fullmatch(version)
    if match is None:
        raise ReleaseError(f"version {version!r} is not MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def check_version() -> str:
    """Fails unless _version.py is at least the last release bumped as the spec diff requires."""
    revision, found = last_release()
    version_path = VERSION_FILE.relative_to(ROOT).as_posix()
    released = read_version(git("show", f"{revision}:{version_path}"))
    current = read_version(VERSION_FILE.read_text())
    changes = changes_since(revision)
    required = spec_diff.required_bump(changes)
    needed = released if required == "none" else bump_version(released, required)
    if version_key(current) < version_key(needed):
        raise ReleaseError(
            f"{version_path} says {current}, but the API changes since the last release "
            f"({found}, {released}) need a {required} release, at least {needed}. "
            f"Run `nox -s release -- auto`.\n" + spec_diff.render(changes)
        )
    return f"version {current} covers the API changes since {found} ({released}, {required} needed)"


def prepare(requested: Bump | Literal["auto"]) -> Release:
    """Works out the release without writing anything."""
    version_path = VERSION_FILE.relative_to(ROOT).as_posix()
    current = read_version(VERSION_FILE.read_text())
    committed = read_version(git("show", f"HEAD:{version_path}"))
    if current != committed:
        raise ReleaseError(
            f"{version_path} already says {current} (HEAD: {committed}): a release is prepared "
            "and not committed. Commit it, or `git checkout` the files release wrote, first."
        )
    revision, found = last_release()
    changes = changes_since(revision)
    # Without API changes a release is still one of the code: a patch.
    diffed = spec_diff.required_bump(changes)
    required: Bump = "patch" if diffed == "none" else diffed
    bump = required if requested == "auto" else requested
    if BUMPS.index(bump) < BUMPS.index(required):
        raise ReleaseError(
            f"the spec changed in a way that needs a {required} release, not {bump}:\n"
            + spec_diff.render(changes)
        )
    return Release(current, bump_version(current, bump), bump, found, changes)


def apply(release: Release, date: datetime.date) -> None:
    """Writes the version, the spec's info.version and the changelog, then regenerates."""
    VERSION_FILE.write_text(write_version(VERSION_FILE.read_text(), release.version))
    SPEC.write_text(set_spec_version(SPEC.read_text(), release.version))
    changelog, unreleased = take_unreleased(CHANGELOG.read_text() if CHANGELOG.exists() else "")
    entry = changelog_entry(release.version, date, release.changes, unreleased)
    CHANGELOG.write_text(prepend_entry(changelog, entry))
    if generate.main([]) != 0:
        raise ReleaseError("regenerating generated/ failed; see above")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("bump", choices=[*BUMPS, "auto", "check"])
    parser.add_argument(
        "--date",
        type=datetime.date.fromisoformat,
        default=datetime.datetime.now(datetime.UTC).date(),
        help="the changelog date (default: today, UTC)",
    )
    args = parser.parse_args(argv)
    if args.bump == "check":
        print(check_version())
        return 0
    release = prepare(args.bump)
    print(f"last release: {release.baseline}")
    print(spec_diff.render(release.changes))
    print(f"{release.bump} release: {release.previous} -> {release.version}")
    apply(release, args.date)
    tag = f"v{release.version}"
    print(
        "\nWritten: overrides/llama_cloud_batch/_version.py, spec/openapi.yaml (info.version), "
        "CHANGELOG.md, generated/.\nReview CHANGELOG.md, then:\n"
        "  git add overrides spec generated CHANGELOG.md\n"
        f'  git commit -m "Release {release.version}"\n'
        f'  git tag -a {tag} -m "Release {release.version}"\n'
        f"  git push origin HEAD {tag}\n"
        "  nox -s publish    # checks, tests, builds and uploads"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (ReleaseError, generate.GenerationError) as error:
        sys.exit(f"release: {error}")
