"""Publishing end to end: `nox -s publish` to a real index, then a user's install from it.

A pypiserver with upload authentication runs on 127.0.0.1. The repository is copied into a
temporary one-commit repository (so the clean-tree check passes and nothing touches this
checkout), and `nox -s publish` runs there as a maintainer would run it. A fresh virtual
environment then installs the package from the index, and the documentation's example runs from
it against the local batch-processing server.
"""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from typing import TYPE_CHECKING

import httpx
import publish
import pytest
import release
from llama_cloud_batch.testing import BatchServer
from release_support import ROOT, Index, python_env, replace_suite, snapshot

if TYPE_CHECKING:
    from pathlib import Path


SEED_EXAMPLE = ROOT / "tests" / "data" / "seed_example.py"
API_KEY = "e2e-key-not-a-secret"
NOX_TIMEOUT = 600
# publish runs the clone's test suite before uploading. The clone's suite is this small one:
# the full suite is the run this test belongs to, and would otherwise run itself again.
SMOKE_TEST = """\
from importlib.metadata import version

import llama_cloud_batch


def test_the_installed_package_reports_its_version() -> None:
    assert llama_cloud_batch.__version__ == version("llama-cloud-batch")
"""


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clone = snapshot(tmp_path_factory.mktemp("clone"))
    replace_suite(clone, SMOKE_TEST)
    return clone


def nox_publish(repository: Path, index: Index) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "-s", "publish", "--", "--repository-url", index.url],
        cwd=repository,
        env=python_env(TWINE_USERNAME=index.username, TWINE_PASSWORD=index.password),
        capture_output=True,
        text=True,
        timeout=NOX_TIMEOUT,
        check=False,
    )


def released_version(repository: Path) -> str:
    return release.read_version(
        (repository / "overrides" / "llama_cloud_batch" / "_version.py").read_text()
    )


@pytest.fixture(scope="module")
def first_publish(repository: Path, index: Index) -> subprocess.CompletedProcess[str]:
    return nox_publish(repository, index)


def test_publish_uploads_the_sdist_and_wheel_with_credentials(
    first_publish: subprocess.CompletedProcess[str], repository: Path, index: Index
) -> None:
    output = first_publish.stdout + first_publish.stderr
    assert first_publish.returncode == 0, output
    version = released_version(repository)
    assert index.files() == {
        f"llama_cloud_batch-{version}.tar.gz",
        f"llama_cloud_batch-{version}-py3-none-any.whl",
    }
    assert "1 passed" in output  # the clone's suite ran before the upload
    assert f"published llama-cloud-batch {version}" in output
    assert index.password not in output
    # The index really guards uploads, so the credentials above were needed and used.
    anonymous = httpx.post(index.url, data={":action": "file_upload"}, timeout=10)
    assert anonymous.status_code == 401


def test_a_fresh_environment_installs_it_and_runs_the_example(
    first_publish: subprocess.CompletedProcess[str],
    repository: Path,
    index: Index,
    tmp_path: Path,
) -> None:
    assert first_publish.returncode == 0, first_publish.stdout + first_publish.stderr
    version = released_version(repository)
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = str(environment / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    env = python_env()
    # The dependencies come from PyPI first, so the package itself can only come from the index.
    subprocess.run([*pip, "httpx", "attrs"], env=env, check=True, timeout=300)
    subprocess.run(
        [
            *pip,
            "--no-cache-dir",
            "--index-url",
            f"{index.url}simple/",
            f"llama-cloud-batch=={version}",
        ],
        env=env,
        check=True,
        timeout=300,
    )
    where = subprocess.run(
        [python, "-I", "-c", "import llama_cloud_batch as p; print(p.__version__, p.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert where[0] == version
    assert where[1].startswith(str(environment))

    with BatchServer(api_key=API_KEY) as server:
        job_id = server.add_job(job_type="parse", items=2)
        example = subprocess.run(
            [python, "-I", str(SEED_EXAMPLE)],
            cwd=tmp_path,
            env=python_env(LLAMA_CLOUD_API_KEY=API_KEY, LLAMA_CLOUD_BASE_URL=server.url),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        listed = server.requests_for("listBatchJobs")
    assert example.returncode == 0, example.stderr
    assert example.stdout == f"{job_id}\n"
    assert [(request.authorized, request.status) for request in listed] == [(True, 200)]


def test_the_same_version_is_refused_the_second_time(
    first_publish: subprocess.CompletedProcess[str], repository: Path, index: Index
) -> None:
    assert first_publish.returncode == 0, first_publish.stdout + first_publish.stderr
    before = {path.name: path.stat().st_mtime_ns for path in index.packages.iterdir()}
    second = nox_publish(repository, index)
    version = released_version(repository)
    output = second.stdout + second.stderr  # nox passes on the session's output as it comes
    assert second.returncode != 0
    assert f"upload refused: llama-cloud-batch {version} is already on {index.url}simple/" in output
    assert f"llama_cloud_batch-{version}.tar.gz" in output
    assert {path.name: path.stat().st_mtime_ns for path in index.packages.iterdir()} == before


def test_the_wheel_holds_the_package_and_nothing_of_the_repository(
    first_publish: subprocess.CompletedProcess[str], repository: Path, tmp_path: Path
) -> None:
    assert first_publish.returncode == 0, first_publish.stdout + first_publish.stderr
    version = released_version(repository)
    (wheel,) = (repository / "dist").glob("*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "llama_cloud_batch/py.typed" in names
    assert f"llama_cloud_batch-{version}.dist-info/licenses/LICENSE" in names
    assert "_llama_cloud_batch_generated/openapi.json" in names
    assert not [name for name in names if name.startswith(("tests/", "spec/", "generator/"))]
    package = (
        repository / "overrides" / "llama_cloud_batch",
        repository / "generated" / "_llama_cloud_batch_generated",
    )
    assert publish.wheel_problems(wheel, version, package) == []

    # The inspector that `nox -s build` runs catches each kind of mistake.
    with zipfile.ZipFile(wheel) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    metadata_name = f"llama_cloud_batch-{version}.dist-info/METADATA"
    headers, readme = entries[metadata_name].decode().split("\n\n", 1)

    def variant(name: str, changes: dict[str, str | None]) -> Path:
        """A copy of the wheel with entries replaced, added, or (None) removed."""
        target = tmp_path / name
        with zipfile.ZipFile(target, "w") as copy:
            for entry, content in {**entries, **changes}.items():
                if content is not None:
                    copy.writestr(entry, content)
        return target

    leaky = variant("leaky.whl", {"tests/test_x.py": "", "spec/openapi.yaml": ""})
    assert publish.wheel_problems(leaky, version, package) == [
        "wheel: spec/openapi.yaml is neither the packages nor their metadata",
        "wheel: tests/test_x.py is neither the packages nor their metadata",
    ]
    untyped = variant("untyped.whl", {"llama_cloud_batch/py.typed": None})
    assert publish.wheel_problems(untyped, version, package) == [
        "wheel: llama_cloud_batch/py.typed is missing",
        "wheel: no llama_cloud_batch/py.typed",
    ]
    stray = variant("stray.whl", {"llama_cloud_batch/_extra.py": "import requests\n"})
    assert publish.wheel_problems(stray, version, package) == [
        "wheel: llama_cloud_batch/_extra.py is in neither package's folder",
        "wheel: imports requests but does not depend on it",
    ]
    overweight = variant(
        "overweight.whl", {metadata_name: f"{headers}\nRequires-Dist: requests>=2\n\n{readme}"}
    )
    assert publish.wheel_problems(overweight, version, package) == [
        "wheel: depends on requests but never imports it"
    ]
