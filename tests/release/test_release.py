"""`release`: the bump follows the API-level diff of the spec; the version goes where it belongs."""

from __future__ import annotations

import datetime
import subprocess
import sys
from typing import TYPE_CHECKING, Any

import pytest
import release
import yaml
from release_support import ROOT, commit_all, git, python_env, snapshot
from spec_diff import Change

if TYPE_CHECKING:
    from pathlib import Path

DATE = "2031-02-03"
SCHEMA = "BatchJob"


# --- the pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "bump", "expected"),
    [
        ("0.1.0", "major", "1.0.0"),  # literal before 1.0 too: breaking means major
        ("0.1.0", "minor", "0.2.0"),
        ("0.1.0", "patch", "0.1.1"),
        ("1.4.7", "major", "2.0.0"),
        ("1.4.7", "minor", "1.5.0"),
        ("1.4.7", "patch", "1.4.8"),
    ],
)
def test_bump_version(version: str, bump: release.Bump, expected: str) -> None:
    assert release.bump_version(version, bump) == expected


@pytest.mark.parametrize("version", ["1.2", "1.2.3rc1", "v1.2.3", ""])
def test_bump_version_refuses_what_is_not_major_minor_patch(version: str) -> None:
    with pytest.raises(release.ReleaseError, match=r"MAJOR\.MINOR\.PATCH"):
        release.bump_version(version, "patch")


def test_set_spec_version_changes_only_the_info_version_line() -> None:
    text = (ROOT / "spec" / "openapi.yaml").read_text()
    updated = release.set_spec_version(text, "9.8.7")
    changed = [
        (before, after)
        for before, after in zip(text.splitlines(), updated.splitlines(), strict=True)
        if before != after
    ]
    assert changed == [
        (f"  version: {yaml.safe_load(text)['info']['version']}", "  version: 9.8.7")
    ]
    assert yaml.safe_load(updated)["info"]["version"] == "9.8.7"


def test_set_spec_version_skips_version_properties_elsewhere() -> None:
    text = "openapi: 3.1.0\ninfo:\n  title: T\n\n  version: '1.0.0'\npaths: {}\nx:\n  version: 5\n"
    assert release.set_spec_version(text, "1.1.0") == text.replace("'1.0.0'", "1.1.0")
    with pytest.raises(release.ReleaseError, match=r"no `info\.version`"):
        release.set_spec_version("openapi: 3.1.0\ninfo:\n  title: T\nx:\n  version: 5\n", "1.1.0")


def test_version_line_round_trip() -> None:
    text = '"""Doc."""\n\n__version__ = "0.4.2"\n'
    assert release.read_version(text) == "0.4.2"
    assert release.write_version(text, "0.5.0") == '"""Doc."""\n\n__version__ = "0.5.0"\n'


def test_changelog_entry_sorts_changes_into_sections() -> None:
    changes = [
        Change("response-property-removed", "BatchJob.workflow_id", True, "property removed"),
        Change("operation-added", "POST /jobs (retryJob)", False, "new operation"),
        Change("request-property-required-changed", "BatchJobCreate.x", False, "now optional"),
    ]
    entry = release.changelog_entry("2.0.0", datetime.date(2031, 2, 3), changes)
    assert entry == (
        "## 2.0.0 (2031-02-03)\n"
        "\n### Breaking\n\n- `BatchJob.workflow_id`: property removed\n"
        "\n### Added\n\n- `POST /jobs (retryJob)`: new operation\n"
        "\n### Changed\n\n- `BatchJobCreate.x`: now optional\n"
    )
    empty = release.changelog_entry("2.0.1", datetime.date(2031, 2, 4), [])
    assert empty == (
        "## 2.0.1 (2031-02-04)\n"
        "\n### Changed\n\n- No change to the API description (spec/openapi.yaml).\n"
    )


def test_prepend_entry_goes_above_the_newest_entry() -> None:
    existing = "# Changelog\n\nIntro.\n\n## 0.1.0\n\n- First.\n"
    assert release.prepend_entry(existing, "## 0.2.0 (d)\n\n- Next.\n") == (
        "# Changelog\n\nIntro.\n\n## 0.2.0 (d)\n\n- Next.\n\n## 0.1.0\n\n- First.\n"
    )
    assert release.prepend_entry("", "## 0.2.0 (d)\n") == "# Changelog\n\n## 0.2.0 (d)\n"


HAND_WRITTEN = (
    "# Changelog\n\nIntro.\n\n## Unreleased\n\n- Reading is faster.\n\n"
    "### Fixed\n\n- Frozen subclasses read nulls.\n  (Continued.)\n\n### Breaking\n\n"
    "- `Old` is gone.\n\n## 0.1.0\n\n- First.\n"
)


def test_the_unreleased_section_joins_the_next_entry_under_its_headings() -> None:
    rest, pending = release.take_unreleased(HAND_WRITTEN)
    assert rest == "# Changelog\n\nIntro.\n\n## 0.1.0\n\n- First.\n"
    assert pending == {
        "Changed": ["- Reading is faster."],
        "Fixed": ["- Frozen subclasses read nulls.", "  (Continued.)"],
        "Breaking": ["- `Old` is gone."],
    }
    removed = Change("response-property-removed", "BatchJob.x", True, "property removed")
    entry = release.changelog_entry("1.0.0", datetime.date(2031, 2, 3), [removed], pending)
    assert entry == (
        "## 1.0.0 (2031-02-03)\n"
        "\n### Breaking\n\n- `BatchJob.x`: property removed\n- `Old` is gone.\n"
        "\n### Changed\n\n- Reading is faster.\n"
        "\n### Fixed\n\n- Frozen subclasses read nulls.\n  (Continued.)\n"
    )
    assert release.take_unreleased(rest) == (rest, {})
    # An empty section, or one the last release already took, adds nothing.
    assert release.take_unreleased("# Changelog\n\n## Unreleased\n\n## 0.1.0\n") == (
        "# Changelog\n\n## 0.1.0\n",
        {},
    )


# --- release in a copy of the repository ------------------------------------------------------


def run(repository: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=repository,
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def edit_spec(repository: Path, change: Any) -> None:
    path = repository / "spec" / "openapi.yaml"
    spec = yaml.safe_load(path.read_text())
    change(spec["components"]["schemas"][SCHEMA])
    path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))


def current_version(repository: Path) -> str:
    return release.read_version(
        (repository / "overrides" / "llama_cloud_batch" / "_version.py").read_text()
    )


def an_optional_property(schema: dict[str, Any]) -> str:
    return str(
        next(name for name in schema["properties"] if name not in schema.get("required", []))
    )


def snapshot_without_unreleased(destination: Path) -> Path:
    """A snapshot whose CHANGELOG.md has no `## Unreleased` section (the repository's own may hold
    any lines), still one commit."""
    repository = snapshot(destination)
    changelog = repository / "CHANGELOG.md"
    changelog.write_text(release.take_unreleased(changelog.read_text())[0])
    git("commit", "--quiet", "--all", "--amend", "--no-edit", cwd=repository)
    return repository


def assert_released(
    repository: Path, result: subprocess.CompletedProcess[str], version: str
) -> str:
    """Checks every place the version goes; returns the new changelog entry."""
    assert result.returncode == 0, result.stdout + result.stderr
    assert current_version(repository) == version
    assert yaml.safe_load((repository / "spec" / "openapi.yaml").read_text())["info"][
        "version"
    ] == (version)
    # generated/ was regenerated from the new spec, so the drift check passes.
    check = run(repository, "generator/generate.py", "--check")
    assert check.returncode == 0, check.stdout
    # Nothing committed or tagged; the commands to do it are printed.
    assert git("rev-list", "--count", "HEAD", cwd=repository).strip() == "1"
    assert git("tag", cwd=repository) == ""
    assert f'git tag -a v{version} -m "Release {version}"' in result.stdout
    changelog = (repository / "CHANGELOG.md").read_text()
    assert changelog.startswith("# Changelog\n")
    newest = changelog.index("\n## ")
    older = changelog.index("\n## ", newest + 1)  # the earlier entries stay, below
    assert changelog[newest:].startswith(f"\n## {version} ({DATE})\n")
    return changelog[newest:older]


def test_auto_picks_major_after_a_property_is_removed(tmp_path: Path) -> None:
    repository = snapshot(tmp_path / "repo")
    before = current_version(repository)
    removed = []

    def remove_one(schema: dict[str, Any]) -> None:
        removed.append(an_optional_property(schema))
        del schema["properties"][removed[0]]

    edit_spec(repository, remove_one)
    result = run(repository, "generator/release.py", "auto", "--date", DATE)
    expected = f"{int(before.split('.')[0]) + 1}.0.0"
    entry = assert_released(repository, result, expected)
    assert f"### Breaking\n\n- `{SCHEMA}.{removed[0]}`: property removed\n" in entry
    assert f"major release: {before} -> {expected}" in result.stdout

    again = run(repository, "generator/release.py", "auto", "--date", DATE)
    assert again.returncode != 0
    assert f"already says {expected}" in again.stderr
    assert current_version(repository) == expected


def test_auto_picks_minor_after_a_property_is_added(tmp_path: Path) -> None:
    repository = snapshot_without_unreleased(tmp_path / "repo")
    before = current_version(repository)
    edit_spec(
        repository,
        lambda schema: schema["properties"].update(
            queue_position={"type": ["integer", "null"], "description": "Place in the queue."}
        ),
    )
    result = run(repository, "generator/release.py", "auto", "--date", DATE)
    major, minor, _ = before.split(".")
    entry = assert_released(repository, result, f"{major}.{int(minor) + 1}.0")
    assert f"### Added\n\n- `{SCHEMA}.queue_position`: new optional property\n" in entry
    assert "### Breaking" not in entry


def test_a_patch_release_takes_in_the_unreleased_lines(tmp_path: Path) -> None:
    repository = snapshot_without_unreleased(tmp_path / "repo")
    before = current_version(repository)
    changelog = repository / "CHANGELOG.md"
    older = changelog.read_text().split("\n## ", 1)[1]
    changelog.write_text(
        "# Changelog\n\n## Unreleased\n\n### Fixed\n\n- A hand-written line.\n\n## " + older
    )
    result = run(repository, "generator/release.py", "patch", "--date", DATE)
    major, minor, patch = before.split(".")
    entry = assert_released(repository, result, f"{major}.{minor}.{int(patch) + 1}")
    assert "### Changed\n\n- No change to the API description (spec/openapi.yaml).\n" in entry
    assert entry.endswith("\n### Fixed\n\n- A hand-written line.\n")
    assert "## Unreleased" not in changelog.read_text()


def test_an_explicit_bump_below_the_required_one_is_refused(tmp_path: Path) -> None:
    repository = snapshot(tmp_path / "repo")
    before = current_version(repository)
    edit_spec(repository, lambda schema: schema["properties"].pop(an_optional_property(schema)))
    result = run(repository, "generator/release.py", "minor")
    assert result.returncode != 0
    assert "needs a major release, not minor" in result.stderr
    assert current_version(repository) == before
    assert git("status", "--porcelain", cwd=repository) == " M spec/openapi.yaml\n"


def test_the_last_release_tag_wins_over_later_version_commits(tmp_path: Path) -> None:
    repository = snapshot(tmp_path / "repo")
    before = current_version(repository)
    git("tag", f"v{before}", cwd=repository)
    # After the tag: a property goes, and a commit touches _version.py without releasing.
    edit_spec(repository, lambda schema: schema["properties"].pop(an_optional_property(schema)))
    version_file = repository / "overrides" / "llama_cloud_batch" / "_version.py"
    version_file.write_text(version_file.read_text() + "# touched\n")
    commit_all(repository, "Work after the release")
    result = run(repository, "generator/release.py", "auto", "--date", DATE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"last release: tag v{before}" in result.stdout
    assert current_version(repository) == f"{int(before.split('.')[0]) + 1}.0.0"


def test_check_wants_at_least_the_bump_the_diff_needs(tmp_path: Path) -> None:
    repository = snapshot(tmp_path / "repo")  # its one commit is the last to change _version.py
    before = current_version(repository)
    unchanged = run(repository, "generator/release.py", "check")
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    assert "none needed" in unchanged.stdout

    edit_spec(repository, lambda schema: schema["properties"].pop(an_optional_property(schema)))
    stale = run(repository, "generator/release.py", "check")
    needed = f"{int(before.split('.')[0]) + 1}.0.0"
    assert stale.returncode != 0
    assert f"says {before}, but the API changes" in stale.stderr
    assert f"need a major release, at least {needed}" in stale.stderr

    version_file = repository / "overrides" / "llama_cloud_batch" / "_version.py"
    version_file.write_text(release.write_version(version_file.read_text(), needed))
    bumped = run(repository, "generator/release.py", "check")
    assert bumped.returncode == 0, bumped.stderr
