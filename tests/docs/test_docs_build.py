"""The build is strict: a broken reference, a missing README section or a dead link fails it.

Each case breaks one thing in a copy of the project's documentation sources and builds that.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from site_build import ROOT, build


def copy_sources(into: Path) -> Path:
    """What `mkdocs build` reads: mkdocs.yml, docs/, README.md, CHANGELOG.md, and (linked) the
    package, generator/, whose resource map the reference's pages come from, and the examples
    the guides include."""
    project = into / "project"
    project.mkdir()
    for name in ("mkdocs.yml", "README.md", "CHANGELOG.md"):
        shutil.copy2(ROOT / name, project / name)
    shutil.copytree(ROOT / "docs", project / "docs")
    for folder in ("overrides", "generated", "generator", "examples"):
        (project / folder).symlink_to(ROOT / folder, target_is_directory=True)
    return project


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def break_reference(project: Path) -> str:
    append(project / "docs/reference/errors.md", "\n::: llama_cloud_batch.NoSuchName\n")
    return "llama_cloud_batch.NoSuchName"


def drop_readme_section(project: Path) -> str:
    readme = project / "README.md"
    kept = [line for line in readme.read_text().splitlines() if "[start:errors]" not in line]
    readme.write_text("\n".join(kept) + "\n", encoding="utf-8")
    return "errors"


def link_nowhere(project: Path) -> str:
    append(project / "docs/guide/cli.md", "\nSee [the missing page](no-such-page.md).\n")
    return "no-such-page.md"


def test_the_copied_sources_build(tmp_path: Path) -> None:
    """The cases below break a copy: unbroken, that copy builds."""
    completed = build(copy_sources(tmp_path), tmp_path / "site")
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("damage", [break_reference, drop_readme_section, link_nowhere])
def test_a_broken_source_fails_the_build(damage: Callable[[Path], str], tmp_path: Path) -> None:
    project = copy_sources(tmp_path)
    named = damage(project)
    completed = build(project, tmp_path / "site")
    assert completed.returncode != 0, f"the build passed despite {damage.__name__}"
    assert named in completed.stderr + completed.stdout
